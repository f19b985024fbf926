"""E-mails from jinja2 templates (services/notifier/templates): a subject, a text part and an HTML part.

Pure apart from reading the templates once. Times are shown on the meeting's own clock and time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notifier.mail.plan import MailIntent

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

CATEGORY_LABELS = {
    "member_state": "Member State",
    "group": "on behalf of a group of States",
    "observer_state": "observer State",
    "observer_entity": "observer",
    "un_entity_or_igo": "UN entity or intergovernmental organization",
    "civil_society": "civil society",
}


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def _zone(name: str | None):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _moment(value: str | datetime | None, zone) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = round(float(seconds))
    minutes, rest = divmod(abs(seconds), 60)
    text = f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"
    return f"-{text}" if seconds < 0 else text


def one_line(text: str) -> str:
    """A header value: no line breaks (they would let a delegation's name inject headers)."""
    return " ".join(str(text).split())


class MailRenderer:
    def __init__(self, templates: Path = TEMPLATES):
        self._env = Environment(
            loader=FileSystemLoader(str(templates)),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._env.filters["duration"] = _duration
        self._env.filters["category"] = lambda c: CATEGORY_LABELS.get(c, c or "")

    def render(self, intent: MailIntent, meeting: dict[str, Any]) -> RenderedMail:
        zone = _zone(meeting.get("timezone"))
        zone_name = meeting.get("timezone") or "UTC"

        def time(value):
            moment = _moment(value, zone)
            return "-" if moment is None else f"{moment:%H:%M}"

        def day_time(value):
            moment = _moment(value, zone)
            return "-" if moment is None else f"{moment:%H:%M} on {moment.day} {moment:%B %Y}"

        context = {
            **intent.context,
            "kind": intent.kind,
            "meeting": {
                "meeting_id": meeting.get("meeting_id"),
                "title": meeting.get("title") or meeting.get("meeting_id"),
                "venue": meeting.get("venue") or "",
                "timezone": zone_name,
            },
            "time": time,
            "day_time": day_time,
        }
        subject = self._env.get_template(f"{intent.kind}.subject.txt").render(context)
        text = self._env.get_template(f"{intent.kind}.txt").render(context)
        html = self._env.get_template(f"{intent.kind}.html").render(context)
        return RenderedMail(subject=one_line(subject), text=text, html=html)


def build_message(
    mail_from: str, to: list[str], subject: str, text: str, html: str, message_id: str, headers: dict[str, str]
) -> EmailMessage:
    """The MIME message: text first, HTML as the alternative."""
    message = EmailMessage()
    name, address = parseaddr(mail_from)
    message["From"] = formataddr((name, address)) if address else mail_from
    message["To"] = ", ".join(to)
    message["Subject"] = one_line(subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id  # the same on every attempt: a receiver can drop a duplicate by it
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the list of speakers
    for key, value in headers.items():
        message[key] = one_line(value)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def mail_domain(mail_from: str) -> str:
    _, address = parseaddr(mail_from)
    return address.rpartition("@")[2] if "@" in address else "rostrum.local"
