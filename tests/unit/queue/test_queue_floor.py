"""The floor: calling speakers, the speech clock, pre-warnings and time up, and the record."""

from services.contracts import (
    AdvanceClock,
    CallNextSpeaker,
    EndSpeech,
    ExtendSpeech,
    InscribeSpeaker,
    PauseSpeech,
    PreWarningGiven,
    ResumeSpeech,
    SpeakerCalled,
    SpeechEnded,
    SpeechExtended,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    StartSpeech,
    TimeLimits,
    TimeUp,
)
from services.contracts.meeting import Category
from tests.unit.queue.helpers import Session, at, of_type, one, r2p_setup, rejection, types


def floor_open(*delegations: str, setup=None) -> Session:
    s = Session(setup)
    for delegation in delegations:
        s.inscribe(delegation)
    s.advance(at(10, 50))
    return s


def test_the_chair_calls_the_first_waiting_speaker_and_the_room_sees_who_is_next():
    s = floor_open("Ireland", "Ghana", "Brazil", "Chile", "Dominica")
    events = s.do(CallNextSpeaker, at(10, 51))
    assert types(events) == ["SpeakerCalled", "ListChanged", "EstimatesChanged"]
    called = one(events, SpeakerCalled)
    assert called.inscription.delegation == "Ireland"
    assert called.limit_seconds == 180
    assert [i.delegation for i in called.next_up] == ["Ghana", "Brazil", "Chile"]
    assert s.waiting_ids() == ["ghana", "brazil", "chile", "dominica"]
    assert s.meeting.floor.inscription.delegation == "Ireland"


def test_calling_a_speaker_is_refused_while_another_has_the_floor_or_when_nobody_waits():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    assert rejection(s.do(CallNextSpeaker, at(10, 52))).reason_code == "speaker_still_on_floor"
    s.do(StartSpeech, at(10, 52))
    s.do(PauseSpeech, at(10, 53))
    assert rejection(s.do(CallNextSpeaker, at(10, 54))).reason_code == "speaker_still_on_floor"
    s.do(EndSpeech, at(10, 55))
    refused = rejection(s.do(CallNextSpeaker, at(10, 56)))
    assert (refused.reason_code, refused.reason) == ("list_empty", "Nobody is waiting on the list of speakers.")


def test_the_floor_opens_to_delegations_only_in_a_floor_segment_of_the_programme():
    s = Session()
    s.inscribe("Ireland")
    refused = rejection(s.do(CallNextSpeaker, at(10, 15)))
    assert refused.reason_code == "not_floor_turn"
    assert refused.reason == (
        "The floor is not open to delegations now (Remarks by the Secretary-General); "
        "the floor opens to delegations at 10:50."
    )
    assert one(s.do(CallNextSpeaker, at(10, 50)), SpeakerCalled)


def test_the_time_limit_is_the_speakers_category_limit():
    setup = r2p_setup(time_limits=TimeLimits(default_seconds=300, per_category={Category.group: 480}))
    s = floor_open(setup=setup)
    s.inscribe("Egypt", at(10, 50), category=Category.group, on_behalf_of="Group of Arab States")
    s.inscribe("Ireland", at(10, 50))
    assert one(s.do(CallNextSpeaker, at(10, 51)), SpeakerCalled).limit_seconds == 480
    s.do(EndSpeech, at(10, 52))
    assert one(s.do(CallNextSpeaker, at(10, 53)), SpeakerCalled).limit_seconds == 300


def test_a_speech_starts_with_its_deadline_and_pre_warning():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    started = one(s.do(StartSpeech, at(10, 51, 20)), SpeechStarted)
    assert (started.inscription_id, started.limit_seconds) == ("ireland", 180)
    assert started.deadline_at == at(10, 54, 20)
    assert started.pre_warning_at == at(10, 53, 50)
    assert s.meeting.next_deadline() == at(10, 53, 50)
    assert rejection(s.do(StartSpeech, at(10, 52))).reason_code == "speech_already_started"


def test_starting_a_speech_needs_a_called_speaker():
    s = floor_open("Ireland")
    refused = rejection(s.do(StartSpeech, at(10, 51)))
    assert (refused.reason_code, refused.reason) == (
        "no_speaker_called",
        "No speaker has been called; call the next speaker first.",
    )


