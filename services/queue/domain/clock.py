"""Time on the meeting clock.

Inside the domain a moment is an `Instant`: whole microseconds since 1970 UTC. Integers are
exact (no rounding drift between a live meeting and one restored from its snapshot), cheap
to compare and add, and JSON-able as they are. Datetimes appear only at the edges: in
commands, events and the programme.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

from services.contracts.meeting import ClockSetting

Instant = int
SECOND = 1_000_000
MINUTE = 60 * SECOND

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def aware(moment: datetime) -> datetime:
    """A datetime without a time zone is taken to be UTC, as the contracts' own timestamps are."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def to_instant(moment: datetime) -> Instant:
    return (aware(moment) - _EPOCH) // _MICROSECOND


def to_datetime(instant: Instant) -> datetime:
    return _EPOCH + timedelta(microseconds=instant)


def seconds(duration: int) -> float:
    return duration / SECOND


def local_time(instant: Instant, zone: tzinfo) -> str:
    """'16:02', as the chair's announcement would say it."""
    return f"{to_datetime(instant).astimezone(zone):%H:%M}"


def local_day_and_time(instant: Instant, zone: tzinfo) -> str:
    """'09:00 on 5 September 2017'."""
    moment = to_datetime(instant).astimezone(zone)
    return f"{moment:%H:%M} on {moment.day} {moment:%B %Y}"


class MeetingClock:
    """Maps real time to meeting time and back. In real mode the two are the same; a simulated
    clock reads `starts_at` at the real moment `anchor` and runs `rate` times faster, so a
    whole day of a meeting can be replayed in minutes."""

    def __init__(self, setting: ClockSetting):
        self._simulated = setting.mode == "simulated"
        self._starts_at = setting.starts_at
        self._anchor = setting.anchor
        self._rate = setting.rate

    def meeting_time(self, real: datetime) -> datetime:
        if not self._simulated:
            return real
        return self._starts_at + (aware(real) - self._anchor) * self._rate

    def real_time(self, meeting: datetime) -> datetime:
        if not self._simulated:
            return meeting
        return self._anchor + (aware(meeting) - self._starts_at) / self._rate
