"""A meeting driven command by command, as the queue service would, with every event checked
against the contracts and the numbering of events checked to have no gaps."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from services.contracts import (
    AdvanceClock,
    CommandRejected,
    Event,
    InscribeSpeaker,
    MeetingSetup,
    SetUpMeeting,
    encode,
)
from services.contracts.commands import Command
from services.contracts.serialization import decode_event
from services.queue.domain import Meeting

ROOT = Path(__file__).resolve().parents[3]
MEETING_ID = "ga-r2p-2017"
NEW_YORK = timezone(timedelta(hours=-4))  # EDT, on 6 September 2017

E = TypeVar("E", bound=Event)


def at(hour: int, minute: int = 0, second: int = 0, day: int = 6) -> datetime:
    """A moment of September 2017 in New York."""
    return datetime(2017, 9, day, hour, minute, second, tzinfo=NEW_YORK)


def r2p_setup(**changes: Any) -> MeetingSetup:
    """The 2017 dialogue as deployed; `changes` replace top-level settings, e.g. ordering=OrderingPolicy(...)."""
    data = json.loads((ROOT / "deploy/meetings/ga-r2p-2017.json").read_text())["setup"]
    return MeetingSetup.model_validate(data).model_copy(update=changes)


def of_type(events: list[Event], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def one(events: list[Event], kind: type[E]) -> E:
    found = of_type(events, kind)
    assert len(found) == 1, f"expected one {kind.__name__} in {[e.type for e in events]}"
    return found[0]


def rejection(events: list[Event]) -> CommandRejected:
    return one(events, CommandRejected)


def types(events: list[Event]) -> list[str]:
    return [e.type for e in events]


class Session:
    """One meeting and everything it emitted. Command ids are numbered, so two sessions given
    the same calls send the same commands."""

    def __init__(self, setup: MeetingSetup | None = None, set_up_at: datetime = at(9)):
        self._next_id = 0
        self._mail = set_up_at  # requests inscribed without a time arrive a minute apart from here
        command = SetUpMeeting(
            meeting_id=MEETING_ID, message_id=self._new_id(), setup=setup or r2p_setup(), issued_at=set_up_at
        )
        self.meeting, events = Meeting.set_up(command)
        self.events: list[Event] = []
        self.commands: list[Command] = [command]
        self._check(events)

    def _new_id(self) -> str:
        self._next_id += 1
        return f"command-{self._next_id}"

    def _check(self, events: list[Event]) -> None:
        for event in events:
            assert decode_event(encode(event)) == event, f"{event.type} does not survive the wire"
            assert event.seq == len(self.events) + 1, "events are numbered without gaps"
            assert event.message_id == f"{MEETING_ID}:{event.seq}"
            self.events.append(event)
        assert self.meeting.seq == len(self.events)

    def send(self, command: Command) -> list[Event]:
        events = self.meeting.handle(command)
        self.commands.append(command)
        self._check(events)
        assert len(of_type(events, CommandRejected)) <= 1
        return events

    def do(self, kind: type[Command], when: datetime, **fields: Any) -> list[Event]:
        return self.send(kind(meeting_id=MEETING_ID, message_id=self._new_id(), issued_at=when, **fields))

    def advance(self, until: datetime) -> list[Event]:
        return self.send(AdvanceClock(meeting_id=MEETING_ID, message_id=self._new_id(), until=until, issued_at=until))

    def inscribe(self, delegation: str, when: datetime | None = None, **fields: Any) -> list[Event]:
        if when is None:
            self._mail = when = self._mail + timedelta(minutes=1)
        fields.setdefault("inscription_id", delegation.lower().replace(" ", "-"))
        return self.do(InscribeSpeaker, when, delegation=delegation, **fields)

    def waiting_ids(self) -> list[str]:
        return [i.inscription_id for i in self.meeting.waiting]
