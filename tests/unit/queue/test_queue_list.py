"""Changes to the list of speakers: withdrawals, moves, absences, closure and who may inscribe."""

import pytest

from services.contracts import (
    AbsentPolicy,
    Actor,
    CallNextSpeaker,
    CloseList,
    EndSpeech,
    EstimatesChanged,
    InscriptionAccepted,
    InscriptionWithdrawn,
    ListChanged,
    ListReopened,
    MarkAbsent,
    MoveSpeaker,
    OrderingPolicy,
    ReaddSpeaker,
    ReopenList,
    Role,
    SpeakerAbsent,
    StartSpeech,
    SwapSpeakers,
    WithdrawInscription,
)
from services.queue.domain import Status
from tests.unit.queue.helpers import Session, at, one, r2p_setup, rejection, types


def session_with(*delegations: str, setup=None) -> Session:
    s = Session(setup)
    for delegation in delegations:
        s.inscribe(delegation)
    return s


def test_an_inscription_is_accepted_then_the_list_and_the_estimates_are_published():
    s = Session()
    assert types(s.inscribe("Ireland")) == ["InscriptionAccepted", "ListChanged", "EstimatesChanged"]


def test_a_delegation_withdraws_its_inscription():
    s = session_with("Ireland", "Ghana", "Brazil")
    events = s.do(WithdrawInscription, at(9, 40), inscription_id="ghana")
    assert types(events) == ["InscriptionWithdrawn", "ListChanged", "EstimatesChanged"]
    assert one(events, InscriptionWithdrawn).delegation == "Ghana"
    assert [e.inscription.inscription_id for e in one(events, ListChanged).speakers] == ["ireland", "brazil"]
    assert s.meeting.status_of("ghana") is Status.withdrawn


def test_withdrawing_what_is_not_on_the_list_is_refused():
    s = session_with("Ireland")
    s.do(WithdrawInscription, at(9, 40), inscription_id="ireland")
    for inscription_id in ("ireland", "nobody"):
        refused = rejection(s.do(WithdrawInscription, at(9, 41), inscription_id=inscription_id))
        assert refused.reason_code == "not_on_list"
        assert refused.inscription_id == inscription_id


def test_two_waiting_speakers_swap_places():
    s = session_with("Ireland", "Ghana", "Brazil")
    events = s.do(SwapSpeakers, at(9, 40), first_inscription_id="ireland", second_inscription_id="brazil")
    assert one(events, ListChanged).reason == "swapped"
    assert s.waiting_ids() == ["brazil", "ghana", "ireland"]


def test_swaps_are_refused_where_the_meeting_does_not_allow_them():
    s = session_with("Ireland", "Ghana", setup=r2p_setup(ordering=OrderingPolicy(allow_swaps=False)))
    refused = rejection(s.do(SwapSpeakers, at(9, 40), first_inscription_id="ireland", second_inscription_id="ghana"))
    assert refused.reason_code == "swaps_not_allowed"
    assert "withdraw and inscribe again" in refused.reason
    assert s.waiting_ids() == ["ireland", "ghana"]


def test_a_swap_with_someone_not_waiting_is_refused():
    s = session_with("Ireland", "Ghana")
    refused = rejection(s.do(SwapSpeakers, at(9, 40), first_inscription_id="ireland", second_inscription_id="chad"))
    assert refused.reason_code == "not_on_list"


def test_the_secretariat_moves_a_speaker_to_a_place():
    s = session_with("Ireland", "Ghana", "Brazil", "Chile")
    s.do(MoveSpeaker, at(9, 40), inscription_id="chile", position=2)
    assert s.waiting_ids() == ["ireland", "chile", "ghana", "brazil"]
    s.do(MoveSpeaker, at(9, 41), inscription_id="ireland", position=4)
    assert s.waiting_ids() == ["chile", "ghana", "brazil", "ireland"]
    refused = rejection(s.do(MoveSpeaker, at(9, 42), inscription_id="ireland", position=5))
    assert refused.reason_code == "invalid_position"
    assert "from 1 to 4" in refused.reason


def call_first(s: Session) -> None:
    s.advance(at(10, 50))
    s.do(CallNextSpeaker, at(10, 50, 30))


