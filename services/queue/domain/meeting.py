"""The meeting: one meeting's list of speakers, its floor, its programme and its record.

An aggregate: it takes a command and returns the events the command led to, and does nothing
else (no I/O, no wall clock). The time of a command is its `issued_at` on the meeting clock,
or `until` for the meeting's own AdvanceClock, never earlier than the last time seen. Before
any command is applied, the meeting clock catches up to that time: pre-warnings, time ups and
programme changes still due are given first, in the order they fell due, so the state always
agrees with the clock even when a timer fires late.

Events are numbered 1, 2, 3 ... per meeting and their ids derive from that number, so handling
the same commands from the same snapshot gives equal events; a command already handled (same
message_id) gives none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from services.contracts.commands import (
    AdjournMeeting,
    AdvanceClock,
    CallNextSpeaker,
    CloseList,
    Command,
    ConcludeMeeting,
    EndSpeech,
    ExtendSpeech,
    InscribeSpeaker,
    MarkAbsent,
    MoveSpeaker,
    PauseSpeech,
    ReaddSpeaker,
    ReopenList,
    ResumeMeeting,
    ResumeSpeech,
    SetUpMeeting,
    StartSpeech,
    SwapSpeakers,
    WithdrawInscription,
)
from services.contracts.events import (
    CommandRejected,
    EstimatesChanged,
    Event,
    Inscription,
    InscriptionAccepted,
    InscriptionWithdrawn,
    ListChanged,
    ListClosed,
    ListReopened,
    MeetingAdjourned,
    MeetingConcluded,
    MeetingResumed,
    MeetingSetUp,
    PreWarningGiven,
    RejectionReason,
    SegmentBegan,
    SpeakerAbsent,
    SpeakerCalled,
    SpeechEnded,
    SpeechExtended,
    SpeechPaused,
    SpeechRecord,
    SpeechResumed,
    SpeechStarted,
    TimeUp,
)
from services.contracts.meeting import MeetingSetup, Segment, SegmentKind, Statement
from services.queue.domain.clock import (
    MINUTE,
    SECOND,
    Instant,
    MeetingClock,
    local_day_and_time,
    local_time,
    seconds,
    to_datetime,
    to_instant,
)
from services.queue.domain.estimates import Basis, RollingList, reckoning_start
from services.queue.domain.floor import Speech
from services.queue.domain.ordering import SpeakersList, SpeakingKey, SpeakingOrder
from services.queue.domain.programme import Programme

E = TypeVar("E", bound=Event)

SNAPSHOT_VERSION = 1
NEXT_UP = 3  # how many waiting speakers a call announces
PUBLICATION_INTERVAL = SECOND  # the rolling list is published at most once in this time


class Status(StrEnum):
    waiting = "waiting"
    called = "called"  # has the floor
    spoke = "spoke"
    withdrawn = "withdrawn"
    dropped = "dropped"  # absent when called, under the `dropped` policy


@dataclass
class Inscribed:
    inscription: Inscription
    order: int  # order of inscription: 1 for the first request accepted
    status: Status


@dataclass(frozen=True)
class FloorView:
    """The speaker holding the floor, as the room's display shows it."""

    inscription: Inscription
    called_at: datetime
    started_at: datetime | None
    paused: bool
    limit_seconds: int
    extended_seconds: int
    deadline_at: datetime | None  # while the speech runs


class Refused(Exception):
    """A command the rules do not allow; it becomes a CommandRejected."""

    def __init__(
        self,
        code: RejectionReason,
        reason: str,
        *,
        inscription_id: str | None = None,
        delegation: str | None = None,
    ):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.inscription_id = inscription_id
        self.delegation = delegation


def _speaker_identity(delegation: str, on_behalf_of: str | None) -> tuple[str, str]:
    """A delegation speaking for a group is a different speaker from the same delegation in its own name."""

    def norm(text: str | None) -> str:
        return " ".join((text or "").split()).casefold()

    return norm(delegation), norm(on_behalf_of)


