"""Decides what an e-mail registration becomes: an inscription for one delegation at one meeting, or a
refusal that says why and how to fix it. Pure: the intake gathers the facts and carries out the answer.

Who may register by e-mail: an address the meeting's set-up lists for a delegation
(`delegation_addresses`), or an address the credentials file gives a delegation (for every meeting).
The delegation is the one the sender's address is registered for; a form's `Delegation:` must be one
of those, and an address registered for several delegations must say which."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.contracts import Category, Level
from services.registration.intake.parsing import MailRequest

MAX_CONTACTS = 10


@dataclass(frozen=True)
class MeetingInfo:
    meeting_id: str
    title: str
    status: str = ""  # "" / not_started / in_session / adjourned / concluded
    delegation_addresses: dict[str, list[str]] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return self.status != "concluded"

    def delegations_of(self, address: str) -> set[str]:
        return {d for d, addresses in self.delegation_addresses.items() if address in {a.lower() for a in addresses}}


@dataclass(frozen=True)
class Registration:
    meeting_id: str
    delegation: str
    category: Category
    level: Level
    speaker_name: str
    speaker_title: str
    on_behalf_of: str | None
    contact_emails: list[str]


@dataclass(frozen=True)
class Refusal:
    kind: str  # unknown_sender | no_meeting | invalid
    reasons: list[str]
    meeting_id: str | None = None


def _same(a: str, b: str) -> bool:
    return a.casefold().strip() == b.casefold().strip()


def _meeting(request: MailRequest, tag: str | None, sender: str, meetings: list[MeetingInfo]) -> MeetingInfo | str:
    """The meeting the mail is for, or the reason it cannot be told."""
    wanted = request.meeting or tag
    listing = "; ".join(f"{m.meeting_id} ({m.title})" for m in meetings if m.open) or "none at present"
    if wanted:
        for meeting in meetings:
            if _same(meeting.meeting_id, wanted):
                return meeting
        return f"There is no meeting {wanted!r}. Meetings taking inscriptions: {listing}."
    open_meetings = [m for m in meetings if m.open]
    registered_for = [m for m in open_meetings if m.delegations_of(sender)]
    if len(registered_for) == 1:
        return registered_for[0]
    if len(open_meetings) == 1:
        return open_meetings[0]
    if not open_meetings:
        return "No meeting is taking inscriptions at present."
    return f"Say which meeting you ask to speak at: add a line 'Meeting: <id>'. Meetings open: {listing}."


def decide(
    request: MailRequest,
    *,
    sender: str,
    meetings: list[MeetingInfo],
    by_credentials: set[str] = frozenset(),
    tag: str | None = None,
) -> Registration | Refusal:
    """`sender`: the From address; `by_credentials`: delegations the credentials file gives that address;
    `tag`: a meeting id written into the recipient address (speakers-list+<meeting>@...)."""
    sender = sender.lower()
    reasons = [f"{p.field}: {p.message}." for p in request.problems]

    meeting = _meeting(request, tag, sender, meetings)
    if isinstance(meeting, str):
        return Refusal("no_meeting", [*reasons, meeting])

    allowed = meeting.delegations_of(sender) | set(by_credentials)
    if not allowed:
        return Refusal(
            "unknown_sender",
            [
                f"The address {sender} is not registered for any delegation at {meeting.meeting_id} "
                f"({meeting.title}). Write from an address your delegation gave the secretariat (the General "
                "Assembly Affairs Branch), or ask it to add this one."
            ],
            meeting.meeting_id,
        )

    delegation: str | None = None
    if request.delegation:
        delegation = next((d for d in sorted(allowed) if _same(d, request.delegation)), None)
        if delegation is None:
            reasons.append(
                f"delegation: {sender} is registered for {', '.join(sorted(allowed))}, not for "
                f"{request.delegation!r}; each delegation registers from its own addresses."
            )
    elif len(allowed) == 1:
        delegation = next(iter(allowed))
    else:
        named = {d for d in allowed for hint in request.delegation_hints if _same(d, hint)}
        if len(named) == 1:
            delegation = named.pop()
        else:
            reasons.append(
                f"delegation: {sender} is registered for several delegations ({', '.join(sorted(allowed))}); "
                "add a line 'Delegation: <name>'."
            )
    if reasons or delegation is None:
        return Refusal("invalid", reasons, meeting.meeting_id)

    on_behalf_of = request.on_behalf_of
    category = request.category
    if on_behalf_of and _same(on_behalf_of, delegation):  # "on behalf of Ireland", from Ireland: its own statement
        on_behalf_of = None
        if category == Category.group:
            category = None
    contacts = list(dict.fromkeys([sender, *(c.lower() for c in request.contact_emails)]))[:MAX_CONTACTS]
    return Registration(
        meeting_id=meeting.meeting_id,
        delegation=delegation,
        category=category or Category.member_state,
        level=request.level or Level.other,
        speaker_name=request.speaker_name,
        speaker_title=request.speaker_title,
        on_behalf_of=on_behalf_of,
        contact_emails=contacts,
    )
