"""Replies to e-mail registrants: texts from jinja2 templates, sent with aiosmtplib.

Only what the intake itself decides is answered here (the acknowledgement of a request, or its
refusal at intake); the confirmation with the place on the list, and the list's own refusals,
are the notifier's, from the queue's events."""

from __future__ import annotations

import asyncio
import logging
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import aiosmtplib
from jinja2 import Environment, PackageLoader, StrictUndefined

from services.registration.intake.parsing import CATEGORY_CHOICES, LEVEL_CHOICES
from services.registration.settings import RegistrationSettings

log = logging.getLogger(__name__)

SIGNATURE = "Rostrum, the list of speakers (an automatic reply)"
RETRIES = (1.0, 5.0, 30.0)  # seconds between attempts


def _one_line(text: str, limit: int = 150) -> str:
    return " ".join(text.split())[:limit]


class Replies:
    """Renders the texts."""

    def __init__(self, settings: RegistrationSettings):
        self._settings = settings
        self._env = Environment(
            loader=PackageLoader("services.registration.intake", "templates"),
            autoescape=False,  # plain text
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    def render(self, template: str, **context) -> tuple[str, str]:
        """(subject, body): a template's first line is the subject."""
        text = self._env.get_template(template).render(
            address=self._settings.speakers_list_address,
            levels=" | ".join(LEVEL_CHOICES),
            categories=" | ".join(CATEGORY_CHOICES),
            signature=SIGNATURE,
            meeting_id=context.pop("meeting_id", None),
            **context,
        )
        subject, _, body = text.partition("\n")
        return _one_line(subject), body.lstrip("\n")

    def message(self, to: str, subject: str, body: str, in_reply_to: str | None = None) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        domain = parseaddr(self._settings.mail_from)[1].rpartition("@")[2] or "rostrum.local"
        message["Message-ID"] = make_msgid(domain=domain)
        # RFC 3834: an automatic reply, so that auto-responders do not answer it back.
        message["Auto-Submitted"] = "auto-replied"
        if in_reply_to:
            message["In-Reply-To"] = in_reply_to
            message["References"] = in_reply_to
        message.set_content(body)
        return message


class Mailer:
    """Sends replies in the background, with a few retries; never fails the request that caused them."""

    def __init__(self, settings: RegistrationSettings):
        self._settings = settings
        self._tasks: set[asyncio.Task] = set()
        self.sent = 0

    async def send(self, message: EmailMessage) -> None:
        s = self._settings
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            start_tls=s.smtp_starttls,
            timeout=s.smtp_timeout_seconds,
        )
        self.sent += 1

    async def _send_with_retries(self, message: EmailMessage) -> None:
        for attempt, pause in enumerate((*RETRIES, None), start=1):
            try:
                await self.send(message)
                log.info("reply %r sent to %s", message["Subject"], message["To"])
                return
            except (aiosmtplib.SMTPException, OSError) as e:
                if pause is None:
                    log.error("could not send reply %r to %s after %d attempts: %s",
                              message["Subject"], message["To"], attempt, e)  # fmt: skip
                    return
                log.warning("sending reply to %s failed (%s); retrying in %.0fs", message["To"], e, pause)
                await asyncio.sleep(pause)

    def send_later(self, message: EmailMessage) -> None:
        task = asyncio.create_task(self._send_with_retries(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Waits (a while) for replies still being sent, e.g. at shutdown."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


def address_of(text: str) -> str | None:
    """The plain address in a header value such as 'Name <a@b>'; None if there is none."""
    try:
        address = Address(addr_spec=parseaddr(text)[1])
    except (ValueError, IndexError):
        return None
    return address.addr_spec.lower() if address.domain else None
