"""A rate limit per credential: a fixed one-minute window counted in Redis."""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.registration.batch import Scripts

WINDOW_SECONDS = 60
COUNTER_SECONDS = WINDOW_SECONDS + 5  # how long a window's counter is kept


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


class RateLimited(Exception):
    """Over the credential's rate limit: nothing was done (429)."""

    def __init__(self, verdict: Verdict):
        super().__init__(f"over {verdict.limit} requests a minute")
        self.verdict = verdict


@dataclass
class PendingCount:
    """A request still to be counted against its credential's window. A write with an Idempotency-Key is
    counted by the Redis call its key needs anyway; a request refused before that call, where it is refused."""

    counter: str  # the window's counter
    limit: int
    now: float
    verdict: Verdict | None = None  # once counted

    def settle(self, count: int) -> Verdict:
        """Records the count Redis answered; raises RateLimited if it is over the limit."""
        self.verdict = verdict(count, self.limit, self.now)
        if not self.verdict.allowed:
            raise RateLimited(self.verdict)
        return self.verdict


class RateLimiter:
    """Counts a request against its credential's window, at once (`hit`) or with a later Redis call (`pending`)."""

    def __init__(self, scripts: Scripts, prefix: str, per_minute: int):
        self._scripts = scripts
        self._prefix = prefix
        self.per_minute = per_minute

    def pending(self, credential: str) -> PendingCount | None:
        """The count to make for a request by `credential` (None without a limit)."""
        if self.per_minute <= 0:
            return None
        now = time.time()
        counter = f"{self._prefix}:rate:{credential[:32]}:{int(now) // WINDOW_SECONDS}"
        return PendingCount(counter, self.per_minute, now)

    async def hit(self, credential: str) -> None:
        """Counts a request now; raises RateLimited if it is over the limit."""
        await self.count(self.pending(credential))

    async def count(self, pending: PendingCount | None) -> None:
        """Makes a pending count unless it was made; raises RateLimited if it is over the limit."""
        if pending is not None and pending.verdict is None:
            count, _, _ = await self._scripts.begin(pending.counter, "", "", COUNTER_SECONDS, pending.limit)
            pending.settle(count)
