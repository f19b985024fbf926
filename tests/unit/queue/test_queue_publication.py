"""The rolling list is published at once after a lone change, and at most once a second in a burst."""

from datetime import timedelta

from services.contracts import (
    ConcludeMeeting,
    EstimatesChanged,
    InscriptionAccepted,
    ListChanged,
    MeetingConcluded,
    WithdrawInscription,
)
from tests.unit.queue.helpers import Session, at, of_type, one, types

MS = timedelta(milliseconds=1)


def test_a_burst_of_requests_is_published_once_when_the_second_is_up():
    s = Session()
    assert types(s.inscribe("Ireland", at(9, 30))) == ["InscriptionAccepted", "ListChanged", "EstimatesChanged"]
    accepted = []
    for n, delegation in enumerate(["Ghana", "Brazil", "Chile"], start=1):
        events = s.inscribe(delegation, at(9, 30) + 100 * n * MS)
        assert types(events) == ["InscriptionAccepted"]
        accepted.append(one(events, InscriptionAccepted))
    s.do(WithdrawInscription, at(9, 30) + 400 * MS, inscription_id="ireland")
    # Each acceptance still says where the speaker stands and when it is likely to speak.
    assert [(a.position, a.estimated_at) for a in accepted] == [
        (2, at(10, 53, 20)),
        (3, at(10, 56, 40)),
        (4, at(11, 0)),
    ]
    assert s.meeting.next_deadline() == at(9, 30, 1)
    events = s.advance(at(9, 30, 1))
    assert types(events) == ["ListChanged", "EstimatesChanged"]
    published = one(events, ListChanged)
    assert published.occurred_at == at(9, 30, 1)
    assert published.reason == "inscribed, withdrawn"
    assert [(e.position, e.inscription.delegation, e.estimated_at) for e in published.speakers] == [
        (1, "Ghana", at(10, 50)),
        (2, "Brazil", at(10, 53, 20)),
        (3, "Chile", at(10, 56, 40)),
    ]
    assert s.meeting.next_deadline() == at(10)


def test_the_next_command_after_the_second_publishes_what_was_held_back_before_its_own_change():
    s = Session()
    s.inscribe("Ireland", at(9, 30))
    s.inscribe("Ghana", at(9, 30) + 500 * MS)
    events = s.inscribe("Brazil", at(9, 31))
    assert types(events) == [
        "ListChanged",
        "EstimatesChanged",
        "InscriptionAccepted",
        "ListChanged",
        "EstimatesChanged",
    ]
    first, second = of_type(events, ListChanged)
    assert (first.occurred_at, len(first.speakers), second.occurred_at, len(second.speakers)) == (
        at(9, 30, 1),
        2,
        at(9, 31),
        3,
    )


def test_changes_held_back_are_published_before_the_meeting_concludes():
    s = Session()
    s.advance(at(11))
    s.inscribe("Ireland", at(11))
    s.inscribe("Ghana", at(11) + 200 * MS)
    events = s.do(ConcludeMeeting, at(11) + 300 * MS)
    assert types(events) == ["ListChanged", "EstimatesChanged", "MeetingConcluded"]
    assert len(one(events, ListChanged).speakers) == 2
    assert [i.delegation for i in one(events, MeetingConcluded).not_reached] == ["Ireland", "Ghana"]
    assert of_type(events, EstimatesChanged)[0].occurred_at == at(11) + 300 * MS
