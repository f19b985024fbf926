"""The service layer: finds each meeting's aggregate, hands it a command, keeps the table in step.

No Kafka here: agents.py and timers.py translate messages to calls on the engine."""

from __future__ import annotations

import heapq
import logging
from collections.abc import MutableMapping
from datetime import datetime

from services.contracts import Actor, AdvanceClock, Command, Event, Role, SetUpMeeting
from services.queue.domain import Meeting, MeetingClock

log = logging.getLogger(__name__)


class Engine:
    def __init__(self, table: MutableMapping[str, dict]):
        self._table = table  # snapshots, the durable state
        self._meetings: dict[str, Meeting] = {}  # the aggregates, so a snapshot is read once
        self._dirty: set[str] = set()
        # Next deadlines in real time, earliest first: (real moment, meeting, meeting-clock deadline).
        self._deadlines: list[tuple[datetime, str, datetime]] = []
        self._scheduled: dict[str, datetime] = {}  # the last deadline pushed per meeting
        self._clock_requested: dict[str, datetime] = {}
        # Where each meeting's last command came from, (partition, offset): saved with its snapshot,
        # so a restarted worker knows which of the commands that come again it has handled.
        self._positions: dict[str, tuple[int, int]] = {}

    def meeting(self, meeting_id: str) -> Meeting | None:
        meeting = self._meetings.get(meeting_id)
        if meeting is None:
            snapshot = self._table.get(meeting_id)
            if snapshot is not None:
                meeting = self._meetings[meeting_id] = Meeting.from_snapshot(snapshot)
                if "position" in snapshot:
                    self._positions[meeting_id] = tuple(snapshot["position"])
                self._schedule(meeting)
        return meeting

    def _schedule(self, meeting: Meeting) -> None:
        deadline = meeting.next_deadline()
        # Most commands leave the deadline where it was: one heap entry for it is enough.
        if deadline is not None and self._scheduled.get(meeting.meeting_id) != deadline:
            self._scheduled[meeting.meeting_id] = deadline
            real = MeetingClock(meeting.setup.clock).real_time(deadline)
            heapq.heappush(self._deadlines, (real, meeting.meeting_id, deadline))

    def handle(self, command: Command, position: tuple[int, int] | None = None) -> list[Event]:
        """`position`: where the command came from, (partition, offset), kept with the meeting."""
        meeting = self.meeting(command.meeting_id)
        if meeting is None:
            if not isinstance(command, SetUpMeeting):
                # The registration service checks that a meeting exists before it publishes.
                log.warning("dropping %s for unknown meeting %s", command.type, command.meeting_id)
                return []
            meeting, events = Meeting.set_up(command)
            self._meetings[command.meeting_id] = meeting
        else:
            events = meeting.handle(command)
        # Even without events the state may have moved on: a list change held back for a moment
        # is in the snapshot, and its publication is the meeting's next deadline.
        self._dirty.add(command.meeting_id)
        if position is not None:
            self._positions[command.meeting_id] = position
        self._schedule(meeting)
        return events

    def save(self) -> dict[str, dict]:
        """Writes the snapshot of every meeting changed since the last save; returns them."""
        saved = {}
        for meeting_id in self._dirty:
            snapshot = saved[meeting_id] = self._meetings[meeting_id].to_snapshot()
            if meeting_id in self._positions:
                snapshot["position"] = list(self._positions[meeting_id])
            self._table[meeting_id] = snapshot
        self._dirty.clear()
        return saved

    def last_handled(self, partition: int) -> int | None:
        """The offset of the last command handled from `partition`, as far as the meetings know."""
        self._load_all()
        offsets = [offset for p, offset in self._positions.values() if p == partition]
        return max(offsets) if offsets else None

    def _load_all(self) -> None:
        if len(self._table) > len(self._meetings):  # restored from the changelog, not yet loaded
            for meeting_id in self._table.keys() - self._meetings.keys():
                self.meeting(meeting_id)

    def clock_commands(self, real_now: datetime) -> list[AdvanceClock]:
        """An AdvanceClock for every meeting whose next deadline has come on its own clock.

        The command's id is derived from the deadline: sent twice, it counts once."""
        self._load_all()
        due = []
        while self._deadlines and self._deadlines[0][0] <= real_now:
            _, meeting_id, deadline = heapq.heappop(self._deadlines)
            meeting = self._meetings.get(meeting_id)
            # Entries go stale when a command moved the deadline; the fresh one is in the heap too.
            if meeting is None or meeting.next_deadline() != deadline:
                continue
            if self._clock_requested.get(meeting_id) == deadline:
                continue
            self._clock_requested[meeting_id] = deadline
            due.append(
                AdvanceClock(
                    meeting_id=meeting_id,
                    message_id=f"{meeting_id}:clock:{deadline.isoformat()}",
                    until=deadline,
                    issued_at=real_now,
                    issued_by=Actor(role=Role.system),
                )
            )
        return due

    def forget(self) -> None:
        """Partitions moved: the table is the truth again."""
        self._meetings.clear()
        self._dirty.clear()
        self._deadlines.clear()
        self._scheduled.clear()
        self._clock_requested.clear()
        self._positions.clear()
