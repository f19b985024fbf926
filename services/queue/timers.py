"""The queue's timers: the meeting clock, and saving the meetings when commands stop coming."""

from __future__ import annotations

from datetime import UTC, datetime

from services.contracts import encode, message_key
from services.queue.agents import engine, handling, save
from services.queue.app import app, settings
from services.queue.topics import commands_topic


@app.timer(interval=settings.clock_tick_seconds)
async def meeting_clock() -> None:
    """Sends AdvanceClock when a pre-warning, a time up or a programme change is due."""
    for command in engine.clock_commands(datetime.now(UTC)):
        await commands_topic.send(key=message_key(command), value=encode(command))


@app.timer(interval=settings.save_interval_seconds)
async def save_meetings() -> None:
    """The agent saves as it goes; this saves the last commands of a burst."""
    async with handling:
        await save()