@pytest.mark.parametrize(
    ("policy", "waiting", "new_position"),
    [
        (AbsentPolicy(action="end_of_list"), ["ghana", "brazil", "chile", "dominica", "ireland"], 5),
        (AbsentPolicy(action="places_down", places=2), ["ghana", "brazil", "ireland", "chile", "dominica"], 3),
        (AbsentPolicy(action="places_down", places=9), ["ghana", "brazil", "chile", "dominica", "ireland"], 5),
        (AbsentPolicy(action="dropped"), ["ghana", "brazil", "chile", "dominica"], None),
    ],
)
def test_a_delegation_absent_when_called_is_moved_as_the_meeting_decided(policy, waiting, new_position):
    s = session_with(
        "Ireland", "Ghana", "Brazil", "Chile", "Dominica", setup=r2p_setup(ordering=OrderingPolicy(absent=policy))
    )
    call_first(s)
    events = s.do(MarkAbsent, at(10, 51))
    assert types(events) == ["SpeakerAbsent", "ListChanged", "EstimatesChanged"]
    absent = one(events, SpeakerAbsent)
    assert (absent.inscription_id, absent.action, absent.new_position) == ("ireland", policy.action, new_position)
    assert s.waiting_ids() == waiting
    assert s.meeting.floor is None
    assert s.meeting.status_of("ireland") is (Status.dropped if new_position is None else Status.waiting)


def test_a_speaker_who_began_speaking_cannot_be_marked_absent():
    s = session_with("Ireland")
    call_first(s)
    s.do(StartSpeech, at(10, 51))
    assert rejection(s.do(MarkAbsent, at(10, 52))).reason_code == "speech_already_started"
    s.do(EndSpeech, at(10, 53))
    assert rejection(s.do(MarkAbsent, at(10, 54))).reason_code == "no_speaker_called"


def test_a_speaker_who_spoke_withdrew_or_was_dropped_is_readded_at_the_end():
    setup = r2p_setup(ordering=OrderingPolicy(absent=AbsentPolicy(action="dropped")))
    s = session_with("Ireland", "Ghana", "Brazil", "Chile", setup=setup)
    call_first(s)
    s.do(StartSpeech, at(10, 51))
    s.do(EndSpeech, at(10, 53))
    s.do(CallNextSpeaker, at(10, 54))
    s.do(MarkAbsent, at(10, 55))
    s.do(WithdrawInscription, at(10, 56), inscription_id="brazil")
    assert s.waiting_ids() == ["chile"]
    for minute, inscription_id in enumerate(("ghana", "ireland", "brazil")):
        events = s.do(ReaddSpeaker, at(10, 57 + minute), inscription_id=inscription_id)
        assert one(events, ListChanged).reason == "readded"
    assert s.waiting_ids() == ["chile", "ghana", "ireland", "brazil"]


def test_readding_a_speaker_still_waiting_or_unknown_is_refused():
    s = session_with("Ireland")
    assert rejection(s.do(ReaddSpeaker, at(9, 40), inscription_id="ireland")).reason_code == "already_inscribed"
    assert rejection(s.do(ReaddSpeaker, at(9, 40), inscription_id="nobody")).reason_code == "not_on_list"


def test_the_chair_closes_the_list_and_inscriptions_are_refused_with_the_time_of_closure():
    s = Session(set_up_at=at(9, day=5))
    s.inscribe("Ireland", at(10, day=5))
    chair = Actor(role=Role.chair)
    events = s.do(CloseList, at(16, 2, day=5), issued_by=chair)
    assert types(events) == ["ListClosed", "ListChanged"]
    assert one(events, ListChanged).closed
    refused = rejection(s.inscribe("Ghana", at(16, 5, day=5)))
    assert refused.reason_code == "list_closed"
    assert refused.reason == (
        "The list of speakers was closed by the chair at 16:02; inscriptions are no longer accepted."
    )
    assert (refused.delegation, refused.inscription_id) == ("Ghana", "ghana")
    refused = rejection(s.inscribe("Chile", at(16, 6, day=5), contact_emails=["mission@chile.example"]))
    assert refused.contact_emails == ["mission@chile.example"]  # whom the notifier tells
    assert s.do(CloseList, at(16, 7, day=5), issued_by=chair) == []  # closing a closed list changes nothing


