"""Commands: what the secretariat, the chair and the delegations ask of the list of speakers.

Produced by the registration service (and, for the clock, by the queue service's own
timer) on the commands topic; consumed only by the queue service.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import EmailStr, Field

from services.contracts.base import Frozen, Message, utcnow
from services.contracts.meeting import Category, Level, MeetingSetup, Statement

__all__ = [
    "Actor",
    "AdjournMeeting",
    "AdvanceClock",
    "CallNextSpeaker",
    "Channel",
    "CloseList",
    "Command",
    "ConcludeMeeting",
    "EndSpeech",
    "ExtendSpeech",
    "InscribeSpeaker",
    "MarkAbsent",
    "MoveSpeaker",
    "PauseSpeech",
    "ReaddSpeaker",
    "ReopenList",
    "ResumeMeeting",
    "ResumeSpeech",
    "Role",
    "SetUpMeeting",
    "StartSpeech",
    "SwapSpeakers",
    "WithdrawInscription",
]


class Role(StrEnum):
    secretariat = "secretariat"
    chair = "chair"
    delegation = "delegation"
    display = "display"
    system = "system"  # the queue service's own clock


class Channel(StrEnum):
    http = "http"
    email = "email"
    console = "console"


class Actor(Frozen):
    """Who issued a command: a role, and for a delegation the delegation it acts for."""

    role: Role
    delegation: str | None = None


class Command(Message):
    issued_at: datetime = Field(default_factory=utcnow)
    issued_by: Actor = Actor(role=Role.secretariat)


class SetUpMeeting(Command):
    type: Literal["SetUpMeeting"] = "SetUpMeeting"
    setup: MeetingSetup


class InscribeSpeaker(Command):
    """A delegation asks to be inscribed on the list of speakers."""

    type: Literal["InscribeSpeaker"] = "InscribeSpeaker"
    inscription_id: str
    delegation: str = Field(min_length=1, max_length=200)
    category: Category = Category.member_state
    level: Level = Level.other
    speaker_name: str = Field(default="", max_length=200)
    speaker_title: str = Field(default="", max_length=200)
    on_behalf_of: str | None = Field(default=None, max_length=200)
    contact_emails: list[EmailStr] = Field(default_factory=list, max_length=10)
    channel: Channel = Channel.http
    statement: Statement = Statement.statement


class WithdrawInscription(Command):
    type: Literal["WithdrawInscription"] = "WithdrawInscription"
    inscription_id: str


class CloseList(Command):
    type: Literal["CloseList"] = "CloseList"


class ReopenList(Command):
    type: Literal["ReopenList"] = "ReopenList"


class MoveSpeaker(Command):
    """The secretariat moves a waiting speaker to a place on the list (1 is next)."""

    type: Literal["MoveSpeaker"] = "MoveSpeaker"
    inscription_id: str
    position: int = Field(ge=1)


class SwapSpeakers(Command):
    """Two waiting speakers exchange places; consent is checked before it is issued."""

    type: Literal["SwapSpeakers"] = "SwapSpeakers"
    first_inscription_id: str
    second_inscription_id: str


class ReaddSpeaker(Command):
    """Put a speaker who has spoken, withdrawn or been dropped back at the end of the list."""

    type: Literal["ReaddSpeaker"] = "ReaddSpeaker"
    inscription_id: str


class CallNextSpeaker(Command):
    type: Literal["CallNextSpeaker"] = "CallNextSpeaker"


class StartSpeech(Command):
    type: Literal["StartSpeech"] = "StartSpeech"


class PauseSpeech(Command):
    type: Literal["PauseSpeech"] = "PauseSpeech"


class ResumeSpeech(Command):
    type: Literal["ResumeSpeech"] = "ResumeSpeech"


class ExtendSpeech(Command):
    type: Literal["ExtendSpeech"] = "ExtendSpeech"
    seconds: int = Field(default=30, ge=1, le=3600)


class EndSpeech(Command):
    type: Literal["EndSpeech"] = "EndSpeech"


class MarkAbsent(Command):
    """The called speaker is not in the room."""

    type: Literal["MarkAbsent"] = "MarkAbsent"


class AdjournMeeting(Command):
    type: Literal["AdjournMeeting"] = "AdjournMeeting"


class ResumeMeeting(Command):
    type: Literal["ResumeMeeting"] = "ResumeMeeting"


class ConcludeMeeting(Command):
    type: Literal["ConcludeMeeting"] = "ConcludeMeeting"


class AdvanceClock(Command):
    """The queue service's timer: the meeting clock has reached `until`.

    Its message_id is derived from the meeting and the moment, so a timer that fires
    twice (or again after a restart) issues a duplicate that changes nothing."""

    type: Literal["AdvanceClock"] = "AdvanceClock"
    until: datetime
