"""The programme of the day: which segment the meeting clock is in, and when the floor is open."""

from __future__ import annotations

from services.contracts.meeting import Segment, SegmentKind
from services.queue.domain.clock import Instant, to_instant

# A span of the day when the floor is open to delegations; the last one may run on without end.
Window = tuple[Instant, Instant | None]


class Programme:
    def __init__(self, segments: list[Segment]):
        self.segments = segments
        self.starts = [to_instant(segment.starts_at) for segment in segments]
        ends: list[Instant | None] = [*self.starts[1:], None]
        self.floor_windows: list[Window] = [
            (start, end)
            for segment, start, end in zip(segments, self.starts, ends, strict=True)
            if segment.kind is SegmentKind.floor
        ]

    def segment(self, index: int) -> Segment | None:
        return self.segments[index] if 0 <= index < len(self.segments) else None

    def next_start(self, index: int) -> Instant | None:
        """When the segment after `index` begins (index -1: before the programme)."""
        return self.starts[index + 1] if index + 1 < len(self.starts) else None

    @property
    def floor_closes_at(self) -> Instant | None:
        """The end of the last floor window: None if the floor stays open to the end of the programme."""
        return self.floor_windows[-1][1] if self.floor_windows else None

    def floor_time_left(self, since: Instant) -> int | None:
        """Floor time from `since` to the close, breaks skipped; None when the floor has no close."""
        if self.floor_windows and self.floor_windows[-1][1] is None:
            return None
        return sum(max(0, end - max(start, since)) for start, end in self.floor_windows)
