from datetime import UTC, datetime, timedelta

from services.contracts import CallNextSpeaker, ClockSetting, SpeakerCalled
from services.queue.domain import MeetingClock
from tests.unit.queue.helpers import Session, at, one, r2p_setup

REAL_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_real_clock_reads_real_time():
    clock = MeetingClock(ClockSetting())
    assert clock.meeting_time(REAL_START) == REAL_START
    assert clock.real_time(REAL_START) == REAL_START


def test_a_simulated_clock_replays_6_september_2017_at_600_times_real_speed():
    clock = MeetingClock(ClockSetting(mode="simulated", starts_at=at(10), rate=600, anchor=REAL_START))
    assert clock.meeting_time(REAL_START) == at(10)
    assert clock.meeting_time(REAL_START + timedelta(seconds=1)) == at(10, 10)
    # The whole day, 10:00 to 18:00, in 48 real seconds.
    assert clock.meeting_time(REAL_START + timedelta(seconds=48)) == at(18)
    assert clock.real_time(at(13)) == REAL_START + timedelta(seconds=18)
    moment = REAL_START + timedelta(seconds=7, microseconds=250_000)
    assert clock.real_time(clock.meeting_time(moment)) == moment


def test_a_meeting_on_a_simulated_clock_reads_its_commands_on_that_clock():
    setting = ClockSetting(mode="simulated", starts_at=at(10), rate=600, anchor=REAL_START)
    s = Session(r2p_setup(clock=setting), set_up_at=REAL_START)
    assert [e.occurred_at for e in s.events] == [at(10), at(10)]  # set up, and the opening begins
    s.inscribe("Ireland", REAL_START + timedelta(seconds=4))  # 10:40 on the meeting clock
    assert s.meeting.next_deadline() == at(10, 50)
    assert MeetingClock(setting).real_time(s.meeting.next_deadline()) == REAL_START + timedelta(seconds=5)
    events = s.do(CallNextSpeaker, REAL_START + timedelta(seconds=5))
    assert one(events, SpeakerCalled).occurred_at == at(10, 50)