def test_the_chair_reopens_the_list():
    s = session_with("Ireland")
    s.do(CloseList, at(9, 40))
    events = s.do(ReopenList, at(9, 45))
    assert types(events) == ["ListReopened", "ListChanged"]
    assert isinstance(events[0], ListReopened)
    assert not one(events, ListChanged).closed
    assert one(s.inscribe("Ghana", at(9, 46)), InscriptionAccepted).position == 2
    assert s.do(ReopenList, at(9, 47)) == []  # reopening an open list changes nothing


def test_inscription_is_open_only_between_the_times_set():
    setup = r2p_setup(inscription_opens_at=at(9, 0, day=1), inscription_closes_at=at(18, 0, day=5))
    s = Session(setup, set_up_at=at(8, day=1))
    early = rejection(s.inscribe("Ireland", at(8, 59, day=1)))
    assert early.reason_code == "inscription_not_open"
    assert early.reason.startswith("Inscription opens at 09:00 on 1 September 2017")
    assert one(s.inscribe("Ireland", at(9, 0, day=1)), InscriptionAccepted)
    late = rejection(s.inscribe("Ghana", at(18, 0, day=5)))
    assert late.reason_code == "inscription_closed"
    assert "18:00 on 5 September 2017" in late.reason


def test_a_second_inscription_of_a_waiting_delegation_is_refused():
    s = session_with("Ireland", "Ghana")
    refused = rejection(s.inscribe("ireland ", inscription_id="ireland-again"))
    assert refused.reason_code == "already_inscribed"
    assert refused.reason == (
        "Ireland is already on the list of speakers, in position 1; a delegation may inscribe only once."
    )


def test_a_delegation_that_spoke_may_not_inscribe_again_but_one_that_withdrew_may():
    s = session_with("Ireland", "Ghana")
    call_first(s)
    s.do(StartSpeech, at(10, 51))
    s.do(EndSpeech, at(10, 53))
    s.do(WithdrawInscription, at(10, 54), inscription_id="ghana")
    assert rejection(s.inscribe("Ireland", at(10, 55), inscription_id="i2")).reason_code == "already_inscribed"
    assert one(s.inscribe("Ghana", at(10, 55), inscription_id="g2"), InscriptionAccepted)


def test_a_second_inscription_is_accepted_where_the_meeting_allows_it():
    s = session_with("Ireland", setup=r2p_setup(ordering=OrderingPolicy(allow_second_inscription=True)))
    assert one(s.inscribe("Ireland", inscription_id="ireland-2"), InscriptionAccepted).position == 2


def test_a_statement_for_a_group_is_not_a_second_inscription_of_the_delegation_delivering_it():
    s = session_with("Egypt")
    events = s.inscribe("Egypt", inscription_id="arab-group", on_behalf_of="Group of Arab States")
    assert one(events, InscriptionAccepted).position == 2


def test_an_inscription_id_already_used_is_refused():
    s = session_with("Ireland")
    refused = rejection(s.inscribe("Ghana", inscription_id="ireland"))
    assert refused.reason_code == "duplicate_inscription_id"
    assert s.waiting_ids() == ["ireland"]


def test_a_command_handled_before_changes_nothing():
    s = session_with("Ireland")
    inscription = s.commands[-1]
    seq = s.meeting.seq
    assert s.send(inscription) == []
    withdrawal = WithdrawInscription(meeting_id=s.meeting.meeting_id, inscription_id="ireland", issued_at=at(9, 40))
    assert one(s.send(withdrawal), InscriptionWithdrawn)
    assert s.send(withdrawal) == []
    assert s.meeting.seq == seq + 3
    assert s.waiting_ids() == []


def test_estimates_follow_every_change_of_the_list():
    s = session_with("Ireland", "Ghana")
    for events in (
        s.do(MoveSpeaker, at(9, 40), inscription_id="ghana", position=1),
        s.do(WithdrawInscription, at(9, 41), inscription_id="ghana"),
    ):
        assert one(events, EstimatesChanged)
