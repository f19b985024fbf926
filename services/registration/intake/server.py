"""The SMTP server taking registrations at the speakers-list address, on the service's own event loop.

SMTP answers (aiosmtpd does the protocol, the size limit and its 552):
  - a recipient other than the speakers-list address: 550 (this is no relay);
  - a message over max_mail_bytes: 552 (advertised in EHLO as SIZE);
  - a request registered: 250, after the broker has the inscription; an acknowledgement is mailed;
  - a request refused at intake (unreadable, unknown sender, no meeting or delegation, invalid form):
    250, and a reply that says why and how to fix it;
  - the broker unavailable: 451, so the sending server tries again later and nothing is lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP, Envelope, Session

from services.contracts import Actor, Channel, InscribeSpeaker, Role
from services.contracts.base import new_id
from services.registration.credentials import CredentialStore
from services.registration.idempotency import IdempotencyRequest
from services.registration.intake.decision import MeetingInfo, Refusal, Registration, decide
from services.registration.intake.parsing import html_to_text, parse_request
from services.registration.intake.replies import Mailer, Replies, address_of
from services.registration.publisher import BrokerUnavailable
from services.registration.records import Records
from services.registration.settings import RegistrationSettings
from services.registration.writes import KeyInUse, KeyReused, Plan, Writes

log = logging.getLogger(__name__)

MAX_TEXT = 20_000  # characters of a message's text that are read
_MALFORMED = (
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.InvalidMultipartContentTransferEncodingDefect,
    email_errors.InvalidBase64PaddingDefect,
    email_errors.InvalidBase64CharactersDefect,
    email_errors.InvalidBase64LengthDefect,
)
ADVICE = {
    "unknown_sender": "Write from an address your delegation gave the secretariat, or ask the secretariat to "
    "register you.",
    "no_meeting": "Add a line 'Meeting: <id>' with one of the meetings above.",
    "invalid": "Correct the fields above and send the request again.",
    "unreadable": "Send the request as a plain-text e-mail (not only as an attachment).",
}
HEADLINES = {
    "unknown_sender": "this address is not registered for a delegation",
    "no_meeting": "which meeting?",
    "invalid": "please check the request",
    "unreadable": "the e-mail could not be read",
}


class MailIntake:
    def __init__(
        self,
        settings: RegistrationSettings,
        records: Records,
        credentials: CredentialStore,
        writes: Writes,
        mailer: Mailer,
    ):
        self._settings = settings
        self._records = records
        self._credentials = credentials
        self._writes = writes
        self._mailer = mailer
        self._replies = Replies(settings)
        self._server: asyncio.AbstractServer | None = None
        local, _, domain = settings.speakers_list_address.lower().partition("@")
        self._local, self._domain = local, domain

    # --- the server -------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        handler = _Handler(self)
        self._server = await loop.create_server(
            lambda: SMTP(
                handler,
                data_size_limit=self._settings.max_mail_bytes,
                enable_SMTPUTF8=True,
                hostname=self._domain or None,
                ident="Rostrum speakers-list intake",
                timeout=60,
                loop=loop,
            ),
            host=self._settings.intake_bind_host,
            port=self._settings.intake_port,
        )
        log.info("e-mail intake listening on %s:%s for %s", self._settings.intake_bind_host,
                 self.port, self._settings.speakers_list_address)  # fmt: skip

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.is_serving()

    @property
    def port(self) -> int | None:
        if self._server is None or not self._server.sockets:
            return None
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    # --- recipients ------------------------------------------------------------------------

    def recipient_tag(self, address: str) -> tuple[bool, str | None]:
        """(ours, tag): whether `address` is the speakers-list address, and a meeting id after a '+'."""
        local, _, domain = address.lower().partition("@")
        if domain != self._domain:
            return False, None
        if local == self._local:
            return True, None
        if local.startswith(self._local + "+") and len(local) > len(self._local) + 1:
            return True, local[len(self._local) + 1 :]
        return False, None

    # --- a message -------------------------------------------------------------------------

    async def receive(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> str:
        """Handles one message; returns the SMTP answer."""
        message = _parse(content)
        sender = _sender(message, mail_from)
        if sender is None:
            return "550 5.1.7 The message has no sender address to answer"
        if _automatic(message, mail_from) or sender == address_of(self._settings.mail_from):
            log.info("not answering an automatic message from %s", sender)
            return "250 2.0.0 Automatic message received; not answered"
        subject = _header(message, "subject")
        message_id = _header(message, "message-id") or None

        text, unreadable = _text(message)
        if unreadable:
            self._refuse(sender, subject, message_id, Refusal("unreadable", [unreadable]))
            return "250 2.0.0 Received, but unreadable: a reply explains why"

        meetings = await self._meeting_infos()
        tag = next((t for t in (self.recipient_tag(r)[1] for r in rcpt_tos) if t), None)
        names = sorted({d for m in meetings for d in m.delegation_addresses})
        request = parse_request(subject, text, meeting_ids=[m.meeting_id for m in meetings], delegations=names)
        decision = decide(
            request,
            sender=sender,
            meetings=meetings,
            by_credentials=self._credentials.delegations_for_address(sender),
            tag=tag,
        )
        if isinstance(decision, Refusal):
            log.info("e-mail from %s refused at intake: %s", sender, decision.reasons)
            self._refuse(sender, subject, message_id, decision)
            return "250 2.0.0 Received, not registered: a reply explains why"
        return await self._register(decision, sender, subject, message_id, content, meetings)

    async def _register(self, registration: Registration, sender: str, subject: str, message_id: str | None,
                        content: bytes, meetings: list[MeetingInfo]) -> str:  # fmt: skip
        # The same message delivered twice (the sending server did not hear our 250) registers once.
        digest = hashlib.sha256(content).hexdigest()
        key = IdempotencyRequest(scope=f"mail:{sender}", key=digest, fingerprint=digest)

        async def plan() -> Plan:
            command = InscribeSpeaker(
                meeting_id=registration.meeting_id,
                inscription_id=new_id(),
                delegation=registration.delegation,
                category=registration.category,
                level=registration.level,
                speaker_name=registration.speaker_name,
                speaker_title=registration.speaker_title,
                on_behalf_of=registration.on_behalf_of,
                contact_emails=registration.contact_emails,
                channel=Channel.email,
                issued_by=Actor(role=Role.delegation, delegation=registration.delegation),
            )
            return Plan(command=command, body={"inscription_id": command.inscription_id})

        try:
            outcome = await self._writes.run(key, plan, plan_first=True)
        except BrokerUnavailable:
            log.warning("broker unavailable: e-mail registration from %s deferred (451)", sender)
            return "451 4.3.0 The list of speakers cannot take requests right now; please try again later"
        except (KeyInUse, KeyReused):
            return "451 4.3.0 This message is being handled; please try again shortly"
        inscription_id = outcome.body["inscription_id"]
        if not outcome.replayed:
            title = next((m.title for m in meetings if m.meeting_id == registration.meeting_id), "")
            subject_line, body = self._replies.render(
                "acknowledgement.txt",
                meeting_id=registration.meeting_id,
                meeting_title=title,
                inscription_id=inscription_id,
                delegation=registration.delegation,
                speaker_name=registration.speaker_name,
                speaker_title=registration.speaker_title,
                level=registration.level.value.replace("_", " "),
                category=registration.category.value.replace("_", " "),
                on_behalf_of=registration.on_behalf_of,
                status_url=f"{self._settings.public_url}/v1/meetings/{registration.meeting_id}/inscriptions/"
                f"{inscription_id}",
            )
            self._mailer.send_later(self._replies.message(sender, subject_line, body, message_id))
            log.info("e-mail registration from %s: inscription %s for %s", sender, inscription_id,
                     registration.delegation)  # fmt: skip
        return f"250 2.0.0 Received: inscription {inscription_id}"

    def _refuse(self, sender: str, subject: str, message_id: str | None, refusal: Refusal) -> None:
        subject_line, body = self._replies.render(
            "refusal.txt",
            meeting_id=refusal.meeting_id,
            headline=HEADLINES[refusal.kind],
            subject=" ".join(subject.split())[:150],
            reasons=refusal.reasons,
            advice=ADVICE[refusal.kind],
        )
        self._mailer.send_later(self._replies.message(sender, subject_line, body, message_id))

    async def _meeting_infos(self) -> list[MeetingInfo]:
        return [
            MeetingInfo(
                meeting_id=meeting_id,
                title=setup.title,
                status=state.get("status", ""),
                delegation_addresses=setup.delegation_addresses,
            )
            for meeting_id, (setup, state) in (await self._records.meetings()).items()
        ]


class _Handler:
    """aiosmtpd's hooks."""

    def __init__(self, intake: MailIntake):
        self._intake = intake

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options):
        ours, _ = self._intake.recipient_tag(address)
        if not ours:
            return (
                f"550 5.7.1 Relaying denied: this server takes mail only for "
                f"{self._intake._settings.speakers_list_address}"
            )
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        try:
            return await self._intake.receive(envelope.mail_from or "", list(envelope.rcpt_tos), content)
        except Exception:  # never a crash: the sending server will try again later
            log.exception("e-mail intake failed on a message from %s", envelope.mail_from)
            return "451 4.3.0 Temporary failure in the intake; please try again later"


