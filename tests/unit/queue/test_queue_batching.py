"""Batches grow with the load; a lone command waits for nothing."""

import asyncio
import time

from services.queue.batching import next_batch


async def test_a_lone_command_is_handed_over_at_once():
    inbox: asyncio.Queue[int] = asyncio.Queue()
    inbox.put_nowait(1)
    started = time.monotonic()
    assert await next_batch(inbox, most=500, window=5.0) == [1]
    assert time.monotonic() - started < 1.0  # not the 5 s window


async def test_under_load_the_batch_waits_the_window_for_what_comes_meanwhile():
    inbox: asyncio.Queue[int] = asyncio.Queue()
    inbox.put_nowait(1)
    inbox.put_nowait(2)

    async def more_arrive():
        await asyncio.sleep(0.01)
        for n in (3, 4, 5):
            inbox.put_nowait(n)

    arriving = asyncio.ensure_future(more_arrive())
    assert await next_batch(inbox, most=500, window=0.2) == [1, 2, 3, 4, 5]
    await arriving


async def test_a_batch_takes_at_most_most_and_does_not_wait_when_that_many_are_waiting():
    inbox: asyncio.Queue[int] = asyncio.Queue()
    for n in range(10):
        inbox.put_nowait(n)
    started = time.monotonic()
    assert await next_batch(inbox, most=4, window=5.0) == [0, 1, 2, 3]
    assert time.monotonic() - started < 1.0
    assert inbox.qsize() == 6


async def test_without_a_window_the_batch_is_what_is_waiting():
    inbox: asyncio.Queue[int] = asyncio.Queue()
    inbox.put_nowait(1)
    inbox.put_nowait(2)
    assert await next_batch(inbox, most=500, window=0) == [1, 2]
