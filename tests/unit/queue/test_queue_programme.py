"""The programme of the day, followed by the meeting clock, and the chair's adjournments."""

from services.contracts import (
    AdjournMeeting,
    CallNextSpeaker,
    ConcludeMeeting,
    EndSpeech,
    MeetingConcluded,
    ResumeMeeting,
    SegmentBegan,
    SegmentKind,
    SpeakerCalled,
    SpeechEnded,
    StartSpeech,
)
from tests.unit.queue.helpers import Session, at, of_type, one, rejection, types


def test_the_clock_begins_each_segment_of_the_programme_and_announces_the_next():
    s = Session()
    assert s.meeting.next_deadline() == at(10)
    events = s.advance(at(10, 20))
    began = of_type(events, SegmentBegan)
    assert [(b.index, b.occurred_at) for b in began] == [(0, at(10)), (1, at(10, 10)), (2, at(10, 20))]
    assert began[0].next_segment == began[1].segment
    assert began[2].segment.kind is SegmentKind.panel
    assert s.meeting.segment.title == "Interactive dialogue: remarks by panelists"
    assert s.meeting.next_deadline() == at(10, 50)


def test_the_lunch_break_adjourns_the_meeting_and_the_afternoon_resumes_it():
    s = Session()
    s.inscribe("Ireland")
    s.advance(at(12, 59))
    assert types(s.advance(at(13))) == ["SegmentBegan", "MeetingAdjourned"]
    assert s.meeting.adjourned
    refused = rejection(s.do(CallNextSpeaker, at(13, 30)))
    assert refused.reason_code == "meeting_adjourned"
    assert refused.reason.startswith("The meeting is adjourned until 15:00")
    assert types(s.advance(at(15))) == ["SegmentBegan", "MeetingResumed", "ListChanged", "EstimatesChanged"]
    assert one(s.do(CallNextSpeaker, at(15, 1)), SpeakerCalled)


def test_the_chair_adjourns_and_resumes_by_hand():
    s = Session()
    s.inscribe("Ireland")
    s.advance(at(11))
    assert types(s.do(AdjournMeeting, at(11, 5))) == ["MeetingAdjourned"]
    assert rejection(s.do(AdjournMeeting, at(11, 6))).reason_code == "meeting_adjourned"
    assert rejection(s.do(CallNextSpeaker, at(11, 7))).reason_code == "meeting_adjourned"
    assert types(s.do(ResumeMeeting, at(11, 20))) == ["MeetingResumed", "ListChanged", "EstimatesChanged"]
    assert rejection(s.do(ResumeMeeting, at(11, 21))).reason_code == "meeting_not_adjourned"
    assert one(s.do(CallNextSpeaker, at(11, 22)), SpeakerCalled)


def test_the_meeting_is_not_adjourned_while_a_speaker_has_the_floor():
    s = Session()
    s.inscribe("Ireland")
    s.advance(at(11))
    s.do(CallNextSpeaker, at(11))
    s.do(StartSpeech, at(11))
    assert rejection(s.do(AdjournMeeting, at(11, 1))).reason_code == "speaker_still_on_floor"
    assert rejection(s.do(ConcludeMeeting, at(11, 1))).reason_code == "speaker_still_on_floor"


def test_the_chair_may_resume_before_the_end_of_the_break():
    s = Session()
    s.inscribe("Ireland")
    s.advance(at(13))
    s.do(ResumeMeeting, at(14, 45))
    assert one(s.do(CallNextSpeaker, at(14, 46)), SpeakerCalled)
    assert types(s.advance(at(15)))[:1] == ["SegmentBegan"]
    assert not s.meeting.adjourned


def test_a_speech_running_into_the_break_is_ended_by_the_chair_and_nobody_else_is_called():
    s = Session()
    s.inscribe("Ireland")
    s.inscribe("Ghana")
    s.advance(at(12, 58))
    s.do(CallNextSpeaker, at(12, 58))
    s.do(StartSpeech, at(12, 58))
    assert "MeetingAdjourned" in types(s.advance(at(13)))
    assert one(s.do(EndSpeech, at(13, 1)), SpeechEnded).record.duration_seconds == 180
    assert rejection(s.do(CallNextSpeaker, at(13, 2))).reason_code == "meeting_adjourned"


def test_the_end_of_the_programme_concludes_the_meeting_and_names_those_not_reached():
    s = Session()
    for delegation in ("Ireland", "Ghana", "Brazil"):
        s.inscribe(delegation)
    s.advance(at(17, 50))
    s.do(CallNextSpeaker, at(17, 50))
    s.do(StartSpeech, at(17, 50))
    s.do(EndSpeech, at(17, 53))
    s.do(CallNextSpeaker, at(17, 54))
    events = s.advance(at(18))
    assert types(events) == ["SegmentBegan", "SegmentBegan", "MeetingConcluded"]
    concluded = one(events, MeetingConcluded)
    assert [i.delegation for i in concluded.not_reached] == ["Ghana", "Brazil"]
    assert s.meeting.concluded
    assert s.meeting.next_deadline() is None


def test_a_speech_still_running_when_the_meeting_concludes_goes_into_the_record():
    s = Session()
    s.inscribe("Ireland")
    s.advance(at(17, 54))
    s.do(CallNextSpeaker, at(17, 54))
    s.do(StartSpeech, at(17, 54))
    events = s.advance(at(18))
    assert types(events) == [
        "SegmentBegan",  # closing remarks at 17:55, and the chair does not end the speech
        "PreWarningGiven",
        "TimeUp",
        "SegmentBegan",
        "SpeechEnded",
        "MeetingConcluded",
    ]
    assert one(events, SpeechEnded).record.ended_at == at(18)
    assert one(events, MeetingConcluded).not_reached == []


def test_after_the_meeting_concludes_every_command_is_refused():
    s = Session()
    s.inscribe("Ireland")
    s.advance(at(11))
    events = s.do(ConcludeMeeting, at(11, 30))
    assert types(events) == ["MeetingConcluded"]
    for events in (s.inscribe("Ghana", at(11, 31)), s.do(CallNextSpeaker, at(11, 32)), s.advance(at(18))):
        refused = rejection(events)
        assert refused.reason_code == "meeting_concluded"
        assert refused.reason == "The meeting concluded at 11:30; the list of speakers is final."
