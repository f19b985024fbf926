"""This service's own read of the events topic (consumer group <topic_prefix>.registration).

Keeps which meetings exist and each inscription's and command's status in this service's Redis
keys. Events are deduplicated by (meeting_id, seq); offsets are committed only after a batch is
applied, so a restart re-reads at most that batch and the seq check drops what was applied."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError
from redis.exceptions import RedisError

from services.contracts import Event
from services.contracts.serialization import decode_event
from services.registration.projection import (
    PLACE_FIELDS,
    RejectInscription,
    ReplaceWaiting,
    UpdateCommand,
    UpdateInscription,
    UpdateMeeting,
    project,
)
from services.registration.records import Records

log = logging.getLogger(__name__)


async def apply_event(records: Records, event: Event) -> bool:
    """Applies `event` to the records; False if it was applied before (its seq is not above the meeting's)."""
    redis, m = records.redis, event.meeting_id
    last = await redis.get(records.seq_key(m))
    if last is not None and event.seq <= int(last):
        return False
    changes = project(event)

    # What the changes need to read first.
    old_waiting: set[str] = set()
    if any(isinstance(c, ReplaceWaiting) for c in changes):
        old_waiting = await redis.smembers(records.waiting_key(m))
    rejected_ids: dict[str, str | None] = {}
    for c in changes:
        if isinstance(c, RejectInscription):
            rejected_ids[c.command_id] = c.inscription_id or await redis.hget(
                records.command_key(m, c.command_id), "inscription_id"
            )
    session_status = None
    if any(isinstance(c, UpdateMeeting) and c.session_begins for c in changes):
        session_status = await redis.hget(records.meeting_state_key(m), "status")

    touched = {"updated_seq": str(event.seq), "updated_at": event.occurred_at.isoformat()}
    async with redis.pipeline(transaction=True) as pipe:
        for c in changes:
            match c:
                case UpdateInscription():
                    key = records.inscription_key(m, c.inscription_id)
                    pipe.hset(key, mapping={**c.fields, **touched, "meeting_id": m, "inscription_id": c.inscription_id})
                    if c.clear:
                        pipe.hdel(key, *c.clear)
                    pipe.expire(key, records.ttl)
                case RejectInscription():
                    inscription_id = rejected_ids.get(c.command_id)
                    if inscription_id:
                        key = records.inscription_key(m, inscription_id)
                        fields = {**c.fields, **touched, "meeting_id": m, "inscription_id": inscription_id,
                                  "command_id": c.command_id}  # fmt: skip
                        pipe.hset(key, mapping=fields)
                        pipe.hdel(key, *PLACE_FIELDS)
                        pipe.expire(key, records.ttl)
                case UpdateCommand():
                    key = records.command_key(m, c.command_id)
                    pipe.hset(key, mapping={**c.fields, "command_id": c.command_id, "meeting_id": m})
                    pipe.expire(key, records.ttl)
                case UpdateMeeting():
                    fields = dict(c.fields)
                    if c.session_begins and session_status in (None, "", "not_started"):
                        fields["status"] = "in_session"
                    if c.setup is not None:
                        pipe.set(records.meeting_key(m), c.setup.model_dump_json())
                        pipe.sadd(records.meetings_key(), m)
                    pipe.hset(records.meeting_state_key(m), mapping={**fields, "seq": str(event.seq)})
                case ReplaceWaiting():
                    for gone in old_waiting - set(c.inscription_ids):
                        pipe.hdel(records.inscription_key(m, gone), *PLACE_FIELDS)
                    key = records.waiting_key(m)
                    pipe.delete(key)
                    if c.inscription_ids:
                        pipe.sadd(key, *c.inscription_ids)
        pipe.set(records.seq_key(m), event.seq)
        await pipe.execute()
    return True


class EventConsumer:
    def __init__(self, bootstrap: str, topic: str, group: str, records: Records):
        self._bootstrap, self._topic, self._group = bootstrap, topic, group
        self._records = records
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task | None = None
        self._stopping = False
        self.running = False

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="registration-events")

    async def _connect(self) -> AIOKafkaConsumer:
        while True:  # until it connects, or the task is cancelled
            consumer = AIOKafkaConsumer(
                self._topic,
                bootstrap_servers=self._bootstrap,
                group_id=self._group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                fetch_max_wait_ms=100,  # statuses follow the list closely
            )
            try:
                await consumer.start()
                return consumer
            except Exception as e:  # broker not up yet: keep trying, /healthz says so meanwhile
                log.warning("events consumer waiting for Kafka: %s", e)
                await consumer.stop()
                await asyncio.sleep(1)

    async def _run(self) -> None:
        self._consumer = consumer = await self._connect()
        self.running = True
        while not self._stopping:
            try:
                await self._consume_once(consumer)
            except asyncio.CancelledError:
                raise
            except Exception:  # a broker hiccup must not end the consumer: log, wait, go on
                if self._stopping:
                    return
                self.running = False
                log.exception("events consumer failed; retrying")
                await asyncio.sleep(1)

    async def _consume_once(self, consumer: AIOKafkaConsumer) -> None:
        batches = await consumer.getmany(timeout_ms=500, max_records=500)
        for tp, records in batches.items():
            for record in records:
                try:
                    event = decode_event(record.value)
                except ValidationError as e:
                    log.error("skipping undecodable event at %s/%s: %s", tp.partition, record.offset, e)
                    continue
                while not self._stopping:
                    try:
                        await apply_event(self._records, event)
                        break
                    except (RedisError, OSError) as e:  # Redis away: wait for it, skip nothing
                        self.running = False
                        log.warning("cannot record event %s/%s yet: %s", tp.partition, record.offset, e)
                        await asyncio.sleep(1)
        if batches and not self._stopping:
            await consumer.commit()
        self.running = True

    async def stop(self, timeout: float = 10.0) -> None:
        """Stops consuming. Bounded: a client library that holds on to a cancellation must not hang shutdown."""
        self._stopping = True
        self.running = False
        if self._task is not None:
            self._task.cancel()
            done, _ = await asyncio.wait({self._task}, timeout=timeout)
            if not done:
                log.warning("events consumer task did not end within %.0fs", timeout)
        if self._consumer is not None:
            closing = asyncio.ensure_future(self._consumer.stop())
            done, _ = await asyncio.wait({closing}, timeout=timeout)
            if not done:
                log.warning("events consumer did not close within %.0fs", timeout)
            elif closing.exception() is not None:
                log.warning("events consumer did not close cleanly: %s", closing.exception())
