"""Right of reply: its own list at the end of the day, 10 minutes for a first reply and 5 for a second
(GA rules of procedure, annex V); not used in informal dialogues."""

from services.contracts import (
    CallNextSpeaker,
    CloseList,
    EndSpeech,
    InscriptionAccepted,
    SpeakerCalled,
    SpeechStarted,
    StartSpeech,
    Statement,
    WithdrawInscription,
)
from services.queue.domain import Meeting
from tests.unit.queue.helpers import Session, at, one, r2p_setup, rejection

REPLY = {"statement": Statement.reply}


def formal_session(*delegations: str) -> Session:
    s = Session(r2p_setup(right_of_reply=True))
    for delegation in delegations:
        s.inscribe(delegation)
    return s


def test_an_informal_dialogue_has_no_right_of_reply():
    s = Session()  # the 2017 dialogue as deployed
    refusal = rejection(s.inscribe("Syrian Arab Republic", inscription_id="reply-1", **REPLY))
    assert refusal.reason_code == "no_right_of_reply"
    assert "informal dialogue" in refusal.reason
    assert s.waiting_ids() == []


def test_replies_wait_after_every_statement_even_those_inscribed_later():
    s = formal_session("Ireland")
    s.inscribe("Syrian Arab Republic", inscription_id="syria-reply", **REPLY)
    accepted = one(s.inscribe("Brazil"), InscriptionAccepted)
    assert accepted.position == 2
    assert s.waiting_ids() == ["ireland", "brazil", "syria-reply"]


def test_first_replies_come_before_second_replies():
    s = formal_session("Ireland")
    s.inscribe("Syrian Arab Republic", inscription_id="syria-1", **REPLY)
    s.inscribe("Syrian Arab Republic", inscription_id="syria-2", **REPLY)
    s.inscribe("Qatar", inscription_id="qatar-1", **REPLY)
    assert s.waiting_ids() == ["ireland", "syria-1", "qatar-1", "syria-2"]
    assert [i.reply for i in s.meeting.waiting] == [0, 1, 1, 2]


def test_a_third_reply_is_refused_and_a_withdrawn_one_does_not_count():
    s = formal_session()
    s.inscribe("Syrian Arab Republic", inscription_id="syria-1", **REPLY)
    s.inscribe("Syrian Arab Republic", inscription_id="syria-2", **REPLY)
    refusal = rejection(s.inscribe("syrian arab republic", inscription_id="syria-3", **REPLY))
    assert refusal.reason_code == "replies_used"
    assert "10 and then 5 minutes" in refusal.reason
    s.do(WithdrawInscription, at(9, 30), inscription_id="syria-2")
    assert one(s.inscribe("Syrian Arab Republic", inscription_id="syria-3", **REPLY), InscriptionAccepted)


def test_a_reply_is_not_a_second_inscription_and_is_taken_after_the_list_is_closed():
    s = formal_session("Ireland")
    s.do(CloseList, at(9, 40))
    assert one(s.inscribe("Ireland", inscription_id="ireland-reply", **REPLY), InscriptionAccepted)
    assert rejection(s.inscribe("Brazil")).reason_code == "list_closed"


def test_a_reply_has_its_own_limit():
    s = formal_session()
    s.inscribe("Syrian Arab Republic", inscription_id="syria-1", **REPLY)
    s.inscribe("Syrian Arab Republic", inscription_id="syria-2", **REPLY)
    s.advance(at(10, 50))
    s.meeting = Meeting.from_snapshot(s.meeting.to_snapshot())  # which reply is which survives a restart
    limits = []
    for minute in (51, 52):
        s.do(CallNextSpeaker, at(10, minute))
        limits.append(one(s.do(StartSpeech, at(10, minute)), SpeechStarted).limit_seconds)
        s.do(EndSpeech, at(10, minute, 30))
    assert limits == [600, 300]


def test_the_called_reply_is_shown_as_a_reply():
    s = formal_session()
    s.inscribe("Qatar", inscription_id="qatar-1", **REPLY)
    s.advance(at(10, 50))
    called = one(s.do(CallNextSpeaker, at(10, 51)), SpeakerCalled)
    assert called.inscription.reply == 1
