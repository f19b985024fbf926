"""Sends the outbox's e-mails with aiosmtplib, apart from the stream: a slow or failing SMTP server delays
only e-mail.

A temporary failure (4xx, connection refused or lost, timeout) is retried with exponential backoff; a
permanent one (5xx) or too many attempts is recorded as failed, visible at
GET /v1/meetings/{id}/mail-failures, and logged."""

from __future__ import annotations

import asyncio
import email.policy
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parseaddr

import aiosmtplib
from redis.exceptions import RedisError

from services.notifier.mail.outbox import Claimed, Job, Outbox
from services.notifier.mail.render import build_message

log = logging.getLogger(__name__)


class PermanentFailure(Exception):
    pass


class TemporaryFailure(Exception):
    def __init__(self, message: str, committed: bool = False):
        super().__init__(message)
        # True when it happened after the message's DATA began: the server may have accepted it.
        self.committed = committed


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    mail_from: str
    username: str | None = None
    password: str | None = None
    security: str = "auto"
    timeout: float = 30.0


def classify(error: Exception) -> Exception:
    """A permanent or a temporary failure, from what the SMTP client raised."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in error.recipients]
        detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)
        if codes and all(500 <= c < 600 for c in codes):
            return PermanentFailure(f"all recipients refused: {detail}")
        return TemporaryFailure(f"recipients refused: {detail}")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        text = f"{error.code} {error.message}"
        if 500 <= error.code < 600:
            return PermanentFailure(text)
        return TemporaryFailure(text)
    if isinstance(error, aiosmtplib.SMTPException | OSError | TimeoutError):
        return TemporaryFailure(f"{type(error).__name__}: {error}")
    return TemporaryFailure(f"unexpected {type(error).__name__}: {error}")


class SmtpSender:
    def __init__(self, config: SmtpConfig):
        self.config = config

    async def send(self, job: Job, on_commit: Callable[[], Awaitable[None]] | None = None) -> dict[str, str]:
        """Sends one e-mail; returns the recipients the server refused (if it accepted the others).

        `on_commit` runs once the envelope is accepted, just before DATA: from then on a failure that is not
        the server's explicit answer leaves it unknown whether the message was accepted.
        Raises PermanentFailure or TemporaryFailure."""
        c = self.config
        message = build_message(c.mail_from, job.to, job.subject, job.text, job.html, job.message_id, job.headers)
        tls = {"auto": {"start_tls": None}, "starttls": {"start_tls": True}, "tls": {"use_tls": True}}.get(
            c.security, {"start_tls": False}
        )
        smtp = aiosmtplib.SMTP(hostname=c.host, port=c.port, username=c.username, password=c.password,
                               timeout=c.timeout, **tls)  # fmt: skip
        committed = False
        try:
            await smtp.connect()
            await smtp.mail(parseaddr(c.mail_from)[1])
            refused: dict[str, str] = {}
            errors = []
            for address in job.to:
                try:
                    await smtp.rcpt(address)
                except aiosmtplib.SMTPRecipientRefused as e:
                    refused[address] = f"{e.code} {e.message}"
                    errors.append(e)
            if len(errors) == len(job.to):
                raise aiosmtplib.SMTPRecipientsRefused(errors)
            if on_commit is not None:
                await on_commit()
            committed = True
            await smtp.data(message.as_bytes(policy=email.policy.SMTP))
        except Exception as e:
            failure = classify(e)
            if isinstance(failure, TemporaryFailure):
                # An explicit 4xx answer means not accepted; anything else after DATA began is unknown.
                failure.committed = committed and not isinstance(e, aiosmtplib.SMTPResponseException)
            raise failure from e
        finally:
            try:
                if smtp.is_connected:
                    await asyncio.wait_for(smtp.quit(), 2)
            except Exception:
                smtp.close()
        return refused


def backoff(attempts: int, base: float, cap: float, jitter: float = 0.2) -> float:
    """The delay before attempt `attempts + 1`: base, 2 base, 4 base... capped, with some jitter."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(1 - jitter, 1 + jitter)


