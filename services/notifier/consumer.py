"""Consumes the queue's events and hands them, in order, to the processor.

Offsets are committed only after a batch is applied: a restart re-reads at most the events since the last
commit, and the stored seq drops those duplicates. An event that cannot be stored (Redis away) is retried,
never skipped; an event that does not match the contracts is logged and skipped."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer
from aiokafka.abc import ConsumerRebalanceListener
from pydantic import ValidationError
from redis.exceptions import RedisError

from services.contracts.serialization import decode_event
from services.notifier.processor import EventProcessor

log = logging.getLogger(__name__)


class _Forget(ConsumerRebalanceListener):
    def __init__(self, processor: EventProcessor):
        self._processor = processor

    async def on_partitions_revoked(self, revoked) -> None:
        self._processor.forget()

    async def on_partitions_assigned(self, assigned) -> None:
        self._processor.forget()


class EventConsumer:
    def __init__(self, bootstrap: str, topic: str, group: str, processor: EventProcessor, session_timeout_ms=10000):
        self._bootstrap, self._topic, self._group = bootstrap, topic, group
        self._processor = processor
        self._session_timeout_ms = session_timeout_ms
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task | None = None
        self.running = False
        self.applied = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notifier-events")

    def _make(self) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=self._group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self._session_timeout_ms,
            heartbeat_interval_ms=max(1000, self._session_timeout_ms // 4),
            fetch_max_wait_ms=100,
        )
        consumer.subscribe([self._topic], listener=_Forget(self._processor))
        return consumer

    async def _run(self) -> None:
        while True:
            consumer = self._consumer = self._make()
            try:
                await consumer.start()
                self.running = True
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # broker away, commit refused after a rebalance...: start again
                log.warning("events consumer restarting: %s", e)
            finally:
                self.running = False
                try:
                    await consumer.stop()
                except Exception:
                    pass
            await asyncio.sleep(1)

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for records in batches.values():
                for record in records:
                    try:
                        event = decode_event(record.value)
                    except (ValidationError, ValueError) as e:
                        log.error("skipping undecodable event at %s/%s: %s", record.partition, record.offset, e)
                        continue
                    await self._apply(event)
            if batches:
                await consumer.commit()

    async def _apply(self, event) -> None:
        delay = 0.1
        while True:
            try:
                if await self._processor.handle(event):
                    self.applied += 1
                self.running = True
                return
            except (RedisError, OSError) as e:
                self.running = False  # /healthz says so while it lasts
                log.warning("cannot store %s seq %s yet (%s); retrying", event.type, event.seq, e)
                self._processor.forget()
                await asyncio.sleep(delay)
                delay = min(5.0, delay * 2)
            except Exception:  # a bug on one event must not stop every meeting behind it
                log.exception("skipping %s seq %s of %s", event.type, event.seq, event.meeting_id)
                self._processor.forget()
                return

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
