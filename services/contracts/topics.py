"""Topic names and settings. Created explicitly by deploy/topics.py; the broker does not auto-create.

A deployment (or a test) sets a prefix so that several can share one broker.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    suffix: str
    partitions: int
    config: dict[str, str]
    producer: str
    consumers: tuple[str, ...]
    why: str

    def name(self, prefix: str) -> str:
        return f"{prefix}.{self.suffix}"


_TWO_WEEKS_MS = str(14 * 24 * 3600 * 1000)
# An event carries the whole rolling list: a list of thousands of speakers needs more than Kafka's 1 MB default.
MAX_EVENT_BYTES = 32 * 1024 * 1024

TOPICS = {
    "commands": Topic(
        suffix="commands",
        partitions=6,
        config={"cleanup.policy": "delete", "retention.ms": _TWO_WEEKS_MS, "min.insync.replicas": "1"},
        producer="registration (and queue's timer: AdvanceClock)",
        consumers=("queue",),
        why="Inscriptions and floor commands on one topic: one meeting's inputs keep a single order, "
        "so a close of the list and an inscription are never reordered. Kept two weeks for audit and replay.",
    ),
    "events": Topic(
        suffix="events",
        partitions=6,
        config={
            "cleanup.policy": "delete",
            "retention.ms": _TWO_WEEKS_MS,
            "min.insync.replicas": "1",
            "max.message.bytes": str(MAX_EVENT_BYTES),
        },
        producer="queue",
        consumers=("notifier", "registration"),
        why="Everything the list of speakers did, in order per meeting; a new reader rebuilds its view from it.",
    ),
}
