"""What the notifier's integration tests share: an SMTP server that keeps what it receives (and can be told to
fail), the notifier as a process on its own topics and Redis keys, a producer of contract events, and
small SSE and WebSocket readers."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller

from services.contracts import Event
from services.platform.kafka import make_producer, publish
from tests.support.stack import KAFKA, Stack, free_port


class MailCatcher:
    """An aiosmtpd handler keeping every message it accepts.

    `fail_data` answers 451 (try again later) to that many DATA commands; `refuse` answers 550 to those
    recipients; `delay` holds each message that long before accepting it. `hook(phase, received)` is called
    at each RCPT ("rcpt") and, once a message is kept but before it is answered, at DATA ("data")."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.fail_data = 0
        self.failed_data = 0
        self.refuse: set[str] = set()
        self.delay = 0.0
        self.hook = None
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hook:
            self.hook("rcpt", len(self.messages))
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            if self.fail_data > 0:
                self.fail_data -= 1
                self.failed_data += 1
                return "451 4.3.0 Mailbox temporarily unavailable, try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            self.messages.append(message)
        if self.hook:
            self.hook("data", len(self.messages))
        return "250 Message accepted for delivery"

    def for_meeting(self, meeting_id: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["X-Rostrum-Meeting"] == meeting_id]

    def keys(self, meeting_id: str) -> Counter:
        return Counter(m["X-Rostrum-Mail"] for m in self.for_meeting(meeting_id))

    def wait(self, meeting_id: str, count: int, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.for_meeting(meeting_id)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        got = self.for_meeting(meeting_id)
        raise TimeoutError(f"{len(got)} of {count} e-mails arrived: {[m['X-Rostrum-Mail'] for m in got]}")


@dataclass
class SmtpServer:
    catcher: MailCatcher
    controller: Controller
    port: int

    def stop(self) -> None:
        self.controller.stop()


def start_smtp() -> SmtpServer:
    catcher = MailCatcher()
    port = free_port()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    return SmtpServer(catcher, controller, port)


# Quick retries and short leases, so that failures and restarts play out in seconds.
FAST_MAIL = {
    "ROSTRUM_MAIL_RETRY_BASE_SECONDS": "0.2",
    "ROSTRUM_MAIL_RETRY_MAX_SECONDS": "1",
    "ROSTRUM_MAIL_MAX_ATTEMPTS": "5",
    "ROSTRUM_MAIL_LEASE_SECONDS": "4",
    "ROSTRUM_MAIL_POLL_SECONDS": "0.2",
    "ROSTRUM_SMTP_TIMEOUT_SECONDS": "3",
    "ROSTRUM_KAFKA_SESSION_TIMEOUT_MS": "6000",
}


@dataclass
class Notifier:
    """The notifier as a process (python -m services.notifier) on its own topic prefix and Redis keys."""

    stack: Stack
    smtp: SmtpServer | None = None
    env: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.stack["notifier"].url

    @property
    def topic(self) -> str:
        return f"{self.stack.prefix}.events"

    @property
    def process(self):
        return self.stack["notifier"]

    def restart(self) -> None:
        self.process.start()
        self.process.wait_healthy()

    def stop(self) -> None:
        self.stack.stop()  # and its topics and Redis keys

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=10, **kwargs)

    def wait_seq(self, meeting_id: str, seq: int, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.get(f"/v1/meetings/{meeting_id}/list")
            if r.status_code == 200 and r.json()["seq"] >= seq:
                return r.json()
            time.sleep(0.05)
        raise TimeoutError(f"{meeting_id} did not reach seq {seq}")


def start_notifier(tmp: Path, smtp: SmtpServer | None = None, **env: str) -> Notifier:
    settings = {**FAST_MAIL, **({"ROSTRUM_SMTP_PORT": str(smtp.port)} if smtp else {"ROSTRUM_MAIL_ENABLED": "false"})}
    stack = Stack(tmp, services=("notifier",), **{**settings, **env})
    stack.start()
    return Notifier(stack, smtp, env)


async def produce(topic: str, events: list[Event]) -> None:
    producer = make_producer(KAFKA)
    await producer.start()
    try:
        for event in events:
            await publish(producer, topic, event)
    finally:
        await producer.stop()


def produce_sync(topic: str, events: list[Event]) -> None:
    asyncio.run(produce(topic, events))


# --- stream readers ---------------------------------------------------------------------------------


@dataclass
class SseMessage:
    event: str | None
    id: str | None
    data: dict
    retry: int | None = None


class SseReader:
    """Reads an SSE response message by message (httpx streaming)."""

    def __init__(self, response: httpx.Response):
        self._lines = response.aiter_lines()
        self.retry: int | None = None

    async def next(self, timeout: float = 10) -> SseMessage:
        return await asyncio.wait_for(self._next(), timeout)

    async def _next(self) -> SseMessage:
        event = id_ = None
        data: list[str] = []
        async for line in self._lines:
            if line == "":
                if data:
                    return SseMessage(event, id_, json.loads("\n".join(data)), self.retry)
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "id":
                id_ = value
            elif name == "data":
                data.append(value)
            elif name == "retry":
                self.retry = int(value)
        raise EOFError("stream ended")

    async def until(self, predicate, timeout: float = 15) -> list[SseMessage]:
        """Every message up to and including the first for which predicate(message) holds."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            message = await self.next(max(0.1, deadline - time.monotonic()))
            seen.append(message)
            if predicate(message):
                return seen


async def eventually(predicate, timeout: float = 30, interval: float = 0.05, what: str = "condition"):
    """Polls predicate() (sync, cheap) without blocking the test's event loop; returns its truthy result."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s")
        await asyncio.sleep(interval)


def expected_mails(events) -> Counter:
    """The e-mail keys the notifier should send for these events: the pure planner as the oracle."""
    from services.notifier.mail.plan import plan
    from services.notifier.mail.policy import MailPolicy
    from services.notifier.view import apply, empty_view

    view, told, keys = None, {}, Counter()
    for event in events:
        view = view or empty_view(event.meeting_id)
        after = apply(view, event)
        told, intents = plan(view, after, told, event, MailPolicy())
        view = after
        keys.update(i.key for i in intents)
    return keys
