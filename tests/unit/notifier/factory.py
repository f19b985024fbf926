"""A meeting played by hand: the contract events the queue would publish, with seq counting from 1.

Not the queue's engine: a minimal stand-in (order of inscription, an estimate of 200 s a speaker) so the
notifier's tests need neither the queue nor its domain."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from services.contracts import (
    Category,
    ClockSetting,
    CommandRejected,
    EstimatesChanged,
    Event,
    Inscription,
    InscriptionAccepted,
    InscriptionWithdrawn,
    Level,
    ListChanged,
    ListClosed,
    ListEntry,
    MeetingConcluded,
    MeetingSetUp,
    MeetingSetup,
    Segment,
    SegmentBegan,
    SpeakerAbsent,
    SpeakerCalled,
    SpeechEnded,
    SpeechExtended,
    SpeechPaused,
    SpeechRecord,
    SpeechResumed,
    SpeechStarted,
)

NEW_YORK = timezone(timedelta(hours=-4))
START = datetime(2017, 9, 6, 15, 0, tzinfo=NEW_YORK)
SLOT = 200  # seconds a speaker, for the estimates


class MeetingScript:
    def __init__(self, meeting_id: str | None = None, now: datetime = START, clock: ClockSetting | None = None):
        self.meeting_id = meeting_id or f"m-{uuid.uuid4().hex[:12]}"
        self.now = now
        self.seq = 0
        self.version = 0
        self.clock = clock or ClockSetting()
        self.waiting: list[Inscription] = []
        self.closed = False
        self.called: Inscription | None = None
        self.started_at: datetime | None = None
        self.called_at: datetime | None = None
        self.limit = 180
        self.records: list[SpeechRecord] = []
        self.not_reached: list[str] = []

    # --- plumbing -----------------------------------------------------------------------------
    def _next(self, cls, **fields) -> Event:
        self.seq += 1
        return cls(meeting_id=self.meeting_id, seq=self.seq, occurred_at=self.now, **fields)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def estimated_at(self, position: int) -> datetime:
        return self.now + timedelta(seconds=SLOT * position)

    def entries(self) -> list[ListEntry]:
        return [
            ListEntry(
                position=i,
                inscription=ins,
                estimated_at=self.estimated_at(i),
                likely_reached=ins.inscription_id not in self.not_reached,
            )
            for i, ins in enumerate(self.waiting, start=1)
        ]

    def list_changed(self, reason: str) -> ListChanged:
        self.version += 1
        return self._next(ListChanged, version=self.version, reason=reason, speakers=self.entries(), closed=self.closed)

    def find(self, inscription_id: str) -> Inscription:
        return next(i for i in self.waiting if i.inscription_id == inscription_id)

    # --- the meeting --------------------------------------------------------------------------
    def set_up(self, title: str = "Informal interactive dialogue on the Responsibility to Protect") -> list[Event]:
        setup = MeetingSetup(
            title=title,
            venue="Conference Room 4",
            timezone="America/New_York",
            programme=[
                Segment(starts_at=self.now, kind="floor", title="The floor is open"),
                Segment(starts_at=self.now + timedelta(hours=3), kind="concluded", title="Concludes"),
            ],
            clock=self.clock,
            delegation_addresses={"Ireland": ["secret-ireland@example.org"]},
        )
        return [self._next(MeetingSetUp, setup=setup)]

    def open_floor(self) -> list[Event]:
        segment = Segment(starts_at=self.now, kind="floor", title="The floor is open")
        return [self._next(SegmentBegan, index=0, segment=segment)]

    def inscribe(
        self,
        delegation: str,
        emails: list[str] | None = None,
        category: Category = Category.member_state,
        speaker_name: str = "",
        on_behalf_of: str | None = None,
        at: int | None = None,
    ) -> list[Event]:
        inscription = Inscription(
            inscription_id=uuid.uuid4().hex,
            delegation=delegation,
            category=category,
            level=Level.head_of_delegation,
            speaker_name=speaker_name or f"Representative of {delegation}",
            on_behalf_of=on_behalf_of,
            contact_emails=emails if emails is not None else [f"{delegation.lower().replace(' ', '-')}@example.org"],
            inscribed_at=self.now,
        )
        if at is None:
            self.waiting.append(inscription)
        else:
            self.waiting.insert(at - 1, inscription)
        position = self.waiting.index(inscription) + 1
        accepted = self._next(
            InscriptionAccepted,
            command_id=uuid.uuid4().hex,
            inscription=inscription,
            position=position,
            estimated_at=self.estimated_at(position),
        )
        return [accepted, self.list_changed("inscribed")]

    def reject(self, delegation: str, emails: list[str], reason_code: str = "list_closed") -> list[Event]:
        return [
            self._next(
                CommandRejected,
                command_id=uuid.uuid4().hex,
                command_type="InscribeSpeaker",
                reason_code=reason_code,
                reason="The list of speakers is closed.",
                inscription_id=uuid.uuid4().hex,
                delegation=delegation,
                contact_emails=emails,
            )
        ]

    def withdraw(self, inscription_id: str) -> list[Event]:
        ins = self.find(inscription_id)
        self.waiting.remove(ins)
        return [
            self._next(InscriptionWithdrawn, command_id=uuid.uuid4().hex, inscription_id=inscription_id,
                       delegation=ins.delegation),
            self.list_changed("withdrawn"),
        ]  # fmt: skip

    def move(self, inscription_id: str, position: int) -> list[Event]:
        ins = self.find(inscription_id)
        self.waiting.remove(ins)
        self.waiting.insert(position - 1, ins)
        return [self.list_changed("moved")]

    def call_next(self) -> list[Event]:
        self.called = self.waiting.pop(0)
        self.called_at = self.now
        called = self._next(SpeakerCalled, inscription=self.called, limit_seconds=self.limit,
                            next_up=self.waiting[:2])  # fmt: skip
        return [called, self.list_changed("called")]

    def start(self) -> list[Event]:
        self.started_at = self.now
        deadline = self.now + timedelta(seconds=self.limit)
        return [
            self._next(SpeechStarted, inscription_id=self.called.inscription_id, limit_seconds=self.limit,
                       deadline_at=deadline, pre_warning_at=deadline - timedelta(seconds=30))
        ]  # fmt: skip

    def pause(self, remaining: float) -> list[Event]:
        return [self._next(SpeechPaused, inscription_id=self.called.inscription_id, remaining_seconds=remaining)]

    def resume(self, remaining: float) -> list[Event]:
        deadline = self.now + timedelta(seconds=remaining)
        return [self._next(SpeechResumed, inscription_id=self.called.inscription_id, deadline_at=deadline,
                           pre_warning_at=deadline - timedelta(seconds=30))]  # fmt: skip

    def extend(self, seconds: int, deadline: datetime) -> list[Event]:
        return [self._next(SpeechExtended, inscription_id=self.called.inscription_id, seconds=seconds,
                           deadline_at=deadline, pre_warning_at=deadline - timedelta(seconds=30))]  # fmt: skip

    def end(self) -> list[Event]:
        duration = (self.now - self.started_at).total_seconds()
        record = SpeechRecord(
            inscription=self.called,
            called_at=self.called_at,
            started_at=self.started_at,
            ended_at=self.now,
            limit_seconds=self.limit,
            duration_seconds=duration,
            overrun_seconds=max(0.0, duration - self.limit),
        )
        self.records.append(record)
        self.called = None
        return [self._next(SpeechEnded, record=record)]

    def speak(self, seconds: float) -> list[Event]:
        """Call the next speaker, who speaks `seconds` and stops."""
        events = self.call_next()
        self.advance(10)
        events += self.start()
        self.advance(seconds)
        events += self.end()
        self.advance(10)
        return events

    def absent(self) -> list[Event]:
        ins = self.called
        self.called = None
        self.waiting.append(ins)
        return [
            self._next(SpeakerAbsent, inscription_id=ins.inscription_id, action="end_of_list",
                       new_position=len(self.waiting)),
            self.list_changed("absent"),
        ]  # fmt: skip

    def close(self, not_reached: list[str] | None = None, floor_closes_at: datetime | None = None) -> list[Event]:
        self.closed = True
        self.not_reached = not_reached or []
        return [
            self._next(ListClosed),
            self.list_changed("closed"),
            self.estimates(floor_closes_at),
        ]

    def estimates(self, floor_closes_at: datetime | None = None) -> Event:
        return self._next(
            EstimatesChanged,
            average_speech_seconds=SLOT,
            floor_closes_at=floor_closes_at,
            estimated_end_at=self.estimated_at(len(self.waiting) + 1),
            oversubscription_minutes=len(self.not_reached) * SLOT / 60,
            not_reached=self.not_reached,
        )

    def conclude(self) -> list[Event]:
        not_reached = list(self.waiting)
        self.waiting = []
        return [self._next(MeetingConcluded, not_reached=not_reached)]
