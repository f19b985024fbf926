"""The floor: the speaker the chair has called, and the clock of that speaker's statement.

Time limits are kept in speaking time, which stops while the chair pauses the speech: a pause
never costs the speaker time, and never gives a second pre-warning. An extension adds to the
limit: overrun is measured against the limit plus every extension granted, and that is the
limit the speech's record shows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from services.queue.domain.clock import SECOND, Instant


@dataclass
class Speech:
    inscription_id: str
    called_at: Instant
    limit_seconds: int
    extended_seconds: int = 0
    started_at: Instant | None = None
    paused_at: Instant | None = None
    paused_total: int = 0  # microseconds spent paused
    pre_warning_given: bool = False
    time_up_given: bool = False

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    @property
    def running(self) -> bool:
        return self.started and not self.paused

    @property
    def allowed_seconds(self) -> int:
        """The limit plus every extension granted: what overrun is measured against."""
        return self.limit_seconds + self.extended_seconds

    def spoken(self, now: Instant) -> int:
        if self.started_at is None:
            return 0
        until = self.paused_at if self.paused_at is not None else now
        return until - self.started_at - self.paused_total

    def deadline(self, now: Instant) -> Instant:
        """When the allowed time runs out, if the speech runs on from `now` without a pause."""
        return now + self.allowed_seconds * SECOND - self.spoken(now)

    def pre_warning_at(self, now: Instant, pre_warning_seconds: int) -> Instant:
        """Never before the speech began, however short the limit."""
        return max(self.deadline(now) - pre_warning_seconds * SECOND, now - self.spoken(now))

    def due(self, now: Instant, pre_warning_seconds: int) -> list[tuple[Instant, str]]:
        """The signals still to give, and when, while the speech runs."""
        if not self.running:
            return []
        signals = []
        if pre_warning_seconds and not self.pre_warning_given:
            signals.append((self.pre_warning_at(now, pre_warning_seconds), "pre_warning"))
        if not self.time_up_given:
            signals.append((self.deadline(now), "time_up"))
        return signals

    def start(self, now: Instant) -> None:
        self.started_at = now

    def pause(self, now: Instant) -> None:
        self.paused_at = now

    def resume(self, now: Instant) -> None:
        assert self.paused_at is not None
        self.paused_total += now - self.paused_at
        self.paused_at = None

    def extend(self, extra_seconds: int, now: Instant, pre_warning_seconds: int) -> None:
        """An extension is a new deadline: its pre-warning and time up are given again if still ahead."""
        self.extended_seconds += extra_seconds
        spoken = self.spoken(now)
        if spoken < (self.allowed_seconds - pre_warning_seconds) * SECOND:
            self.pre_warning_given = False
        if spoken < self.allowed_seconds * SECOND:
            self.time_up_given = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Speech:
        return cls(**data)
