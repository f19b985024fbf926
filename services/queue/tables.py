"""Each meeting's state, as the domain's snapshot, in a changelog-backed table.

use_partitioner: the changelog partition follows the key (the meeting), like the commands
topic, so the table may be written from a batch spanning partitions and from the clock."""

from __future__ import annotations

import asyncio

import faust
from faust.types import FutureMessage

from services.contracts.topics import MAX_EVENT_BYTES
from services.queue.app import app


class SnapshotTable(faust.Table):
    """A table whose changelog writes can be awaited.

    faust hands a table's changes to its producer buffer and commits offsets without waiting
    for them, and its producer flush gives up after 0.1 s without a message sent. Commands are
    acknowledged only once written() returns (see agents.py)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._unwritten: list[FutureMessage] = []

    def send_changelog(self, *args, **kwargs) -> FutureMessage:
        future = super().send_changelog(*args, **kwargs)
        self._unwritten.append(future)
        return future

    async def written(self) -> None:
        """Returns once the changelog has every change made so far."""
        unwritten, self._unwritten = self._unwritten, []
        await asyncio.gather(*unwritten)


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