def _parse(content: bytes) -> EmailMessage | None:
    try:
        return BytesParser(policy=policy.default).parsebytes(content)
    except Exception:  # the parser is lenient; anything it still cannot take is "unreadable"
        return None


def _header(message: EmailMessage | None, name: str) -> str:
    if message is None:
        return ""
    try:
        value = message.get(name)
        return " ".join(str(value).split()) if value is not None else ""
    except Exception:
        return ""


def _sender(message: EmailMessage | None, mail_from: str) -> str | None:
    """Whom the mail is from: the From header's address, else the envelope sender."""
    for candidate in (_header(message, "from"), mail_from):
        if candidate and (address := address_of(candidate)):
            return address
    return None


def _automatic(message: EmailMessage | None, mail_from: str) -> bool:
    """Bounces, auto-replies and list mail are never answered (RFC 3834), so no two robots talk forever."""
    if mail_from in ("", "<>"):
        return True
    auto = _header(message, "auto-submitted").lower()
    precedence = _header(message, "precedence").lower()
    return (auto not in ("", "no")) or precedence in ("bulk", "junk", "list") or bool(_header(message, "list-id"))


def _all_defects(message: EmailMessage) -> list:
    found = list(message.defects)
    if message.is_multipart():
        for part in message.walk():
            if part is not message:
                found.extend(part.defects)
    return found


def _text(message: EmailMessage | None) -> tuple[str, str | None]:
    """The message's text, or why it cannot be read."""
    if message is None:
        return "", "The message could not be read as e-mail (its MIME structure is broken)."
    try:
        broken = [d for d in _all_defects(message) if isinstance(d, _MALFORMED)]
        if broken:
            what = ", ".join(sorted({type(d).__name__.removesuffix("Defect") for d in broken}))
            return "", f"The message's MIME structure is broken ({what}); we could not read it reliably."
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return "", "The message has no text part to read; a request sent only as an attachment cannot be read."
        content = part.get_content()
        if not isinstance(content, str):
            return "", "The message's text could not be decoded."
        if part.get_content_subtype() == "html":
            content = html_to_text(content)
    except (LookupError, UnicodeError, ValueError, KeyError, AttributeError, TypeError) as e:
        return "", f"The message's text could not be decoded ({type(e).__name__})."
    if not content.strip():
        return "", "The message is empty."
    return content[:MAX_TEXT], None
