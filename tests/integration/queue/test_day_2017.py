"""The 2017 dialogue played through on the real broker, at 300 times real speed.

A chair drives the floor as in the room: call the next speaker, give the floor, end the
statement; the queue service's own clock opens and closes the sittings."""

import asyncio
import random
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from services.contracts import (
    CallNextSpeaker,
    EndSpeech,
    MeetingConcluded,
    PreWarningGiven,
    SegmentBegan,
    SpeechEnded,
    SpeechStarted,
    StartSpeech,
    TimeUp,
)
from services.queue.domain import MeetingClock
from tests.support.kafka import CommandSender, TopicReader
from tests.support.meetings import inscriptions, set_up, setup_2017, simulated_clock, speakers_2017
from tests.support.stack import Stack

RATE = 300
TIERS = {"member_state": 0, "group": 0, "observer_state": 1, "observer_entity": 1, "civil_society": 3}


@pytest.fixture(scope="module")
def queue(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("day2017"), services=("queue",)).start()
    yield stack
    stack.stop()


def floor_windows(setup) -> list[tuple[datetime, datetime]]:
    p = setup.programme
    return [(a.starts_at, b.starts_at) for a, b in pairwise(p) if a.kind.value == "floor"]


async def test_the_2017_day_with_81_speakers(queue):
    meeting_id = "ga-r2p-2017"
    setup = setup_2017(clock=simulated_clock("2017-09-06T10:45:00-04:00", RATE, lead_seconds=2))
    clock = MeetingClock(setup.clock)
    speakers = speakers_2017()
    # Delegations ask to speak in no particular order; the list puts the tiers in order.
    random.Random(2017).shuffle(speakers)
    commands = inscriptions(meeting_id, speakers)
    expected_order = [c.delegation for c in sorted(commands, key=lambda c: TIERS[c.category.value])]
    durations = random.Random(6).choices([95, 120, 140, 160, 170, 175, 190, 200], k=len(commands))

    async with (
        CommandSender(queue.env["ROSTRUM_TOPIC_PREFIX"] + ".commands") as sender,
        TopicReader(queue.env["ROSTRUM_TOPIC_PREFIX"] + ".events") as events,
    ):
        await sender.send(set_up(meeting_id, setup))
        for command in commands:
            await sender.send(command)

        def now() -> datetime:
            return clock.meeting_time(datetime.now(setup.clock.anchor.tzinfo))

        for start, end in floor_windows(setup):
            await asyncio.sleep(max(0.0, (clock.real_time(start) - datetime.now(start.tzinfo)).total_seconds()))
            while len([e for e in events.seen if isinstance(e, SpeechEnded)]) < len(commands):
                speech = durations[len([e for e in events.seen if isinstance(e, SpeechEnded)])]
                # The chair calls no one who could not finish before the sitting ends.
                if now() + timedelta(seconds=speech + 60) > end:
                    break
                spoken = len([e for e in events.seen if isinstance(e, SpeechEnded)])
                await sender.send(CallNextSpeaker(meeting_id=meeting_id))
                await sender.send(StartSpeech(meeting_id=meeting_id))
                await asyncio.sleep(speech / RATE)
                await sender.send(EndSpeech(meeting_id=meeting_id))
                await events.wait_for(
                    lambda e, n=spoken: (
                        isinstance(e, SpeechEnded) and len([x for x in events.seen if isinstance(x, SpeechEnded)]) > n
                    ),
                    what="the speech to end",
                )

        await events.wait_for(lambda e: isinstance(e, MeetingConcluded), timeout=120, what="the meeting to conclude")
        seen = await events.drain(quiet=0.5)

    assert [e.seq for e in seen] == list(range(1, len(seen) + 1)), "one meeting's events are numbered without gaps"
    record = [e.record for e in seen if isinstance(e, SpeechEnded)]
    assert [r.inscription.delegation for r in record] == expected_order
    assert [e for e in seen if isinstance(e, MeetingConcluded)][0].not_reached == []

    kinds = [e.segment.kind.value for e in seen if isinstance(e, SegmentBegan)]
    assert kinds[kinds.index("floor") :] == ["floor", "adjournment", "floor", "closing", "concluded"]

    started = {e.inscription_id: e for e in seen if isinstance(e, SpeechStarted)}
    warnings = [e for e in seen if isinstance(e, PreWarningGiven)]
    time_ups = [e for e in seen if isinstance(e, TimeUp)]
    for r in record:
        s = started[r.inscription.inscription_id]
        warned = [w for w in warnings if w.inscription_id == s.inscription_id]
        over = [t for t in time_ups if t.inscription_id == s.inscription_id]
        # The clock gives each warning once, at the moment it was due on the meeting clock.
        assert [w.occurred_at for w in warned] == ([s.pre_warning_at] if r.ended_at > s.pre_warning_at else [])
        assert [t.occurred_at for t in over] == ([s.deadline_at] if r.ended_at > s.deadline_at else [])
        assert r.overrun_seconds == pytest.approx(max(0.0, r.duration_seconds - r.limit_seconds), abs=0.01)
        assert r.limit_seconds == 180
    assert len(time_ups) > 0 and len(warnings) > len(time_ups)
    # Nobody speaks over the break.
    windows = floor_windows(setup)
    for r in record:
        assert any(start <= r.started_at and r.ended_at <= end for start, end in windows), r
