"""The agent: deserializes commands and hands them to the engine; publishes the events.

A batch's events reach the broker before the batch's snapshots are written, and faust
flushes the producer before it commits offsets. So after a crash the worse case is a
batch handled again from the previous snapshot: the same events with the same
(meeting, seq), which consumers drop."""

from __future__ import annotations

import asyncio
import logging

from pydantic import ValidationError

from services.contracts import Event, encode, message_key
from services.contracts.serialization import decode_command
from services.queue.app import app, settings
from services.queue.engine import Engine
from services.queue.tables import meetings_table
from services.queue.topics import commands_topic, events_topic

log = logging.getLogger(__name__)

engine = Engine(meetings_table)


async def publish(events: list[Event]) -> None:
    """Returns once the broker has every event (acks=all)."""
    # Straight to the producer: the events are bytes already, and faust's per-message
    # bookkeeping around Topic.send cost more than the domain's work.
    topic = events_topic.get_topic_name()
    deliveries = [await app.producer.send(topic, message_key(e), encode(e), None, None, None) for e in events]
    await asyncio.gather(*deliveries)


@app.agent(commands_topic)
async def list_of_speakers(stream):
    async for batch in stream.take(settings.batch_size, within=settings.batch_within_seconds):
        events: list[Event] = []
        for raw in batch:
            try:
                command = decode_command(raw)
            except ValidationError as e:
                log.error("dropping a command that does not match the contracts: %s", e)
                continue
            events.extend(engine.handle(command))
        await publish(events)
        engine.save()


@app.on_partitions_revoked.connect
async def on_revoked(app, revoked, **kwargs) -> None:
    engine.forget()
