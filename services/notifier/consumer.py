"""Consumes the queue's events and folds them into the read model.

Offsets are committed only after an event is applied: a restart re-reads at most the
events since the last commit, and the view's seq drops those duplicates."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from services.contracts.serialization import decode_event
from services.notifier.store import ViewStore

log = logging.getLogger(__name__)


class EventConsumer:
    def __init__(self, bootstrap: str, topic: str, group: str, store: ViewStore):
        self._consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._store = store
        self._task: asyncio.Task | None = None
        self.running = False

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notifier-events")

    async def _run(self) -> None:
        while True:
            try:
                await self._consumer.start()
                break
            except Exception as e:  # broker not up yet: keep trying, /healthz says so meanwhile
                log.warning("events consumer waiting for Kafka: %s", e)
                await asyncio.sleep(1)
        self.running = True
        async for record in self._consumer:
            try:
                event = decode_event(record.value)
            except ValidationError as e:
                log.error("skipping undecodable event at %s/%s: %s", record.partition, record.offset, e)
            else:
                await self._store.apply(event)
            await self._consumer.commit()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        await self._consumer.stop()