def test_pauses_stop_the_speech_clock_and_extensions_move_the_deadline():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 50, 30))
    s.do(StartSpeech, at(10, 51))
    paused = one(s.do(PauseSpeech, at(10, 52)), SpeechPaused)
    assert paused.remaining_seconds == 120
    assert s.meeting.next_deadline() == at(13)  # while paused, only the programme is due
    assert s.do(PauseSpeech, at(10, 52, 30)) == []  # pausing a paused speech changes nothing
    resumed = one(s.do(ResumeSpeech, at(10, 55)), SpeechResumed)
    assert (resumed.deadline_at, resumed.pre_warning_at) == (at(10, 57), at(10, 56, 30))
    assert rejection(s.do(ResumeSpeech, at(10, 55, 10))).reason_code == "speech_not_paused"
    extended = one(s.do(ExtendSpeech, at(10, 56), seconds=60), SpeechExtended)
    assert (extended.seconds, extended.deadline_at, extended.pre_warning_at) == (60, at(10, 58), at(10, 57, 30))
    ended = one(s.do(EndSpeech, at(10, 58, 30)), SpeechEnded).record
    assert ended.called_at == at(10, 50, 30)
    assert ended.started_at == at(10, 51)
    assert ended.ended_at == at(10, 58, 30)
    assert ended.duration_seconds == 7.5 * 60 - 3 * 60  # paused from 10:52 to 10:55
    assert ended.limit_seconds == 240  # the limit plus the extension: what overrun is measured against
    assert ended.overrun_seconds == 30
    assert s.meeting.record == [ended]
    assert s.meeting.floor is None


def test_a_speech_within_its_limit_has_no_overrun():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    s.do(StartSpeech, at(10, 51))
    record = one(s.do(EndSpeech, at(10, 53, 30)), SpeechEnded).record
    assert (record.duration_seconds, record.overrun_seconds) == (150, 0)


def test_pausing_or_extending_a_speech_not_begun_is_refused():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    assert rejection(s.do(PauseSpeech, at(10, 52))).reason_code == "speech_not_started"
    assert rejection(s.do(ExtendSpeech, at(10, 52))).reason_code == "speech_not_started"
    assert rejection(s.do(ResumeSpeech, at(10, 52))).reason_code == "speech_not_paused"


def test_a_speaker_called_but_never_started_ends_with_no_speech():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    record = one(s.do(EndSpeech, at(10, 52)), SpeechEnded).record
    assert (record.started_at, record.duration_seconds, record.overrun_seconds) == (None, 0, 0)


def test_the_clock_gives_the_pre_warning_and_the_time_up_once_each_and_the_speech_goes_on():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    s.do(StartSpeech, at(10, 51))
    assert s.advance(at(10, 53, 29)) == []
    warned = s.advance(at(10, 53, 30))
    assert types(warned) == ["PreWarningGiven"]
    assert one(warned, PreWarningGiven).remaining_seconds == 30
    assert warned[0].occurred_at == at(10, 53, 30)
    assert s.advance(at(10, 53, 45)) == []
    assert types(s.advance(at(10, 54))) == ["TimeUp"]
    assert s.advance(at(10, 55)) == []
    assert s.meeting.floor.started_at == at(10, 51)
    assert one(s.do(EndSpeech, at(10, 55)), SpeechEnded).record.overrun_seconds == 60


def test_a_late_timer_gives_everything_due_in_the_order_it_fell_due():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    s.do(StartSpeech, at(10, 51))
    events = s.advance(at(10, 56))
    assert types(events) == ["PreWarningGiven", "TimeUp"]
    assert [e.occurred_at for e in events] == [at(10, 53, 30), at(10, 54)]


def test_any_command_first_lets_the_clock_catch_up():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    s.do(StartSpeech, at(10, 51))
    events = s.do(EndSpeech, at(10, 54, 30))
    assert types(events)[:3] == ["PreWarningGiven", "TimeUp", "SpeechEnded"]


def test_an_extension_is_a_new_deadline_with_its_own_pre_warning_and_time_up():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    s.do(StartSpeech, at(10, 51))
    assert types(s.advance(at(10, 54))) == ["PreWarningGiven", "TimeUp"]
    s.do(ExtendSpeech, at(10, 54, 10), seconds=120)
    assert s.meeting.next_deadline() == at(10, 55, 30)
    events = s.advance(at(10, 57))
    assert types(events) == ["PreWarningGiven", "TimeUp"]
    assert [e.occurred_at for e in events] == [at(10, 55, 30), at(10, 56)]
    assert of_type(s.advance(at(10, 58)), TimeUp) == []


def test_a_short_extension_after_the_pre_warning_gives_no_second_pre_warning():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    s.do(StartSpeech, at(10, 51))
    s.advance(at(10, 53, 40))
    s.do(ExtendSpeech, at(10, 53, 45), seconds=10)
    assert types(s.advance(at(10, 56))) == ["TimeUp"]


def test_a_timer_sent_twice_counts_once():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    s.do(StartSpeech, at(10, 51))
    tick = AdvanceClock(meeting_id=s.meeting.meeting_id, message_id="clock:10:53:30", until=at(10, 53, 30))
    assert types(s.send(tick)) == ["PreWarningGiven"]
    assert s.send(tick) == []


def test_inscriptions_go_on_while_a_speaker_has_the_floor():
    s = floor_open("Ireland")
    s.do(CallNextSpeaker, at(10, 51))
    s.do(StartSpeech, at(10, 51))
    events = s.do(InscribeSpeaker, at(10, 52), inscription_id="ghana", delegation="Ghana")
    assert types(events) == ["InscriptionAccepted", "ListChanged", "EstimatesChanged"]
