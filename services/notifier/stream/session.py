"""One client's stream, the same for SSE and WebSocket: a snapshot or the missed events first, then live.

The client subscribes to the hub before it reads Redis, and the consumer stores an event before it
publishes it; every event is therefore in what the client read, or in its queue, or both (then dropped by
seq): no gap, no duplicate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from services.notifier.store import Store
from services.notifier.stream.hub import RESYNC, Hub, Subscriber
from services.notifier.stream.protocol import (
    Frame,
    event_frame,
    resync_frame,
    snapshot_body,
    snapshot_frame,
    tick_frame,
)
from services.notifier.view import clock_setting


class MeetingGone(Exception):
    pass


@dataclass(frozen=True)
class _Snapshot:
    seq: int
    body: str  # without the time fields and the reason
    clock: dict[str, Any] | None


class Snapshots:
    """The last snapshot of each meeting, encoded once: ten thousand displays connecting after a network blip
    cost one read of the view and one encoding, not ten thousand. Checked against the stored seq each time."""

    def __init__(self, store: Store, limit: int = 1000):
        self._store = store
        self._cache: dict[str, _Snapshot] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._limit = limit

    async def get(self, meeting_id: str) -> _Snapshot:
        current = await self._store.seq(meeting_id)
        cached = self._cache.get(meeting_id)
        if cached is not None and cached.seq == current:
            return cached
        lock = self._locks.setdefault(meeting_id, asyncio.Lock())
        async with lock:
            cached = self._cache.get(meeting_id)
            if cached is not None and cached.seq >= current:
                return cached
            snapshot = await self._store.snapshot(meeting_id)
            if snapshot is None:
                raise MeetingGone(meeting_id)
            seq, view = snapshot
            cached = _Snapshot(seq, snapshot_body(seq, view), clock_setting(view))
            if len(self._cache) >= self._limit:
                self._cache.clear()
                self._locks = {meeting_id: lock}
            self._cache[meeting_id] = cached
            return cached


class StreamSession:
    replay_limit = 2_000_000  # bytes of missed events worth sending rather than a snapshot

    def __init__(self, store: Store, hub: Hub, snapshots: Snapshots, meeting_id: str):
        self.store, self.hub, self.snapshots, self.meeting_id = store, hub, snapshots, meeting_id
        self.sent = 0  # the last seq this client has been given (by a snapshot or an event)
        self._subscriber: Subscriber | None = None

    async def open(self, last_event_id: int | None) -> list[Frame]:
        """Subscribes, then returns what the client gets first. Raises (and unsubscribes) if Redis fails."""
        self._subscriber = self.hub.subscribe(self.meeting_id)
        try:
            if last_event_id is None:
                return [await self.snapshot("connect")]
            return await self.resume(last_event_id)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._subscriber is not None:
            self.hub.unsubscribe(self._subscriber)
            self._subscriber = None

    @property
    def subscriber(self) -> Subscriber | None:
        return self._subscriber

    def accept(self, frame: Frame) -> bool | None:
        """Whether a live frame offered directly is the next to send (True, and counted as sent), one to drop
        (False: already sent, or a stale tick), or one that needs the queue (None: after a gap)."""
        if frame.type == "tick":  # only when it tells this client's own last seq
            return frame.seq == self.sent
        if frame.seq <= self.sent:
            return False
        if frame.seq != self.sent + 1:
            return None
        self.sent = frame.seq
        return True

    def ready(self) -> asyncio.Future | None:
        """None if something is waiting to be collected; else a future to await first."""
        return self._subscriber.ready()

    def collect_now(self) -> list[Frame] | None:
        """The frames to send now, when no Redis read is needed (the usual case): no coroutine per message.
        None if there is a resync or a gap: then `collect`."""
        items = self._subscriber.peek_plain(self.sent)
        if items is None:
            return None
        out = []
        for item in items:
            if item.type == "tick":
                if item.seq == self.sent:
                    out.append(item)
            elif item.seq > self.sent:
                out.append(item)
                self.sent = item.seq
        return out

    async def collect(self) -> list[Frame]:
        """The frames to send now (maybe none); reads Redis only for a resync or a gap."""
        return await self.live(self._subscriber.take())

    async def next(self) -> list[Frame]:
        """The next frames to send, live; waits for them."""
        while True:
            while (waiter := self.ready()) is not None:
                await waiter
            out = self.collect_now()
            if out is None:
                out = await self.collect()
            if out:
                return out

    def _now(self) -> dict[str, Any]:
        return self.hub.now(self.hub.clock(self.meeting_id))

    async def snapshot(self, reason: str) -> Frame:
        snapshot = await self.snapshots.get(self.meeting_id)
        self.hub.note_clock(self.meeting_id, snapshot.clock, snapshot.seq)
        self.sent = snapshot.seq
        return snapshot_frame(snapshot.body, snapshot.seq, reason, self.hub.now(snapshot.clock))

    async def resume(self, last: int) -> list[Frame]:
        """What a client that has seen up to `last` missed: the logged events, else a snapshot saying why."""
        replay = await self.store.replay(self.meeting_id, last)
        if last > replay.current_seq:
            return [await self.snapshot("unknown_position")]
        if last == replay.current_seq:  # nothing missed: say the time
            self.sent = last
            return [tick_frame(last, self._now())]
        if replay.oldest_seq is None or replay.oldest_seq > last + 1:
            return [await self.snapshot("too_old")]
        entries = [e for e in replay.entries if e[0] > last]
        if sum(len(body) for _, _, body in entries) > self.replay_limit:
            return [await self.snapshot("too_far_behind")]  # the picture is cheaper than the history
        now = self._now()
        frames = [event_frame(body, seq, type_, now) for seq, type_, body in entries]
        self.sent = frames[-1].seq if frames else last
        return frames or [tick_frame(last, now)]

    async def live(self, items: list) -> list[Frame]:
        out: list[Frame] = []
        for item in items:
            if item is RESYNC:
                out.append(resync_frame(self.sent, "slow_client", self._now()))
                out.append(await self.snapshot("resync"))
            elif item.type == "tick":
                if item.seq == self.sent:
                    out.append(item)
            elif item.seq > self.sent:
                if item.seq > self.sent + 1:
                    # Events this client never got (stored while it was subscribing): fetch them.
                    out.extend(await self.resume(self.sent))
                if item.seq > self.sent:
                    out.append(item)
                    self.sent = item.seq
        return out


async def frames(session: StreamSession, first: list[Frame]) -> AsyncIterator[list[Frame]]:
    """The opened session's stream as batches of frames, each batch written in one go; closes it at the end.

    `first` is emptied once sent: a connection keeps no copy of its snapshot."""
    try:
        batch = first[:]
        first.clear()
        yield batch
        del batch
        while True:
            yield await session.next()  # not kept in a local: the generator holds nothing between messages
    finally:
        session.close()
