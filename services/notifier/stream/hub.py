"""In-process fan-out: one channel per meeting, one bounded queue per client.

The Kafka consumer publishes each event once (after storing it); the hub encodes it once and hands the same
frame to every client without ever waiting for one: written at once to an idle SSE connection whose socket
takes it (services/notifier/stream/sse.py), queued otherwise. A client whose queue is full has its buffer
dropped and is told to resync (it then gets a fresh snapshot): a slow client costs itself, never the others.
The time is told to a tenth of the clients at a time, so that ten thousand displays are never all written to
at once for a tick."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from services.notifier.clock import now_fields
from services.notifier.stream.protocol import Frame, event_frame, tick_frame

log = logging.getLogger(__name__)

RESYNC = "resync"  # put in a client's queue in place of what was dropped


def real_now() -> datetime:
    return datetime.now(UTC)


class Subscriber:
    """A client's bounded buffer: a deque and at most one waiter (lighter than asyncio.Queue, which keeps four
    deques a client; at ten thousand clients that matters)."""

    __slots__ = ("meeting_id", "slot", "direct", "_items", "_size", "_waiter", "drops")

    def __init__(self, meeting_id: str, size: int, slot: int = 0):
        self.meeting_id = meeting_id
        self.slot = slot  # which of the hub's tick rounds tells this client the time
        # Set by a connection that can take a frame at once, written from the hub's own loop when it is idle
        # (services/notifier/stream/sse.py): returns False when the frame must be queued instead.
        self.direct: Callable[[Frame], bool] | None = None
        self._items: deque = deque()
        self._size = size
        self._waiter: asyncio.Future | None = None
        self.drops = 0

    def deliver(self, item: Frame) -> bool:
        """Hands `item` over directly if the client can take it now, else queues it; False if it overflowed."""
        direct = self.direct
        if direct is not None and not self._items:
            try:
                if direct(item):
                    return True
            except Exception:  # the connection's business; queue instead
                log.exception("direct delivery failed")
        return self.offer(item)

    def offer(self, item: Frame) -> bool:
        """Adds `item` unless the buffer is full; then drops the buffer, leaves a RESYNC and returns False."""
        if len(self._items) >= self._size:
            self._items.clear()
            self._items.append(RESYNC)
            self.drops += 1
            ok = False
        else:
            self._items.append(item)
            ok = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return ok

    def pending(self) -> int:
        return len(self._items)

    def ready(self) -> asyncio.Future | None:
        """None if items are waiting; else a future resolved when one comes. Awaiting a bare future keeps a
        waiting client down to a couple of objects (what the garbage collector has to look at between events)."""
        if self._items:
            return None
        waiter = self._waiter
        if waiter is None or waiter.done():
            waiter = self._waiter = asyncio.get_running_loop().create_future()
        return waiter

    def take(self, limit: int = 64) -> list[Frame | str]:
        """What is waiting, at most `limit` items (written in one go)."""
        self._waiter = None
        items = self._items
        if len(items) <= limit:
            batch = list(items)
            items.clear()
            return batch
        return [items.popleft() for _ in range(limit)]

    def peek_plain(self, sent: int, limit: int = 64) -> list[Frame] | None:
        """Takes the waiting items if none of them needs more than sending (no resync, no gap after `sent`);
        else leaves them and returns None."""
        items = self._items
        expected = sent
        for item in items:
            if item is RESYNC:
                return None
            if item.type != "tick" and item.seq > expected:
                if item.seq != expected + 1:
                    return None
                expected = item.seq
        return self.take(limit)


class _Channel:
    __slots__ = ("subscribers", "seq", "clock")

    def __init__(self):
        self.subscribers: set[Subscriber] = set()
        self.seq = 0
        self.clock: dict[str, Any] | None = None


class Hub:
    TICK_ROUNDS = 10  # the time is told to a tenth of the clients at a time: no burst of ten thousand writes

    def __init__(self, buffer_size: int = 256, tick_seconds: float = 10.0, now: Callable[[], datetime] = real_now):
        self._channels: dict[str, _Channel] = {}
        self._buffer = buffer_size
        self._tick_seconds = tick_seconds
        self._now = now
        self._joined = 0
        self._round = 0
        self.drops = 0  # clients dropped to a resync, since start

    # --- clients ------------------------------------------------------------------------------
    def subscribe(self, meeting_id: str) -> Subscriber:
        self._joined += 1
        subscriber = Subscriber(meeting_id, self._buffer, self._joined % self.TICK_ROUNDS)
        self._channels.setdefault(meeting_id, _Channel()).subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        channel = self._channels.get(subscriber.meeting_id)
        if channel is None:
            return
        channel.subscribers.discard(subscriber)
        if not channel.subscribers:
            del self._channels[subscriber.meeting_id]

    def subscribers(self, meeting_id: str | None = None) -> int:
        if meeting_id is not None:
            channel = self._channels.get(meeting_id)
            return len(channel.subscribers) if channel else 0
        return sum(len(c.subscribers) for c in self._channels.values())

    def note_clock(self, meeting_id: str, clock: dict[str, Any] | None, seq: int) -> None:
        """What a client learnt from a snapshot: the hub may not have seen this meeting's events yet."""
        channel = self._channels.get(meeting_id)
        if channel is not None and seq >= channel.seq:
            channel.clock, channel.seq = clock, seq

    def clock(self, meeting_id: str) -> dict[str, Any] | None:
        channel = self._channels.get(meeting_id)
        return channel.clock if channel else None

    def now(self, clock: dict[str, Any] | None) -> dict[str, Any]:
        return now_fields(clock, self._now())

    # --- publishing ---------------------------------------------------------------------------
    FAN_OUT_SLICE = 500  # clients served before letting the rest of the process run

    async def publish(self, meeting_id: str, seq: int, type_: str, body: str, clock: dict[str, Any] | None) -> None:
        """Delivers an event (already stored) to every client of its meeting: written at once to those that
        can take it, queued for the others. Never waits for a client; yields to the loop between slices."""
        channel = self._channels.get(meeting_id)
        if channel is None:
            return
        channel.seq, channel.clock = max(channel.seq, seq), clock
        if channel.subscribers:
            await self._fan_out(tuple(channel.subscribers), event_frame(body, seq, type_, self.now(clock), shared=True))

    async def _fan_out(self, subscribers: tuple[Subscriber, ...], frame: Frame) -> None:
        for start in range(0, len(subscribers), self.FAN_OUT_SLICE):
            if start:
                await asyncio.sleep(0)
            for subscriber in subscribers[start : start + self.FAN_OUT_SLICE]:
                if not subscriber.deliver(frame):
                    self.drops += 1

    async def tick(self, round_: int | None = None) -> None:
        """Tells the time to the clients of one round (all clients if None)."""
        for channel in list(self._channels.values()):
            if channel.subscribers:
                frame = tick_frame(channel.seq, self.now(channel.clock), shared=True)
                subscribers = tuple(s for s in channel.subscribers if round_ is None or s.slot == round_)
                await self._fan_out(subscribers, frame)

    async def run_ticks(self) -> None:
        """Every client hears the time every tick_seconds, a round of them at a time."""
        while True:
            await asyncio.sleep(self._tick_seconds / self.TICK_ROUNDS)
            self._round = (self._round + 1) % self.TICK_ROUNDS
            try:
                await self.tick(self._round)
            except Exception:  # never let the clock die with one bad channel
                log.exception("stream tick failed")
