"""The worker's faust monitor: faust's own, without its statistics per message.

faust's Monitor counts and times every message and event as it comes in and goes out: about
12 µs a command on this machine (bench/queue_bare_agent.py, 76 against 88 µs), for figures
nothing here reads (faust serves its statistics pages only in debug mode; /healthz is our own).
What faust itself reads is kept: the time each partition's stream last took an event, by which
it warns of a stream that has stopped, and the offsets and commits the monitor records per fetch
and per commit, not per message."""

from __future__ import annotations

from time import monotonic
from typing import Any

from faust.sensors import Monitor


class StallWatch(Monitor):
    def on_message_in(self, tp: Any, offset: int, message: Any) -> None:
        pass

    def on_stream_event_in(self, tp: Any, offset: int, stream: Any, event: Any) -> None:
        self.stream_inbound_time[tp] = monotonic()  # read by faust's check for stopped streams

    def on_stream_event_out(self, tp: Any, offset: int, stream: Any, event: Any, state: Any = None) -> None:
        pass

    def on_message_out(self, tp: Any, offset: int, message: Any) -> None:
        pass
