"""How many commands are handled together. A batch's events go to the broker together, so its costs
(building record batches, a produce request, awaiting the delivery) are shared by all its commands."""

from __future__ import annotations

import asyncio
from typing import TypeVar

T = TypeVar("T")


async def next_batch(inbox: asyncio.Queue[T], most: int, window: float) -> list[T]:
    """The commands waiting in `inbox` (at most `most`) once one has come.

    When more than one is waiting the worker is under load: it then waits `window` seconds for more,
    so that batches grow with the load instead of staying as small as the broker's round trip makes
    them. A lone command waits for nothing, so a meeting's clock and its displays lose no time."""
    batch = [await inbox.get()]
    if window > 0 and 0 < inbox.qsize() < most - 1:
        await asyncio.sleep(window)
    while len(batch) < most and not inbox.empty():
        batch.append(inbox.get_nowait())
    return batch
