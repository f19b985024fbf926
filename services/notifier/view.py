"""The meeting as displays and the public see it, folded from the queue's events. Pure: no I/O."""

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


def empty_view(meeting_id: str) -> dict[str, Any]:
    return {
        "meeting_id": meeting_id,
        "seq": 0,
        "setup": None,
        "segment": None,
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
    """Returns the view after `event`; an event at or below the view's seq is a duplicate and changes nothing."""
    if event.seq <= view["seq"]:
        return view
    view = {**view, "seq": event.seq, "updated_at": event.occurred_at.isoformat()}
    data = event.model_dump(mode="json")
    match event:
        case MeetingSetUp():
            view["setup"] = data["setup"]
        case SegmentBegan():
            view["segment"], view["next_segment"] = data["segment"], data["next_segment"]
            if view["status"] == "not_started":
                view["status"] = "in_session"
        case ListChanged():
            view["list"] = {"version": event.version, "closed": event.closed, "speakers": data["speakers"]}
        case ListClosed():
            view["list"] = {**view["list"], "closed": True}
        case ListReopened():
            view["list"] = {**view["list"], "closed": False}
        case EstimatesChanged():
            view["estimates"] = {k: data[k] for k in data if k not in _ENVELOPE}
        case SpeakerCalled():
            view["floor"] = {
                "state": "called",
                "inscription": data["inscription"],
                "limit_seconds": event.limit_seconds,
                "called_at": data["occurred_at"],
                "next_up": data["next_up"],
            }
        case SpeechStarted() | SpeechResumed() | SpeechExtended():
            view["floor"] = {
                **(view["floor"] or {}),
                "state": "speaking",
                "deadline_at": data["deadline_at"],
                "pre_warning_at": data["pre_warning_at"],
                **({"started_at": data["occurred_at"]} if isinstance(event, SpeechStarted) else {}),
            }
        case SpeechPaused():
            view["floor"] = {**(view["floor"] or {}), "state": "paused", "remaining_seconds": event.remaining_seconds}
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
            view["not_reached"] = data["not_reached"]
    return view


_ENVELOPE = {"schema_version", "message_id", "meeting_id", "seq", "occurred_at", "type"}
