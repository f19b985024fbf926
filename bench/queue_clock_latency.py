"""How late the queue's clock gives a pre-warning and a time up, as a reader of the events topic sees it.

    .venv/bin/python bench/queue_clock_latency.py [speeches]

A meeting on a simulated clock at 60x; each speech is left to run past its limit. For every
PreWarningGiven and TimeUp: the real moment it was read, minus the real moment it fell due.
Includes the timer's tick, the broker round trips and the reader's fetch. Goal: within 100 ms."""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.contracts import CallNextSpeaker, EndSpeech, PreWarningGiven, SpeechStarted, StartSpeech, TimeUp  # noqa: E402
from services.queue.domain import MeetingClock  # noqa: E402
from tests.support.kafka import CommandSender, TopicReader  # noqa: E402
from tests.support.meetings import inscriptions, set_up, setup_2017, simulated_clock, speakers_2017  # noqa: E402
from tests.support.stack import Stack  # noqa: E402

RATE = 60


async def measure(speeches: int, tmp: Path) -> dict[str, list[float]]:
    stack = Stack(tmp, services=("queue",)).start()
    prefix = stack.env["ROSTRUM_TOPIC_PREFIX"]
    setup = setup_2017(clock=simulated_clock("2017-09-06T10:50:00-04:00", RATE))
    clock = MeetingClock(setup.clock)
    lateness: dict[str, list[float]] = {"PreWarningGiven": [], "TimeUp": []}
    try:
        async with CommandSender(f"{prefix}.commands") as sender, TopicReader(f"{prefix}.events") as reader:
            await sender.send(set_up("clock", setup))
            for command in inscriptions("clock", speakers_2017()[:speeches]):
                await sender.send(command)
            await asyncio.sleep(1.5)
            for _ in range(speeches):
                await sender.send(CallNextSpeaker(meeting_id="clock"))
                await sender.send(StartSpeech(meeting_id="clock"))
                started = await reader.wait_for(lambda e: isinstance(e, SpeechStarted), 10)
                due = {"PreWarningGiven": started.pre_warning_at, "TimeUp": started.deadline_at}
                for kind, cls in (("PreWarningGiven", PreWarningGiven), ("TimeUp", TimeUp)):
                    event = await reader.wait_for(
                        lambda e, c=cls, i=started.inscription_id: isinstance(e, c) and e.inscription_id == i, 30
                    )
                    late = datetime.now(timezone.utc) - clock.real_time(due[kind])
                    lateness[kind].append(late.total_seconds() * 1000)
                    assert event.occurred_at == due[kind]
                await sender.send(EndSpeech(meeting_id="clock"))
                reader.seen.clear()
    finally:
        stack.stop()  # and its topics
    return lateness


def main() -> None:
    speeches = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory() as tmp:
        lateness = asyncio.run(measure(speeches, Path(tmp)))
    print(f"{'event':16} {'n':>3} {'p50 ms':>8} {'max ms':>8}")
    for kind, values in lateness.items():
        print(f"{kind:16} {len(values):>3} {statistics.median(values):>8.1f} {max(values):>8.1f}")
    print("goal: pre-warning and time up within 100 ms of when they fall due")


if __name__ == "__main__":
    main()
