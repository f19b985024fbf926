"""When each waiting speaker is likely to speak, and who is unlikely to be reached.

Every speaker is expected to take the mean of the statements heard so far (the category's
limit until someone has spoken) plus the changeover. The walk starts when the floor will be
free and runs through the floor windows of the programme only, so a break is skipped: a
speaker who would not finish before a window closes is moved to the next one, and one who
would not finish before the floor closes for the day is unlikely to be reached.

The walk's result for a place depends only on the places before it and on the `Basis`, so
after a change at place k only places k.. are walked again: an inscription at the end of a
long list costs one step, not the whole list. When every speaker takes the same time (always,
once someone has spoken) a single place is reckoned directly instead. Entries (one ListEntry per
place) are made only when the list is published.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from services.contracts.events import Inscription, ListEntry
from services.contracts.meeting import TimeLimits
from services.queue.domain.clock import MINUTE, SECOND, Instant, to_datetime
from services.queue.domain.programme import Window

InscriptionOf = Callable[[str], Inscription]


def into_floor(windows: Sequence[Window], moment: Instant) -> Instant:
    """The first moment from `moment` on when the floor is open, or `moment` itself after the last window."""
    for start, end in windows:
        if end is None or moment < end:
            return max(moment, start)
    return moment


def reckoning_start(windows: Sequence[Window], floor_free_at: Instant) -> Instant:
    """Where the walk starts: the next whole minute at which the floor is free and open.

    A minute is as precise as an estimate of a speaking time can be, and it keeps the start,
    and so every estimate, still while the clock ticks between speakers: the list is walked
    again only from the place that changed, not in full at every command."""
    return into_floor(windows, -(-floor_free_at // MINUTE) * MINUTE)


@dataclass(frozen=True)
class Basis:
    start: Instant  # when the first waiting speaker is reckoned to take the floor
    average: int | None  # mean statement heard so far (microseconds); None before the first


class Step(NamedTuple):
    """One place of the walk."""

    at: Instant  # estimated time of speaking
    end: Instant  # estimated end of the statement
    window: int  # the floor window it falls in (len(windows): after the floor closes)
    needed: int  # floor time needed up to and including this place, changeovers included
    reached: bool


class Summary(NamedTuple):
    needed: int
    last_end: Instant | None
    first_not_reached: int  # the place from which speakers are unlikely to be reached (len: none)


class RollingList:
    """The waiting speakers with their estimates: the walk per place, and the ListEntry per place
    as last published. Both are kept for the places before the first change, and redone after it."""

    def __init__(self, windows: Sequence[Window], limits: TimeLimits):
        self._windows = windows
        self._limits = limits
        self._changeover = limits.changeover_seconds * SECOND
        # Until someone has spoken each speaker takes its category's limit; often one limit for all.
        uniform = set(limits.per_category.values()) <= {limits.default_seconds}
        self._uniform_limit = limits.default_seconds * SECOND if uniform else None
        self._basis: Basis | None = None
        self._walk: list[Step] = []
        self._walked = 0  # places whose step is up to date
        self._entries: list[ListEntry] = []
        self._listed = 0  # places whose entry is up to date (never more than walked)
        self._first_not_reached: int | None = None  # among the places walked

    def invalidate_from(self, index: int) -> None:
        self._walked = min(self._walked, index)
        self._listed = min(self._listed, index)
        if self._first_not_reached is not None and self._first_not_reached >= index:
            self._first_not_reached = None

    def estimate(self, ids: Sequence[str], inscription_of: InscriptionOf, basis: Basis, index: int) -> Instant:
        """When the speaker at `index` is likely to speak. When every speaker takes the same time the
        place is reckoned directly, without walking a long list that changed ahead of it."""
        duration = self._uniform(basis)
        if duration is None or (basis == self._basis and index < self._walked):
            self._walk_to(index + 1, ids, inscription_of, basis)
            return self._walk[index].at
        return self._reckon(basis.start, duration, index)

    def _uniform(self, basis: Basis) -> int | None:
        return basis.average if basis.average is not None else self._uniform_limit

    def _reckon(self, cursor: Instant, duration: int, index: int) -> Instant:
        """The walk's result for `index` when every speaker takes `duration`: window by window,
        as many as fit, the same as `_walk_to` gives."""
        slot = duration + self._changeover
        for start, close in self._windows:
            if close is not None and cursor >= close:
                continue
            first = max(cursor, start)
            fitting = index + 1 if close is None else max(0, (close - first - duration) // slot + 1)
            if index < fitting:
                return first + index * slot
            if fitting:
                index -= fitting
                cursor = first + fitting * slot
        return cursor + index * slot

    def entries(self, ids: Sequence[str], inscription_of: InscriptionOf, basis: Basis) -> list[ListEntry]:
        n = len(ids)
        self._walk_to(n, ids, inscription_of, basis)
        del self._entries[self._listed :]
        for index in range(self._listed, n):
            step = self._walk[index]
            self._entries.append(
                ListEntry(
                    position=index + 1,
                    inscription=inscription_of(ids[index]),
                    estimated_at=to_datetime(step.at),
                    likely_reached=step.reached,
                )
            )
        self._listed = n
        return self._entries

    def summary(self, ids: Sequence[str], inscription_of: InscriptionOf, basis: Basis) -> Summary:
        n = len(ids)
        self._walk_to(n, ids, inscription_of, basis)
        last = self._walk[n - 1] if n else None
        return Summary(
            needed=last.needed if last else 0,
            last_end=last.end if last else None,
            first_not_reached=n if self._first_not_reached is None else self._first_not_reached,
        )

    def _walk_to(self, stop: int, ids: Sequence[str], inscription_of: InscriptionOf, basis: Basis) -> None:
        if basis != self._basis:
            self._basis = basis
            self.invalidate_from(0)
        k = self._walked
        if k >= stop:
            return
        del self._walk[k:]
        if k:
            previous = self._walk[k - 1]
            cursor, window, needed = previous.end + self._changeover, previous.window, previous.needed
        else:
            cursor, window, needed = basis.start, 0, 0
        windows, changeover, limits, uniform = self._windows, self._changeover, self._limits, self._uniform(basis)
        for index in range(k, stop):
            if uniform is None:
                inscription = inscription_of(ids[index])
                duration = limits.limit_for(inscription.category, inscription.reply) * SECOND
            else:
                duration = uniform
            while window < len(windows):
                start, close = windows[window]
                if close is None or max(cursor, start) + duration <= close:
                    cursor = max(cursor, start)
                    break
                window += 1
            reached = window < len(windows)
            if not reached and self._first_not_reached is None:
                self._first_not_reached = index
            needed += duration + changeover
            self._walk.append(Step(cursor, cursor + duration, window, needed, reached))
            cursor += duration + changeover
        self._walked = stop
