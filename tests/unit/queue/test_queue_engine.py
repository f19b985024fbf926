"""The service layer around the domain: snapshots in the table, the clock's commands, reloading."""

from datetime import timedelta

from services.contracts import AdvanceClock, CallNextSpeaker, StartSpeech
from services.queue.domain import MeetingClock
from services.queue.engine import Engine
from tests.support.meetings import inscriptions, set_up, setup_2017, simulated_clock, speakers_2017


def started_meeting(table: dict) -> tuple[Engine, MeetingClock]:
    setup = setup_2017(clock=simulated_clock("2017-09-06T10:55:00-04:00", 60, lead_seconds=0))
    engine = Engine(table)
    for command in [set_up("m", setup), *inscriptions("m", speakers_2017()[:3])]:
        engine.handle(command)
    engine.handle(CallNextSpeaker(meeting_id="m"))
    engine.handle(StartSpeech(meeting_id="m"))
    engine.save()
    return engine, MeetingClock(setup.clock)


def test_save_writes_the_snapshot_of_every_changed_meeting():
    table: dict = {}
    engine, _ = started_meeting(table)
    assert set(table) == {"m"}
    assert engine.meeting("m").to_snapshot() == table["m"]


def test_save_returns_what_it_wrote_and_only_the_meetings_changed_since():
    table: dict = {}
    engine, _ = started_meeting(table)
    engine.handle(set_up("other", setup_2017()))
    assert engine.save() == {"other": table["other"]}
    assert engine.save() == {}


def test_a_command_handled_twice_changes_nothing():
    table: dict = {}
    engine, _ = started_meeting(table)
    command = CallNextSpeaker(meeting_id="m")
    first = engine.handle(command)
    assert first and engine.handle(command) == []


def test_the_clock_asks_once_for_a_deadline_that_has_come():
    engine, clock = started_meeting({})
    deadline = engine.meeting("m").next_deadline()
    assert engine.clock_commands(clock.real_time(deadline) - timedelta(milliseconds=1)) == []
    [command] = engine.clock_commands(clock.real_time(deadline))
    assert isinstance(command, AdvanceClock) and command.until == deadline
    assert command.message_id == f"m:clock:{deadline.isoformat()}"
    assert engine.clock_commands(clock.real_time(deadline) + timedelta(seconds=1)) == []
    assert engine.handle(command), "the pre-warning is given"
    assert engine.meeting("m").next_deadline() > deadline


def test_a_new_engine_on_the_same_table_picks_up_where_the_last_stopped():
    table: dict = {}
    engine, clock = started_meeting(table)
    deadline = engine.meeting("m").next_deadline()
    restarted = Engine(table)
    [command] = restarted.clock_commands(clock.real_time(deadline))
    assert command.until == deadline
    assert restarted.meeting("m").seq == engine.meeting("m").seq


def test_commands_for_a_meeting_never_set_up_are_dropped():
    assert Engine({}).handle(CallNextSpeaker(meeting_id="nowhere")) == []


def test_a_change_held_back_is_saved_and_published_when_the_clock_comes():
    from services.contracts import ListChanged, MoveSpeaker

    table: dict = {}
    engine, clock = started_meeting(table)
    engine.handle(MoveSpeaker(meeting_id="m", inscription_id="m-002", position=1))
    held = MoveSpeaker(meeting_id="m", inscription_id="m-001", position=1)
    assert not [e for e in engine.handle(held) if isinstance(e, ListChanged)]
    engine.save()
    assert table["m"] == engine.meeting("m").to_snapshot()
    deadline = engine.meeting("m").next_deadline()
    commands = engine.clock_commands(clock.real_time(deadline))
    assert [c.until for c in commands] == [deadline]
    published = [e for c in commands for e in engine.handle(c) if isinstance(e, ListChanged)]
    assert published and published[-1].speakers[0].inscription.inscription_id == "m-001"


def test_where_each_meeting_last_command_came_from_is_saved_with_it():
    table: dict = {}
    engine = Engine(table)
    setup = setup_2017(clock=simulated_clock("2017-09-06T10:55:00-04:00", 60, lead_seconds=0))
    engine.handle(set_up("a", setup), position=(1, 10))
    engine.handle(set_up("b", setup), position=(1, 11))
    engine.handle(set_up("c", setup), position=(2, 3))
    engine.save()
    assert table["a"]["position"] == [1, 10]
    restarted = Engine(table)
    assert (restarted.last_handled(1), restarted.last_handled(2), restarted.last_handled(3)) == (11, 3, None)