class Meeting:
    def __init__(self, meeting_id: str, setup: MeetingSetup, now: Instant):
        self._meeting_id = meeting_id
        self._setup = setup
        # The set-up and the inscriptions never change once made: their JSON is computed once for all snapshots.
        self._setup_json = setup.model_dump(mode="json")
        self._inscription_json: dict[str, dict[str, Any]] = {}
        self._clock = MeetingClock(setup.clock)
        self._programme = Programme(setup.programme)
        self._order = SpeakingOrder(setup.ordering)
        self._limits = setup.time_limits
        self._zone = setup.programme[0].starts_at.tzinfo  # the meeting's local time, for plain-language reasons
        self._seq = 0
        self._now = now
        self._handled: dict[str, None] = {}  # message ids, in the order handled
        self._list_version = 0
        self._inscribed: dict[str, Inscribed] = {}
        self._by_speaker: dict[tuple[str, str], list[str]] = {}
        self._next_order = 1
        self._list = SpeakersList()
        self._closed_at: Instant | None = None
        self._closed_by = ""
        self._segment = -1  # index in the programme; -1 before it begins
        self._adjourned = False
        self._concluded_at: Instant | None = None
        self._speech: Speech | None = None
        self._record: list[SpeechRecord] = []
        self._heard_total = 0  # speaking time of every speech that started, for the mean
        self._heard_count = 0
        self._rolling = RollingList(self._programme.floor_windows, self._limits)
        self._published_at: Instant | None = None  # when the rolling list was last published
        self._publication_due: Instant | None = None  # when changes held back are to be published
        self._pending_reasons: list[str] = []
        self._pending_estimates = False
        self._events: list[Event] = []

    # ------------------------------------------------------------------ entry points

    @classmethod
    def set_up(cls, command: SetUpMeeting) -> tuple[Meeting, list[Event]]:
        now = to_instant(MeetingClock(command.setup.clock).meeting_time(command.issued_at))
        meeting = cls(command.meeting_id, command.setup, now)
        meeting._handled[command.message_id] = None
        meeting._emit(MeetingSetUp, setup=command.setup)
        meeting._catch_up(now)
        return meeting, meeting._take_events()

    def handle(self, command: Command) -> list[Event]:
        if command.meeting_id != self._meeting_id:
            raise ValueError(f"command for meeting {command.meeting_id} sent to meeting {self._meeting_id}")
        if command.message_id in self._handled:
            return []
        handler = self._handlers.get(command.type)
        if handler is None:
            raise TypeError(f"the list of speakers has no handler for {command.type}")
        self._handled[command.message_id] = None
        moment = command.until if isinstance(command, AdvanceClock) else self._clock.meeting_time(command.issued_at)
        concluded_before = self.concluded
        self._catch_up(to_instant(moment))
        try:
            if concluded_before or (self.concluded and not isinstance(command, AdvanceClock)):
                raise Refused(
                    "meeting_concluded",
                    f"The meeting concluded at {self._local(self._concluded_at)}; the list of speakers is final.",
                )
            handler(self, command)
        except Refused as refusal:
            self._emit(
                CommandRejected,
                command_id=command.message_id,
                command_type=command.type,
                reason_code=refusal.code,
                reason=refusal.reason,
                inscription_id=refusal.inscription_id,
                delegation=refusal.delegation,
                # A refused request by e-mail is answered by e-mail: the notifier needs the addresses.
                contact_emails=list(command.contact_emails) if isinstance(command, InscribeSpeaker) else [],
            )
        return self._take_events()

    def next_deadline(self) -> datetime | None:
        due = self._next_due()
        return None if due is None else to_datetime(due[0])

    # ------------------------------------------------------------------ read-only views

    @property
    def meeting_id(self) -> str:
        return self._meeting_id

    @property
    def setup(self) -> MeetingSetup:
        return self._setup

    @property
    def seq(self) -> int:
        return self._seq

    @property
    def now(self) -> datetime:
        return to_datetime(self._now)

    @property
    def list_version(self) -> int:
        return self._list_version

    @property
    def waiting(self) -> list[Inscription]:
        return [self._inscribed[i].inscription for i in self._list.ids]

    @property
    def floor(self) -> FloorView | None:
        speech = self._speech
        if speech is None:
            return None
        return FloorView(
            inscription=self._inscribed[speech.inscription_id].inscription,
            called_at=to_datetime(speech.called_at),
            started_at=None if speech.started_at is None else to_datetime(speech.started_at),
            paused=speech.paused,
            limit_seconds=speech.limit_seconds,
            extended_seconds=speech.extended_seconds,
            deadline_at=to_datetime(speech.deadline(self._now)) if speech.running else None,
        )

    @property
    def record(self) -> list[SpeechRecord]:
        return list(self._record)

    @property
    def closed(self) -> bool:
        return self._closed_at is not None

    @property
    def adjourned(self) -> bool:
        return self._adjourned

    @property
    def concluded(self) -> bool:
        return self._concluded_at is not None

    @property
    def segment(self) -> Segment | None:
        return self._programme.segment(self._segment)

    def status_of(self, inscription_id: str) -> Status | None:
        inscribed = self._inscribed.get(inscription_id)
        return None if inscribed is None else inscribed.status

    def position_of(self, inscription_id: str) -> int | None:
        return self._list.index(inscription_id) + 1 if inscription_id in self._list else None

    # ------------------------------------------------------------------ the list of speakers

    def _inscribe(self, command: InscribeSpeaker) -> None:
        now, inscription_id = self._now, command.inscription_id
        refuse = dict(inscription_id=inscription_id, delegation=command.delegation)
        existing = self._inscribed.get(inscription_id)
        if existing is not None:
            raise Refused(
                "duplicate_inscription_id",
                f"The inscription id {inscription_id} is already used by the inscription of "
                f"{existing.inscription.delegation}; a new request needs a new id.",
                **refuse,
            )
        speaker = _speaker_identity(command.delegation, command.on_behalf_of)
        if command.statement is Statement.reply:
            reply = self._next_reply(command.delegation, refuse)
        else:
            reply = 0
            self._check_open_for_statements(refuse)
            if not self._setup.ordering.allow_second_inscription:
                for other_id in self._by_speaker.get(speaker, ()):
                    self._refuse_second_inscription(self._inscribed[other_id], **refuse)

        inscription = Inscription(
            inscription_id=inscription_id,
            delegation=command.delegation,
            category=command.category,
            level=command.level,
            speaker_name=command.speaker_name,
            speaker_title=command.speaker_title,
            on_behalf_of=command.on_behalf_of,
            contact_emails=list(command.contact_emails),
            channel=command.channel,
            inscribed_at=to_datetime(now),
            reply=reply,
        )
        inscribed = Inscribed(inscription, self._next_order, Status.waiting)
        self._next_order += 1
        self._inscribed[inscription_id] = inscribed
        if not reply:  # a reply is not a second inscription on the list of speakers
            self._by_speaker.setdefault(speaker, []).append(inscription_id)
        index = self._list.place(inscription_id, self._key(inscribed))
        self._rolling.invalidate_from(index)
        estimated_at = self._rolling.estimate(self._list.ids, self._inscription_of, self._basis(), index)
        self._emit(
            InscriptionAccepted,
            command_id=command.message_id,
            inscription=inscription,
            position=index + 1,
            estimated_at=to_datetime(estimated_at),
        )
        self._list_changed("inscribed")

    def _check_open_for_statements(self, refuse: dict[str, Any]) -> None:
        now = self._now
        if self._closed_at is not None:
            raise Refused("list_closed", f"{self._closed_reason()}; inscriptions are no longer accepted.", **refuse)
        opens, closes = self._setup.inscription_opens_at, self._setup.inscription_closes_at
        if opens is not None and now < to_instant(opens):
            raise Refused(
                "inscription_not_open",
                f"Inscription opens at {local_day_and_time(to_instant(opens), self._zone)}; "
                "please send the request again from then.",
                **refuse,
            )
        if closes is not None and now >= to_instant(closes):
            raise Refused(
                "inscription_closed",
                f"Inscription closed at {local_day_and_time(to_instant(closes), self._zone)}; "
                "the list of speakers no longer accepts requests.",
                **refuse,
            )

    def _next_reply(self, delegation: str, refuse: dict[str, Any]) -> int:
        """Which reply this is for the delegation, 1 or 2; refused where the rules allow none or no more."""
        if not self._setup.right_of_reply:
            raise Refused(
                "no_right_of_reply",
                "This meeting has no right of reply (an informal dialogue); ask to speak on the list of speakers.",
                **refuse,
            )
        name = _speaker_identity(delegation, None)[0]
        replies = sum(
            1
            for i in self._inscribed.values()
            if i.inscription.reply
            and i.status not in (Status.withdrawn, Status.dropped)
            and _speaker_identity(i.inscription.delegation, None)[0] == name
        )
        if replies >= 2:
            first, second = self._limits.first_reply_seconds // 60, self._limits.second_reply_seconds // 60
            raise Refused(
                "replies_used",
                f"{delegation} has already been inscribed for two replies, the most the rules allow "
                f"({first} and then {second} minutes).",
                **refuse,
            )
        return replies + 1

    def _refuse_second_inscription(self, other: Inscribed, **refuse: Any) -> None:
        delegation = other.inscription.delegation
        if other.status is Status.waiting:
            position = self.position_of(other.inscription.inscription_id)
            where = f"is already on the list of speakers, in position {position}"
        elif other.status is Status.called:
            where = "has the floor now"
        elif other.status is Status.spoke:
            where = "has already spoken in this meeting"
        else:
            return
        raise Refused("already_inscribed", f"{delegation} {where}; a delegation may inscribe only once.", **refuse)

    def _withdraw(self, command: WithdrawInscription) -> None:
        inscribed = self._waiting_inscription(command.inscription_id)
        index = self._list.remove(command.inscription_id)
        inscribed.status = Status.withdrawn
        self._rolling.invalidate_from(index)
        self._emit(
            InscriptionWithdrawn,
            command_id=command.message_id,
            inscription_id=command.inscription_id,
            delegation=inscribed.inscription.delegation,
        )
        self._list_changed("withdrawn")

    def _close_list(self, command: CloseList) -> None:
        if self._closed_at is not None:
            return  # already closed: asking again changes nothing (the contracts have no reason for it)
        self._closed_at, self._closed_by = self._now, command.issued_by.role.value
        self._emit(ListClosed)
        self._list_changed("closed", estimates=False)

    def _reopen_list(self, command: ReopenList) -> None:
        if self._closed_at is None:
            return  # already open: nothing to do
        self._closed_at = None
        self._emit(ListReopened)
        self._list_changed("reopened", estimates=False)

    def _move(self, command: MoveSpeaker) -> None:
        self._waiting_inscription(command.inscription_id)
        waiting = len(self._list)
        if command.position > waiting:
            raise Refused(
                "invalid_position",
                f"The list has {waiting} waiting speakers; choose a place from 1 to {waiting}.",
                inscription_id=command.inscription_id,
            )
        origin = self._list.move(command.inscription_id, command.position - 1)
        self._rolling.invalidate_from(min(origin, command.position - 1))
        self._list_changed("moved")

    def _swap(self, command: SwapSpeakers) -> None:
        if not self._setup.ordering.allow_swaps:
            raise Refused(
                "swaps_not_allowed",
                "This meeting does not allow speakers to swap places; "
                "to change place, withdraw and inscribe again at the end of the list.",
            )
        first, second = command.first_inscription_id, command.second_inscription_id
        if first == second:
            raise Refused("invalid_position", "A speaker cannot swap places with itself.", inscription_id=first)
        self._waiting_inscription(first)
        self._waiting_inscription(second)
        self._rolling.invalidate_from(min(self._list.swap(first, second)))
        self._list_changed("swapped")

    def _readd(self, command: ReaddSpeaker) -> None:
        inscription_id = command.inscription_id
        inscribed = self._inscribed.get(inscription_id)
        if inscribed is None:
            raise Refused("not_on_list", self._not_waiting_reason(inscription_id), inscription_id=inscription_id)
        if inscribed.status in (Status.waiting, Status.called):
            self._refuse_second_inscription(inscribed, inscription_id=inscription_id)
        inscribed.status = Status.waiting
        self._rolling.invalidate_from(self._list.insert(inscription_id, self._key(inscribed), len(self._list)))
        self._list_changed("readded")

    # ------------------------------------------------------------------ the floor

    def _call_next(self, command: CallNextSpeaker) -> None:
        if self._adjourned:
            raise Refused(
                "meeting_adjourned", f"{self._adjourned_reason()}; the chair resumes it before calling a speaker."
            )
        if self._speech is not None:
            raise Refused(
                "speaker_still_on_floor",
                f"{self._speaker_on_floor()} still has the floor; end the speech or mark the delegation absent first.",
            )
        segment = self.segment
        if segment is None or segment.kind not in (SegmentKind.floor, SegmentKind.adjournment):
            raise Refused("not_floor_turn", self._not_floor_turn_reason(segment))
        if not self._list:
            raise Refused("list_empty", "Nobody is waiting on the list of speakers.")
        inscription_id = self._list.pop_first()
        inscribed = self._inscribed[inscription_id]
        inscribed.status = Status.called
        limit = self._limits.limit_for(inscribed.inscription.category, inscribed.inscription.reply)
        self._speech = Speech(inscription_id=inscription_id, called_at=self._now, limit_seconds=limit)
        self._rolling.invalidate_from(0)
        self._emit(
            SpeakerCalled,
            inscription=inscribed.inscription,
            limit_seconds=limit,
            next_up=[self._inscribed[i].inscription for i in self._list.ids[:NEXT_UP]],
        )
        self._list_changed("called")

    def _start_speech(self, command: StartSpeech) -> None:
        speech = self._on_floor()
        if speech.started:
            raise Refused("speech_already_started", f"{self._speaker_on_floor()} is already speaking.")
        if self._adjourned:
            raise Refused("meeting_adjourned", f"{self._adjourned_reason()}; the speech can start when it resumes.")
        speech.start(self._now)
        self._emit(
            SpeechStarted,
            inscription_id=speech.inscription_id,
            limit_seconds=speech.limit_seconds,
            deadline_at=to_datetime(speech.deadline(self._now)),
            pre_warning_at=self._pre_warning_at(speech),
        )

    def _pause_speech(self, command: PauseSpeech) -> None:
        speech = self._on_floor()
        if not speech.started:
            raise Refused("speech_not_started", f"{self._speaker_on_floor()} has not begun speaking.")
        if speech.paused:
            return  # already paused: nothing to do
        speech.pause(self._now)
        self._emit(
            SpeechPaused,
            inscription_id=speech.inscription_id,
            remaining_seconds=seconds(max(0, speech.allowed_seconds * SECOND - speech.spoken(self._now))),
        )

    def _resume_speech(self, command: ResumeSpeech) -> None:
        speech = self._on_floor()
        if not speech.paused:
            raise Refused("speech_not_paused", f"The speech of {self._speaker_on_floor()} is not paused.")
        if self._adjourned:
            raise Refused("meeting_adjourned", f"{self._adjourned_reason()}; the speech can resume when it resumes.")
        speech.resume(self._now)
        self._emit(
            SpeechResumed,
            inscription_id=speech.inscription_id,
            deadline_at=to_datetime(speech.deadline(self._now)),
            pre_warning_at=self._pre_warning_at(speech),
        )

    def _extend_speech(self, command: ExtendSpeech) -> None:
        speech = self._on_floor()
        if not speech.started:
            raise Refused("speech_not_started", f"{self._speaker_on_floor()} has not begun speaking.")
        speech.extend(command.seconds, self._now, self._limits.pre_warning_seconds)
        self._emit(
            SpeechExtended,
            inscription_id=speech.inscription_id,
            seconds=command.seconds,
            deadline_at=to_datetime(speech.deadline(self._now)),
            pre_warning_at=self._pre_warning_at(speech),
        )

    def _end_speech(self, command: EndSpeech) -> None:
        self._on_floor()
        self._close_speech()
        self._list_changed("speech_ended")

    def _mark_absent(self, command: MarkAbsent) -> None:
        speech = self._on_floor()
        if speech.started:
            raise Refused("speech_already_started", f"{self._speaker_on_floor()} has already begun speaking.")
        inscription_id = speech.inscription_id
        inscribed = self._inscribed[inscription_id]
        policy = self._setup.ordering.absent
        self._speech = None
        new_position: int | None = None
        if policy.action == "dropped":
            inscribed.status = Status.dropped
        else:
            index = len(self._list) if policy.action == "end_of_list" else policy.places
            new_position = self._list.insert(inscription_id, self._key(inscribed), index) + 1
            inscribed.status = Status.waiting
        self._rolling.invalidate_from(0)
        self._emit(SpeakerAbsent, inscription_id=inscription_id, action=policy.action, new_position=new_position)
        self._list_changed("absent")

    # ------------------------------------------------------------------ the meeting

    def _adjourn(self, command: AdjournMeeting) -> None:
        if self._adjourned:
            raise Refused("meeting_adjourned", f"{self._adjourned_reason()} already.")
        if self._speech is not None:
            raise Refused(
                "speaker_still_on_floor",
                f"{self._speaker_on_floor()} has the floor; end the speech before adjourning the meeting.",
            )
        self._adjourned = True
        self._emit(MeetingAdjourned)

    def _resume(self, command: ResumeMeeting) -> None:
        if not self._adjourned:
            raise Refused("meeting_not_adjourned", "The meeting is not adjourned.")
        self._adjourned = False
        self._emit(MeetingResumed)
        self._list_changed("resumed")

    def _conclude_by_chair(self, command: ConcludeMeeting) -> None:
        if self._speech is not None:
            raise Refused(
                "speaker_still_on_floor",
                f"{self._speaker_on_floor()} has the floor; end the speech before concluding the meeting.",
            )
        self._conclude()

    def _refuse_set_up(self, command: SetUpMeeting) -> None:
        raise Refused("meeting_exists", f"The meeting {self._meeting_id} is already set up.")

    def _advance_clock(self, command: AdvanceClock) -> None:
        """Everything due was given while the clock caught up."""

    _handlers: dict[str, Callable[[Meeting, Any], None]] = {
        "SetUpMeeting": _refuse_set_up,
        "InscribeSpeaker": _inscribe,
        "WithdrawInscription": _withdraw,
        "CloseList": _close_list,
        "ReopenList": _reopen_list,
        "MoveSpeaker": _move,
        "SwapSpeakers": _swap,
        "ReaddSpeaker": _readd,
        "CallNextSpeaker": _call_next,
        "StartSpeech": _start_speech,
        "PauseSpeech": _pause_speech,
        "ResumeSpeech": _resume_speech,
        "ExtendSpeech": _extend_speech,
        "EndSpeech": _end_speech,
        "MarkAbsent": _mark_absent,
        "AdjournMeeting": _adjourn,
        "ResumeMeeting": _resume,
        "ConcludeMeeting": _conclude_by_chair,
        "AdvanceClock": _advance_clock,
    }

    # ------------------------------------------------------------------ the meeting clock

    def _next_due(self) -> tuple[Instant, Callable[[Meeting], None]] | None:
        """The earliest signal, publication or programme change still to come; at the same moment, in this order.

        Asked at least twice per command: written to build nothing it does not return."""
        if self._concluded_at is not None:
            return None
        due: tuple[Instant, Callable[[Meeting], None]] | None = None
        if self._speech is not None:
            for moment, name in self._speech.due(self._now, self._pre_warning):
                if due is None or moment < due[0]:
                    due = (moment, Meeting._give_pre_warning if name == "pre_warning" else Meeting._give_time_up)
        publication = self._publication_due
        if publication is not None and (due is None or publication < due[0]):
            due = (publication, Meeting._publish)
        next_start = self._programme.next_start(self._segment)
        if next_start is not None and (due is None or next_start < due[0]):
            due = (next_start, Meeting._begin_next_segment)
        return due

    def _catch_up(self, until: Instant) -> None:
        while (due := self._next_due()) is not None and due[0] <= until:
            moment, give = due
            self._now = max(self._now, moment)
            give(self)
        self._now = max(self._now, until)

    def _give_pre_warning(self) -> None:
        speech = self._speech
        assert speech is not None
        speech.pre_warning_given = True
        remaining = max(0, speech.deadline(self._now) - self._now)
        self._emit(PreWarningGiven, inscription_id=speech.inscription_id, remaining_seconds=seconds(remaining))

    def _give_time_up(self) -> None:
        speech = self._speech
        assert speech is not None
        speech.time_up_given = True  # the speech goes on; the chair ends it and the overrun is recorded
        self._emit(TimeUp, inscription_id=speech.inscription_id)

    def _begin_next_segment(self) -> None:
        previous = self.segment
        self._segment += 1
        segment = self._programme.segments[self._segment]
        self._emit(
            SegmentBegan,
            index=self._segment,
            segment=segment,
            next_segment=self._programme.segment(self._segment + 1),
        )
        if segment.kind is SegmentKind.concluded:
            self._conclude()
        elif segment.kind is SegmentKind.adjournment:
            if not self._adjourned:
                self._adjourned = True
                self._emit(MeetingAdjourned)
        else:
            if previous is not None and previous.kind is SegmentKind.adjournment and self._adjourned:
                self._adjourned = False
                self._emit(MeetingResumed)
            if segment.kind is SegmentKind.floor and not self._adjourned:
                self._list_changed("floor_opened")

    def _conclude(self) -> None:
        speech = self._speech
        if speech is not None:
            if speech.started:
                self._close_speech()
            else:  # called but never heard: not reached, back at the head of the list
                self._speech = None
                inscribed = self._inscribed[speech.inscription_id]
                inscribed.status = Status.waiting
                self._list.insert(speech.inscription_id, self._key(inscribed), 0)
                self._rolling.invalidate_from(0)
        if self._publication_due is not None:
            self._publish()  # the last changes before the end
        self._concluded_at = self._now
        self._emit(MeetingConcluded, not_reached=self.waiting)

    def _close_speech(self) -> None:
        speech = self._speech
        assert speech is not None
        inscribed = self._inscribed[speech.inscription_id]
        spoken = speech.spoken(self._now)
        record = SpeechRecord(
            inscription=inscribed.inscription,
            called_at=to_datetime(speech.called_at),
            started_at=None if speech.started_at is None else to_datetime(speech.started_at),
            ended_at=to_datetime(self._now),
            limit_seconds=speech.allowed_seconds,
            duration_seconds=seconds(spoken),
            overrun_seconds=max(0.0, seconds(spoken - speech.allowed_seconds * SECOND)),
        )
        if speech.started:
            self._heard_total += spoken
            self._heard_count += 1
        inscribed.status = Status.spoke
        self._speech = None
        self._record.append(record)
        self._emit(SpeechEnded, record=record)

    # ------------------------------------------------------------------ estimates and publication

    def _average_heard(self) -> int | None:
        return self._heard_total // self._heard_count if self._heard_count else None

    def _speech_expected_end(self, speech: Speech) -> Instant:
        average = self._average_heard()
        expected = average if average is not None else speech.allowed_seconds * SECOND
        return self._now + max(0, expected - speech.spoken(self._now))

    def _floor_free_at(self) -> Instant:
        """When the next speaker can be called: now, or after the current speech and a changeover."""
        if self._speech is None:
            return self._now
        return self._speech_expected_end(self._speech) + self._limits.changeover_seconds * SECOND

    def _basis(self) -> Basis:
        return Basis(reckoning_start(self._programme.floor_windows, self._floor_free_at()), self._average_heard())

    def _inscription_of(self, inscription_id: str) -> Inscription:
        return self._inscribed[inscription_id].inscription

    def _list_changed(self, reason: str, *, estimates: bool = True) -> None:
        """The rolling list is published at once, unless it was published less than a second ago:
        then once that second is up. A burst of requests (a flood of e-mails, a secretariat's batch)
        costs one publication of a long list, not one per request; a lone change is published at once."""
        if reason not in self._pending_reasons:
            self._pending_reasons.append(reason)
        self._pending_estimates |= estimates
        if self._published_at is None or self._now >= self._published_at + PUBLICATION_INTERVAL:
            self._publish()
        else:
            self._publication_due = self._published_at + PUBLICATION_INTERVAL

    def _publish(self) -> None:
        """The whole waiting list with its estimates, and the estimates summary if they may have moved.

        Both carry lists as long as the list of speakers, built here from validated parts; they
        are constructed without validating again, which for 10,000 speakers would cost more than
        everything else a command does."""
        ids, rolling, programme, now = self._list.ids, self._rolling, self._programme, self._now
        basis = self._basis()
        self._list_version += 1
        self._emit(
            ListChanged,
            validate=False,
            version=self._list_version,
            reason=", ".join(self._pending_reasons),
            speakers=list(rolling.entries(ids, self._inscription_of, basis)),
            closed=self.closed,
        )
        if self._pending_estimates:
            summary = rolling.summary(ids, self._inscription_of, basis)
            average = self._average_heard()
            left = programme.floor_time_left(now)
            needed = summary.needed + (self._floor_free_at() - now if self._speech is not None else 0)
            last_end = summary.last_end
            if last_end is None and self._speech is not None:
                last_end = self._speech_expected_end(self._speech)
            closes = programme.floor_closes_at
            self._emit(
                EstimatesChanged,
                validate=False,
                average_speech_seconds=seconds(average) if average is not None else float(self._limits.default_seconds),
                floor_closes_at=None if closes is None else to_datetime(closes),
                estimated_end_at=None if last_end is None else to_datetime(last_end),
                oversubscription_minutes=0.0 if left is None else round((needed - left) / MINUTE, 1),
                not_reached=ids[summary.first_not_reached :],
            )
        self._published_at = now
        self._publication_due = None
        self._pending_reasons = []
        self._pending_estimates = False

    def _emit(self, kind: type[E], *, validate: bool = True, **fields: Any) -> E:
        self._seq += 1
        make = kind if validate else kind.model_construct
        event = make(
            message_id=f"{self._meeting_id}:{self._seq}",
            meeting_id=self._meeting_id,
            seq=self._seq,
            occurred_at=to_datetime(self._now),
            **fields,
        )
        self._events.append(event)
        return event

    def _take_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    # ------------------------------------------------------------------ helpers

    @property
    def _pre_warning(self) -> int:
        return self._limits.pre_warning_seconds

    def _pre_warning_at(self, speech: Speech) -> datetime:
        return to_datetime(speech.pre_warning_at(self._now, self._pre_warning))

    def _key(self, inscribed: Inscribed) -> SpeakingKey:
        inscription = inscribed.inscription
        return self._order.key(inscription.category, inscription.level, inscribed.order, inscription.reply)

    def _local(self, instant: Instant | None) -> str:
        return "" if instant is None else local_time(instant, self._zone)

    def _on_floor(self) -> Speech:
        if self._speech is None:
            raise Refused("no_speaker_called", "No speaker has been called; call the next speaker first.")
        return self._speech

    def _speaker_on_floor(self) -> str:
        assert self._speech is not None
        return self._inscribed[self._speech.inscription_id].inscription.delegation

    def _waiting_inscription(self, inscription_id: str) -> Inscribed:
        inscribed = self._inscribed.get(inscription_id)
        if inscribed is None or inscribed.status is not Status.waiting:
            raise Refused(
                "not_on_list",
                self._not_waiting_reason(inscription_id),
                inscription_id=inscription_id,
                delegation=None if inscribed is None else inscribed.inscription.delegation,
            )
        return inscribed

    def _not_waiting_reason(self, inscription_id: str) -> str:
        inscribed = self._inscribed.get(inscription_id)
        if inscribed is None:
            return f"There is no inscription {inscription_id} on the list of speakers."
        delegation = inscribed.inscription.delegation
        return {
            Status.called: f"{delegation} has already been called to the floor.",
            Status.spoke: f"{delegation} has already spoken.",
            Status.withdrawn: f"The inscription of {delegation} was withdrawn.",
            Status.dropped: f"{delegation} was dropped from the list when absent; the secretariat can add it again.",
        }[inscribed.status]

    def _closed_reason(self) -> str:
        return f"The list of speakers was closed by the {self._closed_by} at {self._local(self._closed_at)}"

    def _adjourned_reason(self) -> str:
        segment = self.segment
        resumes = self._programme.next_start(self._segment)
        if segment is not None and segment.kind is SegmentKind.adjournment and resumes is not None:
            return f"The meeting is adjourned until {self._local(resumes)}"
        return "The meeting is adjourned"

    def _not_floor_turn_reason(self, segment: Segment | None) -> str:
        now_on = (
            f"The floor is not open to delegations now ({segment.title})" if segment else "The meeting has not begun"
        )
        opens = next((start for start, _ in self._programme.floor_windows if start > self._now), None)
        if opens is None:
            return f"{now_on}; the floor is not open to delegations again today."
        return f"{now_on}; the floor opens to delegations at {self._local(opens)}."

    # ------------------------------------------------------------------ snapshot

    def to_snapshot(self) -> dict[str, Any]:
        return {
            "snapshot_version": SNAPSHOT_VERSION,
            "meeting_id": self._meeting_id,
            "setup": self._setup_json,
            "seq": self._seq,
            "now": self._now,
            "handled": list(self._handled),
            "list_version": self._list_version,
            "inscriptions": [
                {"inscription": self._as_json(i.inscription), "order": i.order, "status": i.status.value}
                for i in self._inscribed.values()
            ],
            "next_order": self._next_order,
            "waiting": list(self._list.ids),
            "placed_by_hand": sorted(self._list.placed_by_hand),
            "closed_at": self._closed_at,
            "closed_by": self._closed_by,
            "segment": self._segment,
            "adjourned": self._adjourned,
            "concluded_at": self._concluded_at,
            "speech": None if self._speech is None else self._speech.to_dict(),
            "record": [record.model_dump(mode="json") for record in self._record],
            "heard": [self._heard_total, self._heard_count],
            "published_at": self._published_at,
            "publication_due": self._publication_due,
            "pending_reasons": list(self._pending_reasons),
            "pending_estimates": self._pending_estimates,
        }

    def _as_json(self, inscription: Inscription) -> dict[str, Any]:
        cached = self._inscription_json.get(inscription.inscription_id)
        if cached is None:
            cached = self._inscription_json[inscription.inscription_id] = inscription.model_dump(mode="json")
        return cached

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Meeting:
        if data.get("snapshot_version") != SNAPSHOT_VERSION:
            raise ValueError(f"unknown snapshot version {data.get('snapshot_version')}")
        meeting = cls(data["meeting_id"], MeetingSetup.model_validate(data["setup"]), data["now"])
        meeting._seq = data["seq"]
        meeting._handled = dict.fromkeys(data["handled"])
        meeting._list_version = data["list_version"]
        for item in data["inscriptions"]:
            inscription = Inscription.model_validate(item["inscription"])
            inscribed = Inscribed(inscription, item["order"], Status(item["status"]))
            meeting._inscribed[inscription.inscription_id] = inscribed
            if not inscription.reply:
                speaker = _speaker_identity(inscription.delegation, inscription.on_behalf_of)
                meeting._by_speaker.setdefault(speaker, []).append(inscription.inscription_id)
        meeting._next_order = data["next_order"]
        meeting._list = SpeakersList.restore(
            ((i, meeting._key(meeting._inscribed[i])) for i in data["waiting"]), data["placed_by_hand"]
        )
        meeting._closed_at = data["closed_at"]
        meeting._closed_by = data["closed_by"]
        meeting._segment = data["segment"]
        meeting._adjourned = data["adjourned"]
        meeting._concluded_at = data["concluded_at"]
        meeting._speech = None if data["speech"] is None else Speech.from_dict(data["speech"])
        meeting._record = [SpeechRecord.model_validate(record) for record in data["record"]]
        meeting._heard_total, meeting._heard_count = data["heard"]
        meeting._published_at = data["published_at"]
        meeting._publication_due = data["publication_due"]
        meeting._pending_reasons = list(data["pending_reasons"])
        meeting._pending_estimates = data["pending_estimates"]
        return meeting
