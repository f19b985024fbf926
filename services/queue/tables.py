"""Each meeting's state, as the domain's snapshot, in a changelog-backed table.

use_partitioner: a snapshot's changelog partition follows its key (the meeting), not the command
being handled, as the table is written from batches spanning partitions and from the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import faust
from aiokafka import AIOKafkaProducer
from faust.serializers import codecs

from services.contracts.topics import MAX_EVENT_BYTES
from services.platform.kafka import send_records
from services.queue.app import app


class SnapshotTable(faust.Table):
    """A table whose changelog is written in batches, with deliveries that can be awaited.

    faust sends each change on its own (at a cost of about 100 µs, for every meeting changed each
    second), through a producer whose flush gives up after 0.1 s, and commits offsets without
    waiting for it. Here setting a key changes only the table in memory; write() sends the
    snapshots as one record batch per partition, encoded and partitioned as faust sends them, so
    that faust restores them when the worker starts. Commands are acknowledged only once their
    deliveries are done (see agents.py)."""

    def on_key_set(self, key: Any, value: Any) -> None:
        """Written to the changelog by write(), not one by one."""

    async def write(self, snapshots: Mapping[str, dict], producer: AIOKafkaProducer) -> list[asyncio.Future]:
        """Sends the snapshots to the changelog; returns the deliveries to await."""
        records = [
            (codecs.dumps(self.key_serializer, key), codecs.dumps(self.value_serializer, snapshot))
            for key, snapshot in snapshots.items()
        ]
        return await send_records(producer, self.changelog_topic.get_topic_name(), records)


meetings_table = app.tables.add(
    SnapshotTable(
        app,
        name="meetings",
        beacon=app.tables.beacon,
        partitions=6,
        key_type=str,
        use_partitioner=True,
        # A meeting with a list of thousands of speakers has a snapshot of several megabytes.
        extra_topic_configs={"max.message.bytes": str(MAX_EVENT_BYTES)},
    )
)
