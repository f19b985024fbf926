"""The live stream's messages, the same JSON over Server-Sent Events and WebSocket. Pure: no I/O.

Every message is one JSON object with `type`, `seq` and the time fields of services/notifier/clock.py
(`server_time`, `meeting_time`, `clock_rate`):

- `snapshot`: the whole current picture (`view`) at `seq`, and `reason`: `connect` (a new client),
  `resync` (the client fell behind and its buffer was dropped), `too_old` (Last-Event-ID is older than
  the kept log), `too_far_behind` (what was missed is bigger than the picture) or `unknown_position`
  (Last-Event-ID is ahead of this meeting's events). `clock` is the meeting's clock setting.
- one message per queue event, `type` being the event's (`ListChanged`, `SpeechStarted`...), with
  `occurred_at` (meeting clock) and `event`, the event's own fields (contact addresses removed).
- `resync`: the client's buffer overflowed and was dropped; a fresh `snapshot` follows at once.
- `tick`: the time, every few seconds, with the last `seq` sent; also a keep-alive.

Over SSE, `event:` is the message's type and `id:` its seq (events and snapshots only, so the browser's
Last-Event-ID is always the last seq applied); the first frame sets `retry:`. Over WebSocket, each
message is one text frame.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from services.contracts import Event
from services.notifier.view import public_event, public_view


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True, slots=True)
class Frame:
    """One message ready to go: encoded once, written to every client as is."""

    type: str
    seq: int
    text: str  # the JSON, for WebSocket
    sse: bytes  # the SSE frame
    shared: bool = False  # one object for every client (a live event or tick), not a copy of its own

    @property
    def is_event(self) -> bool:
        return self.type not in ("snapshot", "tick", "resync")


def event_body(event: Event) -> str:
    """An event as the stream and the resume log keep it, without the time fields (added when sent)."""
    occurred_at = event.occurred_at.isoformat()
    return dumps({"type": event.type, "seq": event.seq, "occurred_at": occurred_at, "event": public_event(event)})


def stamp(body: str, now: dict[str, Any]) -> str:
    """`body` (a JSON object) with the time fields first."""
    head = dumps(now)
    return head[:-1] + "," + body[1:] if len(body) > 2 else head


def sse_frame(data: str, event: str | None = None, id: int | None = None, retry: int | None = None) -> bytes:
    """One SSE frame. `data` is single-line JSON (json.dumps escapes line breaks)."""
    parts = []
    if id is not None:
        parts.append(f"id: {id}\n")
    if event is not None:
        parts.append(f"event: {event}\n")
    if retry is not None:
        parts.append(f"retry: {retry}\n")
    parts.append(f"data: {data}\n\n")
    return "".join(parts).encode()


def retry_frame(retry_ms: int) -> bytes:
    return f"retry: {retry_ms}\n\n".encode()


def event_frame(body: str, seq: int, type_: str, now: dict[str, Any], shared: bool = False) -> Frame:
    text = stamp(body, now)
    return Frame(type=type_, seq=seq, text=text, sse=sse_frame(text, event=type_, id=seq), shared=shared)


def snapshot_body(seq: int, view: dict[str, Any]) -> str:
    """A snapshot without its time fields and reason: encoded once per meeting and seq, sent to many."""
    public = public_view(view)
    return dumps({"seq": seq, "clock": (public.get("setup") or {}).get("clock"), "view": public})


def snapshot_frame(body: str, seq: int, reason: str, now: dict[str, Any]) -> Frame:
    text = stamp(body, {**now, "type": "snapshot", "reason": reason})
    return Frame(type="snapshot", seq=seq, text=text, sse=sse_frame(text, event="snapshot", id=seq))


def tick_frame(seq: int, now: dict[str, Any], shared: bool = False) -> Frame:
    text = dumps({**now, "type": "tick", "seq": seq})
    return Frame(type="tick", seq=seq, text=text, sse=sse_frame(text, event="tick"), shared=shared)


def resync_frame(seq: int, reason: str, now: dict[str, Any]) -> Frame:
    text = dumps({**now, "type": "resync", "seq": seq, "reason": reason})
    return Frame(type="resync", seq=seq, text=text, sse=sse_frame(text, event="resync"))


def parse_last_event_id(value: str | None) -> int | None:
    """A client's Last-Event-ID, or None when absent or not a sequence number (then it gets a snapshot)."""
    if value is None:
        return None
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return int(value)
