"""A rate limit per credential: a fixed one-minute window counted in Redis."""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.registration.batch import Scripts

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window ends


def verdict(count: int, limit: int, now: float) -> Verdict:
    """Pure: the answer for the `count`-th request of the window that `now` falls in."""
    retry_after = WINDOW_SECONDS - int(now) % WINDOW_SECONDS
    return Verdict(allowed=count <= limit, limit=limit, remaining=max(0, limit - count), retry_after=retry_after)


class RateLimiter:
    """Counts a request against its credential's window and, in the same round trip, reads the record of
    the Idempotency-Key it came with (if any)."""

    def __init__(self, scripts: Scripts, prefix: str, per_minute: int):
        self._scripts = scripts
        self._prefix = prefix
        self.per_minute = per_minute

    async def hit(self, credential: str, record_key: str = "") -> tuple[Verdict, str | None]:
        now = time.time()
        if self.per_minute <= 0 and not record_key:
            return Verdict(True, 0, 0, 0), None
        key = f"{self._prefix}:rate:{credential[:32]}:{int(now) // WINDOW_SECONDS}" if self.per_minute > 0 else ""
        count, record = await self._scripts.begin(key, record_key, WINDOW_SECONDS + 5, self.per_minute)
        if self.per_minute <= 0:
            return Verdict(True, 0, 0, 0), record
        return verdict(count, self.per_minute, now), record
