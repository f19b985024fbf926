"""Which e-mails an event triggers. Pure: no I/O, no clock (times come from the events).

`plan(before, after, told, event, policy)` takes the meeting's view before and after the event and
`told`, what the delegations have been told so far, and returns what they are told now.

Each e-mail has a key, unique within its meeting, that says what "the same e-mail" means; the outbox
enqueues a key once, ever (services/notifier/store.py), and `told` is written in the same atomic step as
the view, so an event replayed after a crash plans nothing twice:

| kind             | triggered by                                   | key                          | at most once per |
|------------------|------------------------------------------------|------------------------------|------------------|
| confirmed        | InscriptionAccepted                            | confirmed:{inscription}      | inscription      |
| rejected         | CommandRejected with contact addresses         | rejected:{command}           | refused command  |
| position_changed | ListChanged moving a speaker materially        | position:{inscription}:{seq} | material change  |
| due_soon         | ListChanged / EstimatesChanged / SpeakerCalled | due_soon:{inscription}       | inscription      |
| next             | SpeakerCalled.next_up / ListChanged (place 1)  | next:{inscription}           | inscription      |
| unlikely         | ListClosed / EstimatesChanged / ListChanged    | unlikely:{inscription}       | inscription      |
| statement_record | MeetingConcluded                               | record:{inscription}         | inscription      |

Not by event id: the queue may publish an event again after a crash with the same (meeting, seq) but a
new message_id, so message ids do not identify an e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.contracts import (
    CommandRejected,
    EstimatesChanged,
    Event,
    InscriptionAccepted,
    ListChanged,
    ListClosed,
    MeetingConcluded,
    SegmentBegan,
    SpeakerCalled,
)
from services.notifier.mail.policy import MailPolicy

KINDS = ("confirmed", "rejected", "position_changed", "due_soon", "next", "unlikely", "statement_record")


@dataclass(frozen=True)
class MailIntent:
    kind: str
    key: str
    to: tuple[str, ...]
    context: dict[str, Any] = field(default_factory=dict)  # JSON-able: what the templates need
    inscription_id: str | None = None
    delegation: str | None = None


def addresses(emails: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Usable, distinct addresses in their given order (case-insensitively distinct)."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in emails or ():
        email = str(raw).strip()
        if not email or "@" not in email or any(c in email for c in '\r\n<>,;"') or len(email) > 254:
            continue
        if email.lower() not in seen:
            seen.add(email.lower())
            out.append(email)
    return tuple(out)


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _minutes_between(a: str | None, b: str | None) -> float | None:
    if a is None or b is None:
        return None
    return (_at(b) - _at(a)).total_seconds() / 60


class _Planner:
    def __init__(self, before: dict, after: dict, told: dict, event: Event, policy: MailPolicy):
        self.before, self.after, self.event, self.policy = before, after, event, policy
        self.told = {k: {**v, "sent": list(v.get("sent", []))} for k, v in (told or {}).items()}
        self.intents: list[MailIntent] = []

    # --- bookkeeping --------------------------------------------------------------------------
    def entry(self, inscription_id: str) -> dict:
        return self.told.setdefault(
            inscription_id, {"position": None, "estimated_at": None, "drift": 0, "on_list": False, "sent": []}
        )

    def sent(self, inscription_id: str, kind: str) -> bool:
        return kind in self.told.get(inscription_id, {}).get("sent", [])

    def mark(self, inscription_id: str, kind: str) -> None:
        sent = self.entry(inscription_id)["sent"]
        if kind not in sent:
            sent.append(kind)

    def add(self, kind: str, key: str, inscription: dict, context: dict, to: tuple[str, ...] | None = None) -> None:
        to = to if to is not None else addresses(inscription.get("contact_emails"))
        if not to:
            return
        self.intents.append(
            MailIntent(
                kind=kind,
                key=key,
                to=to,
                context={"inscription": _inscription_context(inscription), **context},
                inscription_id=inscription.get("inscription_id"),
                delegation=inscription.get("delegation"),
            )
        )

    def now(self) -> str:
        return self.event.occurred_at.isoformat()

    # --- the kinds ----------------------------------------------------------------------------
    def confirmed(self, event: InscriptionAccepted) -> None:
        inscription = event.model_dump(mode="json")["inscription"]
        iid = event.inscription.inscription_id
        estimated_at = event.estimated_at.isoformat() if event.estimated_at else None
        told = self.entry(iid)
        told.update(position=event.position, estimated_at=estimated_at, drift=0, on_list=True)
        if not self.policy.confirmation or self.sent(iid, "confirmed"):
            return
        minutes = _minutes_between(self.now(), estimated_at)
        due_soon = minutes is not None and minutes <= self.policy.due_soon_minutes
        self.add(
            "confirmed",
            f"confirmed:{iid}",
            inscription,
            {"position": event.position, "estimated_at": estimated_at, "due_in_minutes": _round(minutes)},
        )
        self.mark(iid, "confirmed")
        if due_soon:  # the confirmation already says it: no separate "due soon" e-mail
            self.mark(iid, "due_soon")

    def rejected(self, event: CommandRejected) -> None:
        if not self.policy.rejection:
            return
        to = addresses(event.contact_emails)
        inscription = {"inscription_id": event.inscription_id, "delegation": event.delegation}
        self.add(
            "rejected",
            f"rejected:{event.command_id}",
            inscription,
            {"command_type": event.command_type, "reason_code": event.reason_code, "reason": event.reason},
            to=to,
        )

    def list_moves(self) -> None:
        """Material changes of place, judged against what each speaker was last told."""
        old = [e["inscription"]["inscription_id"] for e in self.before["list"]["speakers"]]
        new_entries = self.after["list"]["speakers"]
        new = [e["inscription"]["inscription_id"] for e in new_entries]
        old_pos = {iid: i for i, iid in enumerate(old)}
        new_pos = {iid: i for i, iid in enumerate(new)}
        for iid in old:
            if iid not in new_pos:
                self.entry(iid).update(on_list=False)
        for entry in new_entries:
            iid = entry["inscription"]["inscription_id"]
            told = self.entry(iid)
            estimated_at = entry.get("estimated_at")
            if told["position"] is None and not told["on_list"]:
                # First seen on the list (before its confirmation, or a list loaded whole): nothing to compare.
                told.update(position=entry["position"], estimated_at=estimated_at, drift=0, on_list=True)
                continue
            if iid in old_pos:
                # Speakers ahead who were called or withdrew are the list's normal progress; speakers now ahead
                # who were not (inserted by precedence, moved, swapped) push back; those overtaken move up.
                i, j = old_pos[iid], new_pos[iid]
                pushed = sum(1 for other in new[:j] if other not in old_pos or old_pos[other] > i)
                overtook = sum(1 for other in old[:i] if other in new_pos and new_pos[other] > j)
                told["drift"] = told.get("drift", 0) + pushed - overtook
                returned = False
            else:
                # Confirmed just before this list (not a move), or back on the list after leaving it:
                # absent when called and moved down, or re-added.
                returned = not told["on_list"]
            told["on_list"] = True
            shift = _minutes_between(told.get("estimated_at"), estimated_at)
            material = (
                returned
                or abs(told["drift"]) >= self.policy.position_change_places
                or (
                    self.policy.position_change_minutes > 0
                    and shift is not None
                    and abs(shift) >= self.policy.position_change_minutes
                )
            )
            later = returned or told["drift"] > 0 or (shift or 0) > 0
            if not material or not self.policy.position_changed:
                continue
            if (entry["position"] == 1 and self._next_due(iid)) or (self.sent(iid, "next") and not later):
                # "You are next" says it better, or has said it already: this is the new baseline.
                told.update(position=entry["position"], estimated_at=estimated_at, drift=0)
                continue
            self.add(
                "position_changed",
                f"position:{iid}:{self.event.seq}",
                entry["inscription"],
                {
                    "position": entry["position"],
                    "previous_position": told.get("position"),
                    "estimated_at": estimated_at,
                    "previous_estimated_at": told.get("estimated_at"),
                    "later": later,
                    "returned": returned,
                    "reason": getattr(self.event, "reason", ""),
                },
            )
            told.update(position=entry["position"], estimated_at=estimated_at, drift=0)

    def _next_due(self, iid: str) -> bool:
        return self.policy.next and not self.sent(iid, "next") and self._floor_busy()

    def _floor_busy(self) -> bool:
        floor = self.after.get("floor")
        segment = self.after.get("segment") or {}
        return floor is not None or (segment.get("kind") == "floor" and self.after.get("status") == "in_session")

    def next_up(self, inscription: dict | None) -> None:
        if inscription is None:
            return
        iid = inscription["inscription_id"]
        if not self.policy.next or self.sent(iid, "next"):
            return
        self.add("next", f"next:{iid}", inscription, {"speaking_now": _speaking_now(self.after)})
        self.mark(iid, "next")
        self.mark(iid, "due_soon")  # nothing earlier to announce any more

    def first_in_line(self) -> None:
        speakers = self.after["list"]["speakers"]
        if speakers and speakers[0]["position"] == 1 and self._floor_busy():
            self.next_up(speakers[0]["inscription"])

    def due_soon(self) -> None:
        if not self.policy.due_soon:
            return
        for entry in self.after["list"]["speakers"]:
            iid = entry["inscription"]["inscription_id"]
            minutes = _minutes_between(self.now(), entry.get("estimated_at"))
            if minutes is None or minutes > self.policy.due_soon_minutes or self.sent(iid, "due_soon"):
                continue
            self.add(
                "due_soon",
                f"due_soon:{iid}",
                entry["inscription"],
                {"position": entry["position"], "estimated_at": entry["estimated_at"], "minutes": _round(minutes)},
            )
            self.mark(iid, "due_soon")

    def unlikely(self) -> None:
        if not self.policy.unlikely or not self.after["list"]["closed"]:
            return
        not_reached = set((self.after.get("estimates") or {}).get("not_reached") or [])
        estimates = self.after.get("estimates") or {}
        for entry in self.after["list"]["speakers"]:
            iid = entry["inscription"]["inscription_id"]
            if (iid in not_reached or entry.get("likely_reached") is False) and not self.sent(iid, "unlikely"):
                self.add(
                    "unlikely",
                    f"unlikely:{iid}",
                    entry["inscription"],
                    {
                        "position": entry["position"],
                        "estimated_at": entry.get("estimated_at"),
                        "floor_closes_at": estimates.get("floor_closes_at"),
                        "oversubscription_minutes": estimates.get("oversubscription_minutes"),
                    },
                )
                self.mark(iid, "unlikely")

    def statement_records(self) -> None:
        if not self.policy.statement_record:
            return
        by_inscription: dict[str, list[dict]] = {}
        for speech in self.after["record"]:
            by_inscription.setdefault(speech["inscription"]["inscription_id"], []).append(speech)
        for iid, speeches in by_inscription.items():
            if self.sent(iid, "statement_record"):
                continue
            self.add(
                "statement_record",
                f"record:{iid}",
                speeches[-1]["inscription"],
                {"speeches": [{k: v for k, v in s.items() if k != "inscription"} for s in speeches]},
            )
            self.mark(iid, "statement_record")


def _inscription_context(inscription: dict) -> dict:
    return {
        k: inscription.get(k)
        for k in ("inscription_id", "delegation", "speaker_name", "speaker_title", "on_behalf_of", "category")
    }


def _speaking_now(view: dict) -> str | None:
    floor = view.get("floor") or {}
    inscription = floor.get("inscription") or {}
    return inscription.get("delegation")


def _round(minutes: float | None) -> int | None:
    return None if minutes is None else max(1, round(minutes))


def plan(
    before: dict[str, Any], after: dict[str, Any], told: dict[str, Any], event: Event, policy: MailPolicy
) -> tuple[dict[str, Any], list[MailIntent]]:
    """What delegations are told because of `event`; returns (told after the event, the e-mails)."""
    p = _Planner(before, after, told, event, policy)
    match event:
        case InscriptionAccepted():
            p.confirmed(event)
        case CommandRejected() if event.contact_emails:
            p.rejected(event)
        case ListChanged():
            p.list_moves()
            p.first_in_line()
            p.due_soon()
            p.unlikely()
        case SpeakerCalled():
            p.next_up(event.model_dump(mode="json")["next_up"][0] if event.next_up else None)
            p.due_soon()
        case EstimatesChanged() | ListClosed():
            p.due_soon()
            p.unlikely()
        case SegmentBegan():
            p.first_in_line()
            p.due_soon()
        case MeetingConcluded():
            p.statement_records()
    return p.told, p.intents
