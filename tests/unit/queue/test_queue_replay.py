"""Replays: the same commands give the same events, a snapshot restores the meeting exactly, and a
command handled before changes nothing."""

import json
import random
from collections.abc import Iterator
from datetime import timedelta

from services.contracts import (
    AbsentPolicy,
    AdjournMeeting,
    CallNextSpeaker,
    Category,
    CloseList,
    EndSpeech,
    ExtendSpeech,
    InscribeSpeaker,
    Level,
    MarkAbsent,
    MoveSpeaker,
    OrderingPolicy,
    PauseSpeech,
    ReaddSpeaker,
    ReopenList,
    ResumeMeeting,
    ResumeSpeech,
    StartSpeech,
    SwapSpeakers,
    WithdrawInscription,
)
from services.contracts.commands import AdvanceClock, Command
from services.queue.domain import Meeting
from tests.unit.queue.helpers import MEETING_ID, Session, at, r2p_setup


def untidy_day(seed: int, steps: int, meeting: Meeting) -> Iterator[Command]:
    """A busy day: mostly what a chair and delegations would do next, with a share of mistakes,
    at moments that move forward by up to a few minutes. Looks at `meeting` before each command."""
    rng = random.Random(seed)
    now = at(9, 30)
    inscribed: list[str] = []
    for n in range(steps):
        now += timedelta(seconds=rng.choice([0, 5, 20, 45, 90, 140]))
        base = {"meeting_id": MEETING_ID, "message_id": f"untidy-{n}", "issued_at": now}
        waiting = [i.inscription_id for i in meeting.waiting]
        anyone = rng.choice(inscribed) if inscribed and rng.random() < 0.3 else None
        some = anyone or (rng.choice(waiting) if waiting else "nobody")
        floor = meeting.floor
        roll = rng.random()
        if roll < 0.35:
            inscribed.append(f"i{n}")
            yield InscribeSpeaker(
                **base,
                inscription_id=f"i{n}",
                delegation=f"Delegation {rng.randint(0, 60)}",
                category=rng.choice(list(Category)),
                level=rng.choice(list(Level)),
            )
        elif roll < 0.40:
            yield WithdrawInscription(**base, inscription_id=some)
        elif roll < 0.44:
            yield MoveSpeaker(**base, inscription_id=some, position=rng.randint(1, max(1, len(waiting) + 1)))
        elif roll < 0.47:
            yield SwapSpeakers(**base, first_inscription_id=some, second_inscription_id=rng.choice(waiting or ["x"]))
        elif roll < 0.49:
            yield ReaddSpeaker(**base, inscription_id=anyone or some)
        elif roll < 0.51:
            yield rng.choice([CloseList, ReopenList])(**base)
        elif roll < 0.53:
            yield rng.choice([AdjournMeeting, ResumeMeeting])(**base)
        elif roll < 0.58:
            yield AdvanceClock(**base, until=now + timedelta(seconds=rng.randint(0, 300)))
        elif floor is None:
            yield ResumeMeeting(**base) if meeting.adjourned and rng.random() < 0.5 else CallNextSpeaker(**base)
        elif floor.started_at is None:
            yield rng.choice([StartSpeech, StartSpeech, StartSpeech, MarkAbsent, EndSpeech])(**base)
        elif floor.paused:
            yield rng.choice([ResumeSpeech, ResumeSpeech, EndSpeech, ExtendSpeech])(**base)
        else:
            yield rng.choice([EndSpeech, EndSpeech, PauseSpeech, ExtendSpeech, StartSpeech])(**base)


def busy_setup():
    return r2p_setup(
        ordering=OrderingPolicy(
            precedence_by_level=True,
            group_statements_first=True,
            allow_second_inscription=True,
            absent=AbsentPolicy(action="places_down", places=2),
        )
    )


def test_the_same_commands_give_the_same_events():
    first, second = Session(busy_setup()), Session(busy_setup())
    for command in untidy_day(seed=1, steps=600, meeting=first.meeting):
        first.send(command)
        second.send(command)
    assert first.events == second.events
    assert len(first.meeting.record) > 20


def test_a_snapshot_restores_the_meeting_exactly_at_every_step():
    """The restored meeting works its estimates out afresh: equal events also show that the
    live meeting's incremental estimates are the ones a full computation gives."""
    s = Session(busy_setup())
    for command in untidy_day(seed=2, steps=600, meeting=s.meeting):
        snapshot = json.loads(json.dumps(s.meeting.to_snapshot()))
        restored = Meeting.from_snapshot(snapshot)
        assert restored.to_snapshot() == snapshot
        assert restored.handle(command) == s.send(command)
        assert restored.to_snapshot() == s.meeting.to_snapshot()
        assert restored.next_deadline() == s.meeting.next_deadline()


def test_a_snapshot_remembers_the_commands_already_handled():
    s = Session()
    s.inscribe("Ireland")
    restored = Meeting.from_snapshot(json.loads(json.dumps(s.meeting.to_snapshot())))
    assert restored.handle(s.commands[-1]) == []
    assert restored.handle(s.commands[0]) == []  # the set-up itself


def test_setting_up_a_meeting_twice_is_refused():
    s = Session()
    events = s.send(s.commands[0].model_copy(update={"message_id": "another"}))
    assert [e.reason_code for e in events] == ["meeting_exists"]


def test_a_meeting_set_up_in_the_middle_of_its_programme_catches_up():
    s = Session(set_up_at=at(10, 15))
    assert [e.type for e in s.events] == ["MeetingSetUp", "SegmentBegan", "SegmentBegan"]
    assert s.meeting.segment.title == "Remarks by the Secretary-General"
