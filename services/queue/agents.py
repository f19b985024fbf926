"""The agent: deserializes commands and hands them to the engine; publishes the events.

A command's offset is acknowledged only once the state it led to is saved: its events reach
the broker first, then (at most every `save_interval_seconds`) the changed meetings' snapshots
reach the table's changelog, and only then are the commands acknowledged, so faust commits
their offsets. After a crash the worse case is the commands since the last save handled again
from that snapshot: the same events with the same (meeting, seq), which consumers drop."""

from __future__ import annotations

import asyncio
import logging
import time

from faust.types import EventT
from pydantic import ValidationError

from services.contracts import Event, encode, message_key
from services.contracts.serialization import decode_command
from services.queue.app import app, settings
from services.queue.engine import Engine
from services.queue.tables import meetings_table
from services.queue.topics import commands_topic, events_topic

log = logging.getLogger(__name__)

engine = Engine(meetings_table)
# Received and handled, their events published, their state not yet saved.
unsaved: list[EventT] = []
# One batch or one save at a time: a save must never see a batch handled but not yet published.
handling = asyncio.Lock()
_last_save = time.monotonic()


async def publish(events: list[Event]) -> None:
    """Returns once the broker has every event (acks=all)."""
    # Straight to the producer: the events are bytes already, and faust's per-message
    # bookkeeping around Topic.send cost more than the domain's work.
    topic = events_topic.get_topic_name()
    deliveries = [await app.producer.send(topic, message_key(e), encode(e), None, None, None) for e in events]
    await asyncio.gather(*deliveries)


async def save() -> None:
    """Saves the meetings changed since the last save, then acknowledges the commands that changed them.

    Call with `handling` held."""
    global _last_save
    _last_save = time.monotonic()
    if not unsaved:
        return
    engine.save()
    # Faust does not wait for a table's changelog before it commits offsets: wait here.
    await app.producer.flush()
    for received in unsaved:
        received.ack()
    unsaved.clear()


@app.agent(commands_topic)
async def list_of_speakers(stream):
    # Without acknowledgement: save() acknowledges the commands once their state is in the table.
    async for batch in stream.noack_take(settings.batch_size, within=settings.batch_within_seconds):
        async with handling:
            events: list[Event] = []
            for received in batch:
                try:
                    command = decode_command(received.value)
                except ValidationError as e:
                    log.error("dropping a command that does not match the contracts: %s", e)
                    received.ack()
                    continue
                events.extend(engine.handle(command))
                unsaved.append(received)
            await publish(events)
            if time.monotonic() - _last_save >= settings.save_interval_seconds:
                await save()


@app.on_partitions_revoked.connect
async def on_revoked(app, revoked, **kwargs) -> None:
    # Back to the last save: faust seeks the partitions it assigns next to their committed
    # offsets, which the saved state covers, and the commands after them come again.
    async with handling:
        engine.forget()
        unsaved.clear()
