"""Serialization in one place: JSON bytes on the wire, a `type` field to tell messages apart."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Annotated

from pydantic import Field, TypeAdapter

from services.contracts import commands, events
from services.contracts.base import Message


def _concrete(module, base) -> list[type]:
    return [
        cls
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, base) and cls is not base and "type" in cls.model_fields
    ]


def _union(types: list[type]):
    return reduce(or_, types)


AnyCommand = Annotated[_union(_concrete(commands, commands.Command)), Field(discriminator="type")]
AnyEvent = Annotated[_union(_concrete(events, events.Event)), Field(discriminator="type")]
AnyMessage = Annotated[
    _union(_concrete(commands, commands.Command) + _concrete(events, events.Event)), Field(discriminator="type")
]

_any = TypeAdapter(AnyMessage)
_command = TypeAdapter(AnyCommand)
_event = TypeAdapter(AnyEvent)


def encode(message: Message) -> bytes:
    return message.model_dump_json().encode()


def decode(data: bytes | str):
    """Any command or event from its JSON; raises pydantic.ValidationError on a bad message."""
    return _any.validate_json(data)


def decode_command(data: bytes | str) -> commands.Command:
    return _command.validate_json(data)


def decode_event(data: bytes | str) -> events.Event:
    return _event.validate_json(data)


def message_key(message: Message) -> bytes:
    """Every topic is keyed by meeting, so one meeting's messages stay in order."""
    return message.meeting_id.encode()
