"""The meeting clock: sends AdvanceClock when a pre-warning, a time up or a programme change is due."""

from __future__ import annotations

from datetime import UTC, datetime

from services.contracts import encode, message_key
from services.queue.agents import engine
from services.queue.app import app, settings
from services.queue.topics import commands_topic


@app.timer(interval=settings.clock_tick_seconds)
async def meeting_clock() -> None:
    for command in engine.clock_commands(datetime.now(UTC)):
        await commands_topic.send(key=message_key(command), value=encode(command))
