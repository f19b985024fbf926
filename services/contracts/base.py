from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

MeetingId = str


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class Frozen(BaseModel):
    """An immutable value: messages and their parts are never changed once made."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Message(Frozen):
    """Fields every message carries. `message_id` is what consumers deduplicate on."""

    schema_version: int = SCHEMA_VERSION
    message_id: str = Field(default_factory=new_id)
    meeting_id: MeetingId
