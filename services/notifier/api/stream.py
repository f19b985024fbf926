"""Live streams per meeting: Server-Sent Events and, at the same path, a WebSocket.

    GET /v1/meetings/{id}/stream                    text/event-stream
    GET /v1/meetings/{id}/stream?last_event_id=N    (or the Last-Event-ID header a browser sends on reconnect)
    ws://.../v1/meetings/{id}/stream[?last_event_id=N]

The messages are described in services/notifier/stream/protocol.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

from fastapi import APIRouter, Header, Query, Request, WebSocket, WebSocketDisconnect
from redis.exceptions import RedisError
from sse_starlette import EventSourceResponse

from services.notifier.api.deps import MEETING_ID_PATTERN, MeetingId, not_found
from services.notifier.stream.protocol import parse_last_event_id, retry_frame
from services.notifier.stream.session import MeetingGone, StreamSession, frames
from services.notifier.stream.sse import LeanEventSourceResponse

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/meetings/{meeting_id}", tags=["streams"])

_LAST_ID_DOC = "The seq of the last message the client applied; it then gets only what it missed."


def _session(state, meeting_id: str) -> StreamSession:
    return StreamSession(state.store, state.hub, state.snapshots, meeting_id)


@router.get("/stream", response_class=EventSourceResponse)
async def sse_stream(
    meeting_id: MeetingId,
    request: Request,
    last_event_id: str | None = Query(None, max_length=40, description=_LAST_ID_DOC),
    last_event_id_header: str | None = Header(None, alias="Last-Event-ID", max_length=40),
):
    """The meeting live, as Server-Sent Events: a snapshot (or what was missed), then every event."""
    state = request.app.state
    last = parse_last_event_id(last_event_id_header if last_event_id_header is not None else last_event_id)
    session = _session(state, meeting_id)
    try:
        first = await session.open(last)  # before the response starts, so that a failure is a clean 404/503
    except MeetingGone:
        raise not_found(meeting_id) from None
    return LeanEventSourceResponse(
        session,
        retry_frame(state.settings.stream_retry_ms) + b"".join(f.sse for f in first),
        send_timeout=state.settings.stream_send_timeout_seconds,
        headers={"Cache-Control": "no-store"},
        on_close=session.close,
    )


@router.websocket("/stream")
async def ws_stream(websocket: WebSocket, meeting_id: str, last_event_id: str | None = None):
    """The same messages over a WebSocket, one JSON text frame each. Anything the client sends is ignored."""
    await websocket.accept()
    state = websocket.app.state
    session = _session(state, meeting_id)
    try:
        if not re.fullmatch(MEETING_ID_PATTERN, meeting_id):
            raise MeetingGone(meeting_id)
        first = await session.open(parse_last_event_id(last_event_id))
    except MeetingGone:
        await websocket.close(code=4404, reason=f"No meeting {meeting_id[:80]} is known here.")
        return
    except (RedisError, OSError):
        await websocket.close(code=1013, reason="Try again later.")
        return
    timeout = state.settings.stream_send_timeout_seconds
    stream = frames(session, first)

    async def pump() -> None:
        async for batch in stream:
            texts = [frame.text for frame in batch]
            del batch
            while texts:  # nothing of a sent message is kept while waiting for the next
                await asyncio.wait_for(websocket.send_text(texts.pop(0)), timeout)

    async def listen() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return

    tasks = [asyncio.create_task(pump()), asyncio.create_task(listen())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = task.exception()
            if isinstance(error, TimeoutError):
                log.info("closing a WebSocket client of %s that accepts nothing", meeting_id)
            elif error is not None and not isinstance(error, WebSocketDisconnect | MeetingGone | OSError):
                log.warning("WebSocket stream of %s ended: %r", meeting_id, error)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await stream.aclose()
        session.close()
        with contextlib.suppress(Exception):
            await websocket.close()
