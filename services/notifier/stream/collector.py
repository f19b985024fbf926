"""Keeps the garbage collector's pauses short while thousands of displays are connected.

Every open stream is a few hundred long-lived Python objects. CPython's full collections walk them all: at ten
thousand connections that is a pause of about a second, every few events, during which no display is served.
The objects of established connections are moved out of the collector's sight (gc.freeze) as their number
grows, so a collection walks only what is new. Frozen objects are still freed by reference counting when a
connection closes; only reference cycles among them wait, until the number of connections has halved and
everything is handed back to the collector (gc.unfreeze)."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class FreezePolicy:
    def __init__(self, connections: Callable[[], int], minimum: int = 500, growth: float = 1.1):
        self._connections = connections
        self._minimum = minimum
        self._growth = growth
        self.frozen_at = 0  # connections when last frozen; 0: nothing frozen by us

    def check(self) -> str | None:
        n = self._connections()
        if n >= self._minimum and n >= self.frozen_at * self._growth:
            gc.collect(1)  # the young garbage goes first, so that none is frozen
            gc.freeze()
            self.frozen_at = n
            return "froze"
        if self.frozen_at and n < self.frozen_at / 2:
            gc.unfreeze()
            self.frozen_at = 0
            return "unfroze"
        return None

    async def run(self, interval: float = 5.0) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                action = self.check()
            except Exception:
                log.exception("garbage collector policy failed")
            else:
                if action:
                    log.info("garbage collector: %s at %d connections", action, self.frozen_at)
