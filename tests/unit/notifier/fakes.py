"""In-memory stand-ins for the notifier's Redis store, for the stream's unit tests."""

from __future__ import annotations

from services.notifier.store import Replay
from services.notifier.stream.hub import Hub
from services.notifier.stream.protocol import event_body
from services.notifier.view import apply, clock_setting, empty_view


class FakeStore:
    """What services.notifier.store.Store offers the streams: the view, its seq and a capped log."""

    def __init__(self, log_size: int = 1000):
        self.views: dict[str, dict] = {}
        self.logs: dict[str, list[tuple[int, str, str]]] = {}
        self.log_size = log_size
        self.reads = 0

    def add(self, event) -> str:
        view = self.views.get(event.meeting_id) or empty_view(event.meeting_id)
        self.views[event.meeting_id] = apply(view, event)
        body = event_body(event)
        log = self.logs.setdefault(event.meeting_id, [])
        log.append((event.seq, event.type, body))
        del log[: -self.log_size]
        return body

    async def seq(self, meeting_id):
        return self.views[meeting_id]["seq"] if meeting_id in self.views else 0

    async def snapshot(self, meeting_id):
        self.reads += 1
        view = self.views.get(meeting_id)
        return (view["seq"], view) if view else None

    async def replay(self, meeting_id, after):
        log = self.logs.get(meeting_id, [])
        return Replay(
            current_seq=await self.seq(meeting_id),
            oldest_seq=log[0][0] if log else None,
            entries=[e for e in log if e[0] > after],
        )


async def publish(store: FakeStore, hub: Hub, events) -> None:
    """As the processor does: store first, then tell the hub."""
    for event in events:
        body = store.add(event)
        await hub.publish(event.meeting_id, event.seq, event.type, body, clock_setting(store.views[event.meeting_id]))


class FakeWriterStore(FakeStore):
    """Adds what the processor writes through: load and the atomic commit (seq check, e-mail dedup)."""

    def __init__(self, log_size: int = 1000):
        super().__init__(log_size)
        self.states: dict[str, object] = {}
        self.jobs: dict[str, object] = {}
        self.commits = 0

    async def load(self, meeting_id):
        return self.states.get(meeting_id)

    async def commit(self, state, meeting_id, type_, body, jobs, score):
        current = self.states.get(meeting_id)
        if current is not None and current.seq >= state.seq:
            return None
        self.commits += 1
        self.states[meeting_id] = state
        self.views[meeting_id] = state.view
        log = self.logs.setdefault(meeting_id, [])
        log.append((state.seq, type_, body))
        queued = 0
        for job in jobs:
            if job.job_id not in self.jobs:
                self.jobs[job.job_id] = job
                queued += 1
        return queued
