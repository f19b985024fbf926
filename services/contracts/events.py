"""Events: what the list of speakers did. Produced only by the queue service on the
events topic; consumed by the notifier (read model, displays, e-mail) and by the
registration service (status of an inscription, replies to e-mail registrants).

Every event carries (meeting_id, seq): seq counts a meeting's events from 1 without
gaps, so a consumer keeps the highest seq it applied and drops anything not above it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from services.contracts.base import Frozen, Message
from services.contracts.commands import Channel
from services.contracts.meeting import Category, Level, MeetingSetup, Segment

__all__ = [
    "CommandRejected",
    "EstimatesChanged",
    "Event",
    "Inscription",
    "InscriptionAccepted",
    "InscriptionWithdrawn",
    "ListChanged",
    "ListClosed",
    "ListEntry",
    "ListReopened",
    "MeetingAdjourned",
    "MeetingConcluded",
    "MeetingResumed",
    "MeetingSetUp",
    "PreWarningGiven",
    "RejectionReason",
    "SegmentBegan",
    "SpeakerAbsent",
    "SpeakerCalled",
    "SpeechEnded",
    "SpeechExtended",
    "SpeechPaused",
    "SpeechRecord",
    "SpeechResumed",
    "SpeechStarted",
    "TimeUp",
]


class Inscription(Frozen):
    inscription_id: str
    delegation: str
    category: Category
    level: Level
    speaker_name: str = ""
    speaker_title: str = ""
    on_behalf_of: str | None = None
    contact_emails: list[str] = Field(default_factory=list)
    channel: Channel = Channel.http
    inscribed_at: datetime  # on the meeting clock
    reply: int = Field(default=0, ge=0, le=2)  # 1 or 2: the delegation's first or second reply; 0: a statement


class ListEntry(Frozen):
    """A waiting speaker as the rolling list shows it."""

    position: int  # 1 is next
    inscription: Inscription
    estimated_at: datetime | None = None  # estimated time of speaking, meeting clock
    likely_reached: bool = True


class SpeechRecord(Frozen):
    inscription: Inscription
    called_at: datetime
    started_at: datetime | None
    ended_at: datetime
    limit_seconds: int
    duration_seconds: float  # time actually speaking, pauses excluded
    overrun_seconds: float


class Event(Message):
    seq: int = Field(ge=1)
    occurred_at: datetime  # on the meeting clock


class MeetingSetUp(Event):
    type: Literal["MeetingSetUp"] = "MeetingSetUp"
    setup: MeetingSetup


class SegmentBegan(Event):
    type: Literal["SegmentBegan"] = "SegmentBegan"
    index: int
    segment: Segment
    next_segment: Segment | None = None


class InscriptionAccepted(Event):
    type: Literal["InscriptionAccepted"] = "InscriptionAccepted"
    command_id: str
    inscription: Inscription
    position: int
    estimated_at: datetime | None = None


class InscriptionWithdrawn(Event):
    type: Literal["InscriptionWithdrawn"] = "InscriptionWithdrawn"
    command_id: str
    inscription_id: str
    delegation: str


class ListChanged(Event):
    """The whole list of waiting speakers after a change, with a version that only grows."""

    type: Literal["ListChanged"] = "ListChanged"
    version: int
    reason: str
    speakers: list[ListEntry]
    closed: bool


class EstimatesChanged(Event):
    type: Literal["EstimatesChanged"] = "EstimatesChanged"
    average_speech_seconds: float
    floor_closes_at: datetime | None
    estimated_end_at: datetime | None  # when the last waiting speaker should finish
    # Positive: the list needs this many minutes more than the floor has left.
    oversubscription_minutes: float
    not_reached: list[str]  # inscription ids unlikely to be reached


class SpeakerCalled(Event):
    type: Literal["SpeakerCalled"] = "SpeakerCalled"
    inscription: Inscription
    limit_seconds: int
    next_up: list[Inscription] = Field(default_factory=list)


class SpeechStarted(Event):
    type: Literal["SpeechStarted"] = "SpeechStarted"
    inscription_id: str
    limit_seconds: int
    deadline_at: datetime
    pre_warning_at: datetime


class SpeechPaused(Event):
    type: Literal["SpeechPaused"] = "SpeechPaused"
    inscription_id: str
    remaining_seconds: float


class SpeechResumed(Event):
    type: Literal["SpeechResumed"] = "SpeechResumed"
    inscription_id: str
    deadline_at: datetime
    pre_warning_at: datetime


class SpeechExtended(Event):
    type: Literal["SpeechExtended"] = "SpeechExtended"
    inscription_id: str
    seconds: int
    deadline_at: datetime
    pre_warning_at: datetime


class PreWarningGiven(Event):
    type: Literal["PreWarningGiven"] = "PreWarningGiven"
    inscription_id: str
    remaining_seconds: float


class TimeUp(Event):
    type: Literal["TimeUp"] = "TimeUp"
    inscription_id: str


class SpeechEnded(Event):
    type: Literal["SpeechEnded"] = "SpeechEnded"
    record: SpeechRecord


class SpeakerAbsent(Event):
    type: Literal["SpeakerAbsent"] = "SpeakerAbsent"
    inscription_id: str
    action: Literal["end_of_list", "places_down", "dropped"]
    new_position: int | None


class ListClosed(Event):
    type: Literal["ListClosed"] = "ListClosed"


class ListReopened(Event):
    type: Literal["ListReopened"] = "ListReopened"


class MeetingAdjourned(Event):
    type: Literal["MeetingAdjourned"] = "MeetingAdjourned"


class MeetingResumed(Event):
    type: Literal["MeetingResumed"] = "MeetingResumed"


class MeetingConcluded(Event):
    type: Literal["MeetingConcluded"] = "MeetingConcluded"
    not_reached: list[Inscription]


RejectionReason = Literal[
    "meeting_unknown",
    "meeting_exists",
    "list_closed",
    "inscription_not_open",
    "inscription_closed",
    "already_inscribed",
    "no_right_of_reply",
    "replies_used",
    "duplicate_inscription_id",
    "not_on_list",
    "not_floor_turn",
    "no_speaker_called",
    "speech_not_started",
    "speech_already_started",
    "speech_not_paused",
    "speaker_still_on_floor",
    "list_empty",
    "swaps_not_allowed",
    "meeting_adjourned",
    "meeting_not_adjourned",
    "meeting_concluded",
    "invalid_position",
]


class CommandRejected(Event):
    """A command the list of speakers refused, with a reason its issuer can act on."""

    type: Literal["CommandRejected"] = "CommandRejected"
    command_id: str
    command_type: str
    reason_code: RejectionReason
    reason: str
    inscription_id: str | None = None
    delegation: str | None = None
    # For a refused inscription: whom to tell (the e-mail registrant's address is among them).
    contact_emails: list[str] = Field(default_factory=list)
