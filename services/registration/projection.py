"""What each queue event changes in this service's records. Pure: no I/O (the consumer applies it).

An inscription's status moves: pending (published, not yet seen by the queue) -> accepted (on
the list, with position and estimate, kept current from ListChanged) -> called -> speaking /
paused -> spoken; or withdrawn, dropped (absent, and the meeting drops absent speakers),
rejected (with the queue's reason), not_reached (the meeting concluded first)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from services.contracts import (
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
    MeetingSetup,
    SegmentBegan,
    SpeakerAbsent,
    SpeakerCalled,
    SpeechEnded,
    SpeechExtended,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
)

PLACE_FIELDS = ("position", "estimated_at", "likely_reached")


@dataclass(frozen=True)
class UpdateInscription:
    inscription_id: str
    fields: dict[str, str]
    clear: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateCommand:
    command_id: str
    fields: dict[str, str]


@dataclass(frozen=True)
class RejectInscription:
    """The queue refused an inscription: found by its id, or else through the command that asked for it."""

    command_id: str
    inscription_id: str | None
    fields: dict[str, str]


@dataclass(frozen=True)
class UpdateMeeting:
    fields: dict[str, str]
    setup: MeetingSetup | None = None
    session_begins: bool = False  # in session now, unless it was already (or adjourned, or concluded)


@dataclass(frozen=True)
class ReplaceWaiting:
    """The list as it now is: ids no longer on it lose their position."""

    inscription_ids: tuple[str, ...]


Change = UpdateInscription | UpdateCommand | RejectInscription | UpdateMeeting | ReplaceWaiting


@dataclass(frozen=True)
class Projection:
    changes: list[Change] = field(default_factory=list)


def _inscription_fields(inscription: Inscription) -> dict[str, str]:
    return {
        "inscription_id": inscription.inscription_id,
        "delegation": inscription.delegation,
        "channel": inscription.channel.value,
        "inscription": json.dumps(
            inscription.model_dump(
                mode="json",
                include={"delegation", "category", "level", "speaker_name", "speaker_title", "on_behalf_of",
                         "contact_emails", "channel"},
            )
        ),
    }  # fmt: skip


def _flag(value: bool) -> str:
    return "1" if value else "0"


def project(event: Event) -> list[Change]:
    """The changes `event` makes; the caller has already dropped events at or below the applied seq."""
    at = event.occurred_at.isoformat()
    match event:
        case MeetingSetUp():
            return [UpdateMeeting({"confirmed": "1", "status": "not_started"}, setup=event.setup)]
        case SegmentBegan():
            fields = {"segment": event.segment.title, "segment_kind": event.segment.kind.value}
            return [UpdateMeeting(fields, session_begins=True)]
        case InscriptionAccepted():
            fields = {
                **_inscription_fields(event.inscription),
                "status": "accepted",
                "command_id": event.command_id,
                "accepted_at": at,
                "position": str(event.position),
                "likely_reached": "1",
            }
            clear: tuple[str, ...] = ()
            if event.estimated_at is not None:
                fields["estimated_at"] = event.estimated_at.isoformat()
            else:
                clear = ("estimated_at",)
            return [
                UpdateInscription(event.inscription.inscription_id, fields, clear),
                UpdateCommand(event.command_id, {"status": "applied"}),
            ]
        case ListChanged():
            changes: list[Change] = []
            for entry in event.speakers:
                fields = {
                    **_inscription_fields(entry.inscription),
                    "status": "accepted",
                    "position": str(entry.position),
                    "likely_reached": _flag(entry.likely_reached),
                }
                clear = ()
                if entry.estimated_at is not None:
                    fields["estimated_at"] = entry.estimated_at.isoformat()
                else:
                    clear = ("estimated_at",)
                changes.append(UpdateInscription(entry.inscription.inscription_id, fields, clear))
            changes.append(ReplaceWaiting(tuple(e.inscription.inscription_id for e in event.speakers)))
            changes.append(
                UpdateMeeting(
                    {"closed": _flag(event.closed), "list_version": str(event.version),
                     "waiting": str(len(event.speakers))}
                )
            )  # fmt: skip
            return changes
        case InscriptionWithdrawn():
            return [
                UpdateInscription(
                    event.inscription_id,
                    {"status": "withdrawn", "withdrawn_at": at, "delegation": event.delegation},
                    PLACE_FIELDS,
                ),
                UpdateCommand(event.command_id, {"status": "applied"}),
            ]
        case SpeakerCalled():
            return [
                UpdateInscription(
                    event.inscription.inscription_id,
                    {**_inscription_fields(event.inscription), "status": "called", "called_at": at},
                    PLACE_FIELDS,
                ),
                UpdateMeeting({"floor": event.inscription.inscription_id}),
            ]
        case SpeechStarted() | SpeechResumed() | SpeechExtended():
            fields = {"status": "speaking"}
            if isinstance(event, SpeechStarted):
                fields["started_at"] = at
            return [UpdateInscription(event.inscription_id, fields)]
        case SpeechPaused():
            return [UpdateInscription(event.inscription_id, {"status": "paused"})]
        case SpeechEnded():
            record = event.record
            return [
                UpdateInscription(
                    record.inscription.inscription_id,
                    {"status": "spoken", "ended_at": at, "spoken_seconds": f"{record.duration_seconds:.0f}"},
                    PLACE_FIELDS,
                ),
                UpdateMeeting({"floor": ""}),
            ]
        case SpeakerAbsent():
            if event.action == "dropped" or event.new_position is None:
                change = UpdateInscription(event.inscription_id, {"status": "dropped", "dropped_at": at}, PLACE_FIELDS)
            else:
                change = UpdateInscription(
                    event.inscription_id, {"status": "accepted", "position": str(event.new_position)}
                )
            return [change, UpdateMeeting({"floor": ""})]
        case CommandRejected():
            reason = {"reason_code": event.reason_code, "reason": event.reason, "rejected_at": at}
            changes = [UpdateCommand(event.command_id, {"status": "rejected", **reason})]
            # A duplicate inscription id is a repeat of an inscription that stands: it must not look refused.
            if event.command_type == "InscribeSpeaker" and event.reason_code != "duplicate_inscription_id":
                fields = {"status": "rejected", **reason}
                if event.delegation:
                    fields["delegation"] = event.delegation
                changes.append(RejectInscription(event.command_id, event.inscription_id, fields))
            return changes
        case EstimatesChanged():
            fields = {
                "average_speech_seconds": f"{event.average_speech_seconds:.1f}",
                "oversubscription_minutes": f"{event.oversubscription_minutes:.1f}",
                "floor_closes_at": event.floor_closes_at.isoformat() if event.floor_closes_at else "",
                "estimated_end_at": event.estimated_end_at.isoformat() if event.estimated_end_at else "",
            }
            return [UpdateMeeting(fields)] + [UpdateInscription(i, {"likely_reached": "0"}) for i in event.not_reached]
        case ListClosed():
            return [UpdateMeeting({"closed": "1"})]
        case ListReopened():
            return [UpdateMeeting({"closed": "0"})]
        case MeetingAdjourned():
            return [UpdateMeeting({"status": "adjourned"})]
        case MeetingResumed():
            return [UpdateMeeting({"status": "in_session"})]
        case MeetingConcluded():
            return [UpdateMeeting({"status": "concluded", "floor": ""})] + [
                UpdateInscription(i.inscription_id, {"status": "not_reached"}, PLACE_FIELDS) for i in event.not_reached
            ]
    return []
