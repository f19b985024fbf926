"""The queue's timers: the meeting clock, and saving the meetings when commands stop coming."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiokafka.errors import KafkaError

from services.platform.kafka import send_batched
from services.queue.agents import engine, handling, save
from services.queue.app import app, settings, start_again_from_last_save
from services.queue.publisher import publisher
from services.queue.topics import commands_topic


@app.timer(interval=settings.clock_tick_seconds)
async def meeting_clock() -> None:
    """Sends AdvanceClock when a pre-warning, a time up or a programme change is due: those of
    all meetings due at once in one record batch per partition."""
    due = engine.clock_commands(datetime.now(UTC))
    if due:
        try:
            await asyncio.gather(*await send_batched(await publisher.started(), commands_topic.get_topic_name(), due))
        except KafkaError:  # the engine counts them as sent: it would not ask again
            start_again_from_last_save("clock commands not delivered")


@app.timer(interval=settings.save_interval_seconds)
async def save_meetings() -> None:
    """The agent saves as it goes; this saves the last commands of a burst."""
    async with handling:
        await save()
