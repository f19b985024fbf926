"""The list-of-speakers engine: pure domain, no I/O. The service layer hands it commands and publishes its events."""

from services.queue.domain.clock import MeetingClock
from services.queue.domain.meeting import FloorView, Meeting, Status

__all__ = ["FloorView", "Meeting", "MeetingClock", "Status"]
