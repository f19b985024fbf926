"""The meeting as displays and the public see it, folded from the queue's events. Pure: no I/O.

The stored view keeps what the e-mails need (contact addresses); `public_view` is what leaves the
service: the list, the floor, the clock, the estimates and the record, without anybody's address."""

from __future__ import annotations

from typing import Any

from services.contracts import (
    EstimatesChanged,
    Event,
    ListChanged,
    ListClosed,
    ListReopened,
    MeetingAdjourned,
    MeetingConcluded,
    MeetingResumed,
    MeetingSetUp,
    PreWarningGiven,
    SegmentBegan,
    SpeakerAbsent,
    SpeakerCalled,
    SpeechEnded,
    SpeechExtended,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    TimeUp,
)

ENVELOPE = frozenset({"schema_version", "message_id", "meeting_id", "seq", "occurred_at", "type"})
# Never shown outside the service: who to write to, and from which addresses a delegation may inscribe.
PRIVATE_FIELDS = frozenset({"contact_emails", "delegation_addresses"})


def empty_view(meeting_id: str) -> dict[str, Any]:
    return {
        "meeting_id": meeting_id,
        "seq": 0,
        "setup": None,
        "segment": None,
        "segment_index": None,
        "next_segment": None,
        "status": "not_started",  # not_started | in_session | adjourned | concluded
        "list": {"version": 0, "closed": False, "speakers": []},
        "floor": None,
        "estimates": None,
        "record": [],
        "not_reached": [],
        "updated_at": None,
    }


def apply(view: dict[str, Any], event: Event) -> dict[str, Any]:
    """Returns the view after `event`; an event at or below the view's seq is a duplicate and changes nothing.

    The view passed in is never changed: the result shares the parts the event did not touch."""
    if event.seq <= view["seq"]:
        return view
    view = {**view, "seq": event.seq, "updated_at": event.occurred_at.isoformat()}
    data = event.model_dump(mode="json")
    match event:
        case MeetingSetUp():
            view["setup"] = data["setup"]
        case SegmentBegan():
            view["segment"], view["next_segment"] = data["segment"], data["next_segment"]
            view["segment_index"] = event.index
            view["status"] = _STATUS_OF_SEGMENT.get(event.segment.kind, "in_session")
        case ListChanged():
            view["list"] = {"version": event.version, "closed": event.closed, "speakers": data["speakers"]}
        case ListClosed():
            view["list"] = {**view["list"], "closed": True}
        case ListReopened():
            view["list"] = {**view["list"], "closed": False}
        case EstimatesChanged():
            view["estimates"] = {k: v for k, v in data.items() if k not in ENVELOPE}
        case SpeakerCalled():
            view["floor"] = {
                "state": "called",
                "inscription": data["inscription"],
                "limit_seconds": event.limit_seconds,
                "called_at": data["occurred_at"],
                "next_up": data["next_up"],
                "started_at": None,
                "deadline_at": None,
                "pre_warning_at": None,
                "remaining_seconds": None,
                "extended_seconds": 0,
                "pre_warning": False,
                "time_up": False,
            }
        case SpeechStarted() | SpeechResumed() | SpeechExtended():
            floor = {
                **(view["floor"] or {}),
                "state": "speaking",
                "deadline_at": data["deadline_at"],
                "pre_warning_at": data["pre_warning_at"],
                "remaining_seconds": None,
            }
            if isinstance(event, SpeechStarted):
                floor["started_at"] = data["occurred_at"]
                floor["limit_seconds"] = event.limit_seconds
            if isinstance(event, SpeechExtended):
                floor["extended_seconds"] = floor.get("extended_seconds", 0) + event.seconds
                floor["time_up"] = False
            view["floor"] = floor
        case SpeechPaused():
            view["floor"] = {
                **(view["floor"] or {}),
                "state": "paused",
                "remaining_seconds": event.remaining_seconds,
                "deadline_at": None,
                "pre_warning_at": None,
            }
        case PreWarningGiven():
            view["floor"] = {**(view["floor"] or {}), "pre_warning": True}
        case TimeUp():
            view["floor"] = {**(view["floor"] or {}), "time_up": True}
        case SpeakerAbsent():
            view["floor"] = None
        case SpeechEnded():
            view["floor"] = None
            view["record"] = [*view["record"], data["record"]]
        case MeetingAdjourned():
            view["status"] = "adjourned"
        case MeetingResumed():
            view["status"] = "in_session"
        case MeetingConcluded():
            view["status"] = "concluded"
            view["floor"] = None
            view["not_reached"] = data["not_reached"]
    return view


_STATUS_OF_SEGMENT = {"adjournment": "adjourned", "concluded": "concluded"}


def redact(value: Any) -> Any:
    """A copy of `value` (JSON-like) without any private field, however deep."""
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items() if k not in PRIVATE_FIELDS}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def public_view(view: dict[str, Any]) -> dict[str, Any]:
    """The current picture as anyone may see it."""
    return redact(view)


def public_event(event: Event) -> dict[str, Any]:
    """An event's own fields (no envelope) as anyone may see them."""
    return redact({k: v for k, v in event.model_dump(mode="json").items() if k not in ENVELOPE})


def clock_setting(view: dict[str, Any] | None) -> dict[str, Any] | None:
    setup = (view or {}).get("setup") or {}
    return setup.get("clock")


def waiting(view: dict[str, Any]) -> list[dict[str, Any]]:
    return view["list"]["speakers"]
