"""Commands per second through the queue's domain core alone, and through Kafka with one worker.

    .venv/bin/python bench/queue_throughput.py [--quick]

Scenarios: one meeting whose list grows to 10,000 speakers and is then worked by the chair
and the secretariat; and 1,000 meetings at once. The Kafka figure is measured end to end:
from the first command sent to the last of its events read back, with one queue worker
(a real process) on the real broker. Beside it, in the same minute, the same commands go
to a bare agent on the same faust app that only receives and acknowledges them: the rate
faust and the broker allow before the worker does any work of its own. Needs Kafka and
Redis up (`make infra`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaConsumer, TopicPartition  # noqa: E402

from services.contracts import (  # noqa: E402
    TOPICS,
    CallNextSpeaker,
    Command,
    EndSpeech,
    InscribeSpeaker,
    MoveSpeaker,
    StartSpeech,
    SwapSpeakers,
    WithdrawInscription,
)
from services.platform.kafka import as_records, make_producer, send_records  # noqa: E402
from services.queue.engine import Engine  # noqa: E402
from services.queue.memory import collect_young_less_often  # noqa: E402
from tests.support.cpu import busy_seconds, cpu_seconds  # noqa: E402
from tests.support.meetings import set_up, setup_2017, simulated_clock  # noqa: E402
from tests.support.stack import ServiceProcess, Stack  # noqa: E402

CATEGORIES = ["member_state"] * 8 + ["observer_state", "civil_society"]
# The meetings' clocks read this as the commands are made: the floor is open to delegations (from 10:50), so the
# chair's calls and speeches are carried out, not refused as they would be while the panel still speaks.
FLOOR_OPEN = "2017-09-06T10:51:00-04:00"


def long_list(meeting_id: str, speakers: int, worked: int) -> list[Command]:
    """A meeting whose list grows to `speakers`, then `worked` list and floor commands on it."""
    rng = random.Random(10_000)
    setup = setup_2017(
        clock=simulated_clock(FLOOR_OPEN, 1.0, lead_seconds=0),
        ordering=setup_2017().ordering.model_copy(update={"allow_second_inscription": True}),
    )
    commands: list[Command] = [set_up(meeting_id, setup)]
    ids = [f"{meeting_id}-{i}" for i in range(speakers)]
    commands += [
        InscribeSpeaker(meeting_id=meeting_id, inscription_id=i, delegation=f"Delegation {n}",
                        category=rng.choice(CATEGORIES))
        for n, i in enumerate(ids)
    ]  # fmt: skip
    waiting = list(ids)
    for n in range(worked):
        kind = n % 5
        if kind == 0:
            commands += [CallNextSpeaker(meeting_id=meeting_id), StartSpeech(meeting_id=meeting_id),
                         EndSpeech(meeting_id=meeting_id)]  # fmt: skip
            waiting.pop(0)
        elif kind == 1:
            commands.append(
                WithdrawInscription(meeting_id=meeting_id, inscription_id=waiting.pop(rng.randrange(len(waiting))))
            )
        elif kind == 2:
            commands.append(MoveSpeaker(meeting_id=meeting_id, inscription_id=rng.choice(waiting),
                                        position=rng.randrange(1, len(waiting))))  # fmt: skip
        else:
            a, b = rng.sample(waiting, 2)
            commands.append(SwapSpeakers(meeting_id=meeting_id, first_inscription_id=a, second_inscription_id=b))
    return commands


def many_meetings(meetings: int, speakers_each: int) -> list[Command]:
    """`meetings` meetings at once, their commands interleaved as they would arrive."""
    setup = setup_2017(clock=simulated_clock(FLOOR_OPEN, 1.0, lead_seconds=0))
    per_meeting = []
    for m in range(meetings):
        mid = f"m{m:04d}"
        cmds: list[Command] = [set_up(mid, setup)]
        cmds += [InscribeSpeaker(meeting_id=mid, inscription_id=f"{mid}-{i}", delegation=f"Delegation {i}")
                 for i in range(speakers_each)]  # fmt: skip
        cmds += [CallNextSpeaker(meeting_id=mid), StartSpeech(meeting_id=mid), EndSpeech(meeting_id=mid)]
        per_meeting.append(cmds)
    return [c for group in zip(*per_meeting, strict=True) for c in group]


def core_rate(commands: list[Command]) -> tuple[float, int]:
    """The engine alone, with its memory collected as the worker has it (Python's default collects the young
    generation far more often, and makes the rate vary by half from run to run)."""
    collect_young_less_often()
    engine = Engine({})
    events = 0
    start = time.perf_counter()
    for command in commands:
        events += len(engine.handle(command))
    return len(commands) / (time.perf_counter() - start), events


async def kafka_rate(commands: list[Command], tmp: Path) -> tuple[float, float, float]:
    """One queue worker (a real process) on the real broker: commands in, all their events out.
    Returns commands/s, and the CPU time per command of the worker and of the whole machine (the
    broker, this reader and anything else running included): on a shared machine the worker's
    CPU per command varies less than the rate.

    The reader only looks at each event's meeting and seq, so it takes little of the CPU it shares."""
    expected = Engine({})
    last_seq = {}
    for command in commands:
        for event in expected.handle(command):
            last_seq[event.meeting_id] = event.seq
    stack = Stack(tmp, services=("queue",)).start()
    try:
        prefix = stack.env["ROSTRUM_TOPIC_PREFIX"]
        producer = make_producer(stack.env["ROSTRUM_KAFKA_BOOTSTRAP"], linger_ms=5, max_batch_size=256 * 1024)
        await producer.start()
        reader = AIOKafkaConsumer(bootstrap_servers=stack.env["ROSTRUM_KAFKA_BOOTSTRAP"], fetch_max_wait_ms=20)
        await reader.start()
        partitions = [TopicPartition(f"{prefix}.events", p) for p in range(TOPICS["events"].partitions)]
        reader.assign(partitions)
        await reader.seek_to_beginning(*partitions)
        worker = stack["queue"].proc.pid
        to_send = as_records(commands)  # before the clock: what is timed is Kafka and the worker, not this encoding
        start, worker_cpu, machine_cpu = time.perf_counter(), cpu_seconds(worker), busy_seconds()
        await asyncio.gather(*await send_records(producer, f"{prefix}.commands", to_send))
        remaining = dict(last_seq)
        while remaining:
            for records in (await reader.getmany(timeout_ms=500)).values():
                for record in records:
                    head = json.loads(record.value[:200].split(b',"occurred_at"')[0] + b"}")
                    if remaining.get(head["meeting_id"]) == head["seq"]:
                        del remaining[head["meeting_id"]]
            if time.perf_counter() - start > 600:
                raise TimeoutError(f"{len(remaining)} meetings never finished")
        elapsed = time.perf_counter() - start
        worker_cpu, machine_cpu = cpu_seconds(worker) - worker_cpu, busy_seconds() - machine_cpu
        await reader.stop()
        await producer.stop()
        return len(commands) / elapsed, worker_cpu / len(commands), machine_cpu / len(commands)
    finally:
        stack.stop()  # and its topics


