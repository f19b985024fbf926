"""kill -9 the queue service at any moment: its state and the events that follow are the same as without the crash.

The reference is the pure domain fed the very commands the broker holds, in their order; the
service's events, once duplicates of a (meeting, seq) are dropped, must be exactly that."""

import asyncio
import random

import pytest

from services.contracts import (
    CallNextSpeaker,
    CloseList,
    EndSpeech,
    ExtendSpeech,
    MarkAbsent,
    PauseSpeech,
    ResumeSpeech,
    StartSpeech,
    WithdrawInscription,
)
from services.queue.engine import Engine
from tests.support.kafka import CommandSender, TopicReader, read_commands, unique_events
from tests.support.meetings import inscriptions, set_up, setup_2017, simulated_clock, speakers_2017
from tests.support.stack import Stack

RATE = 60


@pytest.fixture()
def queue(tmp_path):
    stack = Stack(tmp_path, services=("queue",)).start()
    yield stack
    stack.stop()


def floor_commands(meeting_id: str, rng: random.Random):
    """What a chair does over a few dozen speeches, with the odd pause, extension and absence."""
    for _ in range(30):
        yield CallNextSpeaker(meeting_id=meeting_id)
        if rng.random() < 0.1:
            yield MarkAbsent(meeting_id=meeting_id)
            continue
        yield StartSpeech(meeting_id=meeting_id)
        if rng.random() < 0.2:
            yield PauseSpeech(meeting_id=meeting_id)
            yield ResumeSpeech(meeting_id=meeting_id)
        if rng.random() < 0.2:
            yield ExtendSpeech(meeting_id=meeting_id, seconds=30)
        yield EndSpeech(meeting_id=meeting_id)


async def test_kill_9_loses_nothing_and_changes_nothing(queue):
    prefix = queue.env["ROSTRUM_TOPIC_PREFIX"]
    meeting_ids = ["crash-a", "crash-b"]
    rng = random.Random(9)
    async with CommandSender(f"{prefix}.commands") as sender:
        for meeting_id in meeting_ids:
            # The floor is open from the first moment, so the chair can call at once.
            setup = setup_2017(clock=simulated_clock("2017-09-06T10:50:00-04:00", RATE))
            await sender.send(set_up(meeting_id, setup))
            for command in inscriptions(meeting_id, speakers_2017()[:40]):
                await sender.send(command)
        await sender.send(WithdrawInscription(meeting_id="crash-a", inscription_id="crash-a-005"))

        scripts = [floor_commands(m, random.Random(i)) for i, m in enumerate(meeting_ids)]
        kills = 0
        for step in range(200):
            for script in scripts:
                command = next(script, None)
                if command is not None:
                    await sender.send(command)
            await asyncio.sleep(0.02)
            if step in (40, 90, 150):
                # No shutdown, no flush: whatever was in flight is lost with the process.
                await asyncio.sleep(rng.random() * 0.2)
                queue["queue"].kill()
                kills += 1
                queue["queue"].start().wait_healthy()
        await sender.send(CloseList(meeting_id="crash-b"))
    assert kills == 3

    commands = await read_commands(f"{prefix}.commands")
    reference_engine = Engine({})
    reference = [e for c in commands for e in reference_engine.handle(c)]

    async with TopicReader(f"{prefix}.events") as reader:
        last = reference[-1]
        await reader.wait_for(lambda e: (e.meeting_id, e.seq) == (last.meeting_id, last.seq), timeout=60,
                              what="the last event the commands imply")  # fmt: skip
        emitted = await reader.drain(quiet=2.0)

    applied = unique_events(emitted)
    expected = sorted(reference, key=lambda e: (e.meeting_id, e.seq))
    assert len(applied) == len(expected)
    assert applied == expected
    # A copy emitted again after a crash is the same event, not a new one.
    firsts = {(e.meeting_id, e.seq): e for e in applied}
    assert all(e == firsts[(e.meeting_id, e.seq)] for e in emitted)