class MailWorker:
    def __init__(
        self,
        outbox: Outbox,
        sender: SmtpSender,
        *,
        lease_seconds: float,
        poll_seconds: float,
        retry_base: float,
        retry_max: float,
        max_attempts: int,
        concurrency: int = 2,
        resend_uncertain: bool = False,
    ):
        self._outbox = outbox
        self._sender = sender
        self._lease = lease_seconds
        self._poll = poll_seconds
        self._retry_base, self._retry_max, self._max_attempts = retry_base, retry_max, max_attempts
        self._concurrency = concurrency
        self._resend_uncertain = resend_uncertain
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    def wake(self) -> None:
        """New e-mail in the outbox: look now rather than at the next poll."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not all(t.done() for t in self._tasks)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(), name=f"mail-worker-{i}") for i in range(self._concurrency)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                claimed = await self._outbox.claim(time.time(), self._lease, 1, self._resend_uncertain)
            except (RedisError, OSError) as e:
                log.warning("mail outbox unreachable: %s", e)
                await asyncio.sleep(self._poll)
                continue
            if not claimed:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._poll)
                except TimeoutError:
                    pass
                continue
            for item in claimed:
                await self.deliver(item)

    async def deliver(self, item: Claimed) -> None:
        job = item.job
        committed = False

        async def on_commit() -> None:
            nonlocal committed
            await self._outbox.committing(job)
            committed = True

        try:
            try:
                # Done within the lease, or given up: past it, another worker may take the e-mail.
                refused = await asyncio.wait_for(self._sender.send(job, on_commit=on_commit), self._lease * 0.8)
            except TimeoutError:
                raise TemporaryFailure(f"not done within {self._lease * 0.8:.0f}s", committed=committed) from None
        except PermanentFailure as e:
            error = str(e)
            log.error("e-mail %s (%s) to %s failed for good: %s", job.key, job.meeting_id, job.to, error)
            await self._record(lambda: self._outbox.failed(job, time.time(), error))
        except TemporaryFailure as e:
            error = str(e)
            if e.committed and not self._resend_uncertain:
                log.error("e-mail %s (%s): unknown whether the server accepted it (%s); not sent again",
                          job.key, job.meeting_id, error)  # fmt: skip
                await self._record(lambda: self._outbox.uncertain(job, time.time(), error))
            elif item.attempts >= self._max_attempts:
                log.error("e-mail %s (%s) given up after %d attempts: %s", job.key, job.meeting_id, item.attempts, e)
                error = f"gave up after {item.attempts} attempts: {e}"
                await self._record(lambda: self._outbox.failed(job, time.time(), error))
            else:
                delay = backoff(item.attempts, self._retry_base, self._retry_max)
                log.warning("e-mail %s (%s) attempt %d failed, retrying in %.1fs: %s", job.key, job.meeting_id,
                            item.attempts, delay, error)  # fmt: skip
                await self._record(lambda: self._outbox.retry(job, time.time(), delay, error))
        else:
            if refused:
                log.error("e-mail %s (%s): recipients refused: %s", job.key, job.meeting_id, refused)
            await self._record(lambda: self._outbox.sent(job, time.time(), refused))

    async def _record(self, write) -> None:
        """Writes a delivery's outcome (`write` makes the coroutine); keeps trying a while if Redis is away.

        Not recorded, the e-mail goes again once its lease ends: better twice than lost."""
        for attempt in range(12):
            try:
                await write()
                return
            except (RedisError, OSError) as e:
                log.warning("could not record an e-mail's outcome (%s); trying again", e)
                await asyncio.sleep(min(5.0, 0.1 * 2**attempt))
        log.error("an e-mail's outcome could not be recorded; it will be sent again after its lease")