async def bare_agent_rate(commands: list[Command], tmp: Path) -> tuple[float, float]:
    """The same commands through the queue's faust app with an agent that only receives and acknowledges
    them (bench/queue_bare_agent.py): what faust and the broker take before the worker does anything.
    Returns commands/s and the agent's CPU time per command, measured as kafka_rate measures the worker's."""
    stack = Stack(tmp, services=()).start()
    mark = tmp / "bare-agent.done"
    agent = ServiceProcess(
        "bare-agent",
        {**stack.env, "BENCH_BARE_COUNT": str(len(commands)), "BENCH_BARE_MARK": str(mark)},
        stack.ports["queue"],
        tmp,
        command=[sys.executable, str(Path(__file__).with_name("queue_bare_agent.py"))],
    )
    try:
        agent.start().wait_healthy()
        producer = make_producer(stack.env["ROSTRUM_KAFKA_BOOTSTRAP"], linger_ms=5, max_batch_size=256 * 1024)
        await producer.start()
        to_send = as_records(commands)  # before the clock: what is timed is Kafka and the worker, not this encoding
        start, cpu = time.perf_counter(), cpu_seconds(agent.proc.pid)
        await asyncio.gather(*await send_records(producer, f"{stack.prefix}.commands", to_send))
        while not mark.exists():
            if time.perf_counter() - start > 600:
                raise TimeoutError("the bare agent never received every command")
            await asyncio.sleep(0.005)
        elapsed, cpu = time.perf_counter() - start, cpu_seconds(agent.proc.pid) - cpu
        await producer.stop()
        return len(commands) / elapsed, cpu / len(commands)
    finally:
        agent.stop()
        stack.stop()  # its topics


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller lists, for a smoke run")
    parser.add_argument("--only", choices=["long", "many"], help="run one scenario")
    args = parser.parse_args()
    speakers, worked, meetings = (1_000, 200, 100) if args.quick else (10_000, 2_000, 1_000)
    scenarios = {}
    if args.only in (None, "long"):
        scenarios[f"one meeting, list of {speakers:,} speakers"] = long_list("long", speakers, worked)
    if args.only in (None, "many"):
        scenarios[f"{meetings:,} meetings at once"] = many_meetings(meetings, 10)
    print(f"{'scenario':42} {'commands':>9} {'core cmd/s':>12} {'kafka cmd/s':>12} {'worker µs/cmd':>14} "
          f"{'machine µs/cmd':>15} {'bare agent cmd/s':>17} {'bare µs/cmd':>12}")  # fmt: skip
    for name, commands in scenarios.items():
        core, _ = core_rate(commands)
        with tempfile.TemporaryDirectory() as tmp:
            kafka, worker_cpu, machine_cpu = asyncio.run(kafka_rate(commands, Path(tmp)))
        with tempfile.TemporaryDirectory() as tmp:
            bare, bare_cpu = asyncio.run(bare_agent_rate(commands, Path(tmp)))
        print(f"{name:42} {len(commands):>9,} {core:>12,.0f} {kafka:>12,.0f} {worker_cpu * 1e6:>14,.0f} "
              f"{machine_cpu * 1e6:>15,.0f} {bare:>17,.0f} {bare_cpu * 1e6:>12,.0f}")  # fmt: skip
    print("goals: core >= 20,000 cmd/s; through Kafka with one worker >= 5,000 cmd/s")
    print(f"CPU per command through Kafka: the worker's own, and the whole machine's ({os.cpu_count()} CPUs: the "
          "broker, this process and anything else running included)")
    print("bare agent: the same commands through the queue's faust app and settings, received and acknowledged "
          "and nothing else (bench/queue_bare_agent.py), measured just after the worker: faust's share")


if __name__ == "__main__":
    main()
