"""Real time and the meeting clock, as the stream tells displays. Pure: the caller passes the real time.

A meeting's clock is real time, or simulated: it read `starts_at` at the real moment `anchor` and runs
`rate` times faster. Events carry meeting-clock times (occurred_at, deadline_at); the stream says both the
server's real time and the meeting clock's time with its rate, so a page counts down locally:

    meeting_now = meeting_time + (local_now - local_time_at_receipt) * clock_rate
    remaining   = deadline_at - meeting_now            (meeting seconds)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def _parse(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rate(setting: dict[str, Any] | None) -> float:
    if setting and setting.get("mode") == "simulated":
        return float(setting.get("rate") or 1.0)
    return 1.0


def meeting_time(setting: dict[str, Any] | None, real: datetime) -> datetime:
    """The meeting clock's reading at the real moment `real`."""
    if not setting or setting.get("mode") != "simulated":
        return real
    starts_at, anchor = _parse(setting.get("starts_at")), _parse(setting.get("anchor"))
    if starts_at is None or anchor is None:
        return real
    return starts_at + (real - anchor) * rate(setting)


def iso(moment: datetime) -> str:
    """Milliseconds are plenty for a display; Z for UTC keeps every browser's Date.parse happy."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def now_fields(setting: dict[str, Any] | None, real: datetime) -> dict[str, Any]:
    """What every stream message says about time: the server's clock and the meeting's."""
    return {"server_time": iso(real), "meeting_time": iso(meeting_time(setting, real)), "clock_rate": rate(setting)}
