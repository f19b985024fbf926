"""Each partition's commands handed to the engine in offset order, each once."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from faust.types import TP


class Arrival(Enum):
    next = "next"  # the next command of its partition: to handle
    again = "again"  # handled already (its state is saved or in memory)
    early = "early"  # commands before it are missing: they must come first


class OffsetOrder:
    """Around a start or a rebalance faust begins fetching before it seeks the partitions to their
    committed offsets; the crash test saw commands handed over twice and others skipped. A
    command before the next expected offset was handled already; one after it means some are
    missing, and the partition is sought back to the first of them.

    The next expected offset of a partition starts after the last command its saved meetings
    had handled (`last_handled`), or at the first command that comes if none is known."""

    def __init__(self, last_handled: Callable[[int], int | None]):
        self._last_handled = last_handled
        self._next: dict[TP, int] = {}
        self._sought: dict[TP, int] = {}

    def arrival(self, tp: TP, offset: int) -> Arrival:
        expected = self._next.get(tp)
        if expected is None:
            last = self._last_handled(tp.partition)
            expected = offset if last is None else last + 1
        if offset < expected:
            self._next[tp] = expected
            return Arrival.again
        if offset > expected:
            self._next[tp] = expected
            return Arrival.early
        self._next[tp] = offset + 1
        return Arrival.next

    def to_seek(self, tp: TP) -> int | None:
        """After an early arrival: the offset to seek the partition back to, unless sought already."""
        expected = self._next[tp]
        if self._sought.get(tp) == expected:
            return None
        self._sought[tp] = expected
        return expected

    def forget(self) -> None:
        self._next.clear()
        self._sought.clear()
