"""sse-starlette's EventSourceResponse, run lean for ten thousand long-lived connections a process.

EventSourceResponse runs each connection in an anyio task group of three or four tasks, pulls its messages
through an async generator and opens a cancel scope for every message. At ten thousand subscribers that is
most of the memory of a connection, much of the time of a fan-out, and, worse, new objects for every client
after every event that the garbage collector then walks. This subclass keeps sse-starlette's headers and
HEAD answer, and runs a GET as:

- one task, which sends the first frames, then sleeps on a future while the client is idle, and wakes only
  to send what was queued for it (a resync, a gap to fill, frames queued while a write was under way);
- the fast path: while the connection is idle, the hub writes a live frame to it directly from its own loop
  (`direct`). If the socket takes it, that is the whole cost of the client: no task woken, nothing
  allocated that outlives the write. If the socket is full, the write finishes in a task of its own and
  later frames queue behind it, in order;
- one small task waiting for the client to go away.

One watchdog task for the whole process disconnects clients whose socket has accepted nothing for
`send_timeout` seconds, and ends every stream when the server shuts down (sse-starlette's shutdown signal)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from sse_starlette import EventSourceResponse
from sse_starlette.sse import AppStatus
from starlette.background import BackgroundTask
from starlette.types import Receive, Scope, Send

from services.notifier.stream.hub import Subscriber
from services.notifier.stream.protocol import Frame

log = logging.getLogger(__name__)


class Source(Protocol):
    """What a stream session offers the response (services/notifier/stream/session.py)."""

    @property
    def subscriber(self) -> Subscriber | None: ...

    def accept(self, frame: Frame) -> bool | None: ...

    def ready(self) -> asyncio.Future | None: ...

    def collect_now(self) -> list[Frame] | None: ...

    def collect(self) -> Awaitable[list[Frame]]: ...


class _Watchdog:
    def __init__(self, interval: float = 1.0):
        self.streams: set[LeanEventSourceResponse] = set()
        self._interval = interval
        self._task: asyncio.Task | None = None
        self.stalled = 0  # clients disconnected for accepting nothing, since start

    def add(self, stream: LeanEventSourceResponse) -> None:
        self.streams.add(stream)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="sse-watchdog")

    def discard(self, stream: LeanEventSourceResponse) -> None:
        self.streams.discard(stream)

    async def _run(self) -> None:
        while self.streams:
            await asyncio.sleep(self._interval)
            now = time.monotonic()
            for stream in list(self.streams):
                if AppStatus.should_exit:
                    stream.stop("shutdown")
                elif stream.sending_since is not None and now - stream.sending_since > stream.send_timeout:
                    self.stalled += 1
                    stream.stop("stalled")


watchdog = _Watchdog()


async def _nothing():
    return
    yield  # an async generator that yields nothing: what HEAD "streams"


def _body(chunk: bytes) -> dict:
    return {"type": "http.response.body", "body": chunk, "more_body": True}


class LeanEventSourceResponse(EventSourceResponse):
    """Streams `first`, then whatever `source` has, for as long as the client stays."""

    def __init__(
        self,
        source: Source,
        first: bytes,
        *,
        send_timeout: float,
        headers: dict[str, str] | None = None,
        on_close: Callable[[], None] | None = None,
    ):
        super().__init__(
            _nothing(),
            ping=0,
            send_timeout=send_timeout,
            headers=headers,
            background=BackgroundTask(on_close) if on_close else None,
        )
        self._source: Source | None = source
        self._first: bytes | None = first
        self._asgi_send: Send | None = None
        self.sending_since: float | None = None
        self._task: asyncio.Task | None = None
        self._stopping: str | None = None
        self._idle = False  # the task sleeps and nothing is queued: the hub may write directly
        self._inflight: asyncio.Future | None = None  # a direct write the socket could not take at once
        self._inflight_task: asyncio.Task | None = None

    def stop(self, reason: str) -> None:
        """Ends the stream from outside (watchdog, disconnect): cancels the task that runs it."""
        if self._stopping is None and self._task is not None:
            self._stopping = reason
            self._task.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"].upper() != "GET":
            await super().__call__(scope, receive, send)  # HEAD: headers, no stream
            return
        self._task = asyncio.current_task()
        self._asgi_send = send
        listener = asyncio.ensure_future(self._wait_disconnect(receive))
        watchdog.add(self)
        source = self._source
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            chunk, self._first = self._first, None
            await self._send(send, chunk)
            del chunk
            source.subscriber.direct = self._direct
            while True:
                waiter = source.ready()
                if waiter is not None:
                    self._idle = True
                    try:
                        await waiter
                    finally:
                        self._idle = False
                    del waiter
                if self._inflight is not None:  # what was queued goes after the write under way
                    await self._inflight
                frames = source.collect_now()
                if frames is None:  # a resync or a gap: Redis has to be read
                    frames = await source.collect()
                if frames:
                    chunk = frames[0].sse if len(frames) == 1 else b"".join(f.sse for f in frames)
                    del frames
                    await self._send(send, chunk)
                    del chunk
        except asyncio.CancelledError:
            if self._stopping is None:
                raise  # not ours: the server is cancelling the request
            self._task.uncancel()
            if self._stopping == "stalled":  # returning unfinished makes the server close the connection
                log.info("disconnected an SSE client that accepted nothing for %ss", self.send_timeout)
            elif self._stopping == "shutdown" and self._inflight is None:
                await asyncio.wait_for(send({"type": "http.response.body", "body": b"", "more_body": False}), 1)
        except (OSError, TimeoutError):  # the client went away while we wrote to it
            pass
        except Exception as e:  # the read model went away (a resync could not be read): the client comes back
            log.warning("ending an SSE stream: %r", e)
        finally:
            self._idle = False
            if source is not None and source.subscriber is not None:
                source.subscriber.direct = None
            if self._inflight_task is not None:
                self._inflight_task.cancel()
            watchdog.discard(self)
            listener.cancel()
            self._task = self._source = self._asgi_send = None  # no cycles left for the garbage collector
        if self.background is not None:
            await self.background()

    async def _send(self, send: Send, chunk: bytes) -> None:
        self.sending_since = time.monotonic()
        await send(_body(chunk))
        self.sending_since = None

    # --- the fast path ------------------------------------------------------------------------
    def _direct(self, frame: Frame) -> bool:
        """Called by the hub: writes `frame` now if this connection is idle. False: queue it instead."""
        if not self._idle or self._inflight is not None or self._stopping is not None:
            return False
        verdict = self._source.accept(frame)
        if verdict is None:
            return False  # after a gap: the task fills it from the log first
        if verdict:
            self._write_now(frame.sse)
        return True

    def _write_now(self, chunk: bytes) -> None:
        """Runs the ASGI send as far as it goes without waiting; if the socket is full, it finishes in a task
        and the connection takes nothing directly until then."""
        coroutine = self._asgi_send(_body(chunk))
        try:
            blocked_on = coroutine.send(None)
        except StopIteration:
            return
        except BaseException as e:  # the client went away under the write
            coroutine.close()
            log.debug("direct write failed: %r", e)
            self.stop("disconnected")
            return
        loop = asyncio.get_running_loop()
        self.sending_since = time.monotonic()
        self._inflight = loop.create_future()

        def resume(_=None) -> None:
            task = self._inflight_task = loop.create_task(coroutine)  # carries on from where it stopped
            task.add_done_callback(self._written)

        if blocked_on is None:  # a bare yield
            loop.call_soon(resume)
        else:  # a future: resume the write once it is done, as a task would
            blocked_on._asyncio_future_blocking = False
            blocked_on.add_done_callback(resume)

    def _written(self, task: asyncio.Task) -> None:
        inflight, self._inflight, self._inflight_task = self._inflight, None, None
        self.sending_since = None
        if inflight is not None and not inflight.done():
            inflight.set_result(None)
        if not task.cancelled() and task.exception() is not None:
            self.stop("disconnected")

    async def _wait_disconnect(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.stop("disconnected")
                return
