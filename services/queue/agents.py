"""The agent receives commands; a handling task deserializes each batch, hands it to the engine
in offset order (delivery.py) and publishes the events.

A command's offset is acknowledged only once the state it led to is saved: its events reach
the broker first, then (at most every `save_interval_seconds`) the changed meetings' snapshots
reach the table's changelog, and only then are the commands acknowledged, so faust commits
their offsets. After a crash the worst case is the commands since the last save handled again
from that snapshot: the same events with the same (meeting, seq), which consumers drop."""

from __future__ import annotations

import asyncio
import logging
import time

from faust.types import EventT
from pydantic import ValidationError

from services.contracts import Event
from services.contracts.serialization import decode_command
from services.queue.app import app, settings, start_again_from_last_save
from services.queue.batching import next_batch
from services.queue.delivery import Arrival, OffsetOrder
from services.queue.engine import Engine
from services.queue.publisher import publisher
from services.queue.tables import meetings_table
from services.queue.topics import commands_topic

log = logging.getLogger(__name__)

engine = Engine(meetings_table)
order = OffsetOrder(engine.last_handled)
# Received, not yet handled; bounded, so that faust stops reading when the engine falls behind.
inbox: asyncio.Queue[EventT] = asyncio.Queue(maxsize=settings.batch_size)
# Received and handled, their events published, their state not yet saved.
unsaved: list[EventT] = []
# One batch or one save at a time: a save must never see a batch handled but not yet published.
handling = asyncio.Lock()
_last_save = time.monotonic()
# The last save on its way to the changelog; its commands are acknowledged once it is written.
_saving: asyncio.Future | None = None


async def save() -> None:
    """Saves the meetings changed since the last save. The commands that changed them are
    acknowledged once the snapshots are written; the next commands are handled meanwhile.

    Call with `handling` held."""
    global _last_save, _saving
    _last_save = time.monotonic()
    if not unsaved:
        return
    await publisher.delivered()  # a snapshot must never be ahead of the events
    try:
        written = await meetings_table.write(engine.save(), await publisher.started())
    except Exception:  # the meetings count as saved in memory: only the last save can be trusted
        start_again_from_last_save("meetings not saved")
    _saving = asyncio.ensure_future(_acknowledge(_saving, written, list(unsaved)))
    unsaved.clear()


async def _acknowledge(previous: asyncio.Future | None, written: list[asyncio.Future], commands: list[EventT]) -> None:
    if previous is not None:
        await previous  # saves are acknowledged in the order they were made
    try:
        await asyncio.gather(*written)
    except Exception:  # the saved state is not what is in memory: its commands must come again
        start_again_from_last_save("meetings not saved")
    for received in commands:
        received.ack()


async def saved() -> None:
    """Returns once every save made so far is written and its commands acknowledged."""
    if _saving is not None:
        await _saving


@app.agent(commands_topic)
async def list_of_speakers(stream):
    # Without acknowledgement: save() acknowledges the commands once their state is in the table.
    # (Not faust's noack_take: it pairs each value with the stream's current event, which around
    # a rebalance is not always that value's.)
    async for received in stream.noack().events():
        await inbox.put(received)


@app.task
async def handle_commands() -> None:
    """Handles what has arrived in one batch (batching.py): while one batch's events go to the
    broker, the next batch gathers, so the batches grow with the load."""
    await publisher.started()  # now, rather than in the first command's time
    while True:
        batch = await next_batch(inbox, settings.batch_size, settings.batch_window_seconds)
        async with handling:
            try:
                await handle(batch)
            except Exception:  # a bug: what is in memory may be half changed
                start_again_from_last_save("commands could not be handled")


async def handle(batch: list[EventT]) -> None:
    events: list[Event] = []
    for received in batch:
        message = received.message
        arrival = order.arrival(message.tp, message.offset)
        if arrival is Arrival.early:
            offset = order.to_seek(message.tp)
            if offset is not None:
                log.warning("commands of %s missing from offset %d: reading them again", message.tp, offset)
                await app.consumer.seek(message.tp, offset)
            continue
        unsaved.append(received)  # handled or not, acknowledged once the state is saved
        if arrival is Arrival.again:
            continue
        try:
            command = decode_command(received.value)
        except ValidationError as e:
            log.error("dropping a command that does not match the contracts: %s", e)
            continue
        events.extend(engine.handle(command, position=(message.partition, message.offset)))
    await publisher.send(events)
    if time.monotonic() - _last_save >= settings.save_interval_seconds:
        await save()


@app.on_partitions_revoked.connect
async def on_revoked(app, revoked, **kwargs) -> None:
    # Back to the last save: faust seeks the partitions it assigns next to their committed
    # offsets, which the saved state covers, and the commands after them come again.
    async with handling:
        await saved()
        engine.forget()
        order.forget()
        unsaved.clear()
        while not inbox.empty():
            inbox.get_nowait()
