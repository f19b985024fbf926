"""The registration app on the real broker and Redis, in this process (its lifespan run by the test), with
its own topics, consumer group and Redis keys; a real SMTP server to receive its replies; and a stand-in
for the queue that publishes contract events, so these tests need neither the queue nor its domain."""

from __future__ import annotations

import asyncio
import email
import json
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiosmtpd.controller import Controller

from services.contracts import TOPICS, Category, Inscription, Level, MeetingSetup, encode
from services.contracts.serialization import decode_command
from services.platform.kafka import create_topics, delete_topics, make_producer
from services.registration.main import create_app
from services.registration.settings import RegistrationSettings
from tests.support.stack import KAFKA, REDIS_URL, ROOT, Tokens, delete_keys, free_port, unique

DELEGATIONS = ("Ireland", "Ghana", "Brazil", "France")
ADDRESSES = {"Ireland": ["ireland@un.example"], "Ghana": ["ghana@un.example"], "Brazil": ["brazil@un.example"],
             "France": ["france@un.example"]}  # fmt: skip
T0 = datetime(2017, 9, 6, 14, 50, tzinfo=UTC)


def seed_meeting(meeting_id: str = "ga-r2p-2017", **setup_changes) -> dict:
    meeting = json.loads((ROOT / "deploy/meetings/ga-r2p-2017.json").read_text())
    meeting["meeting_id"] = meeting_id
    meeting["setup"]["delegation_addresses"] = ADDRESSES
    meeting["setup"].update(setup_changes)
    return meeting


async def eventually(check, timeout: float = 15, interval: float = 0.05, what: str = "condition"):
    """Awaits check() (sync or async) until it returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s")
        await asyncio.sleep(interval)


def text_of(message: EmailMessage) -> str:
    """The plain text of a message, multipart (the notifier's) or not (the intake's)."""
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


class Mailbox:
    """A real SMTP server (aiosmtpd) keeping what it receives: where the service's replies go."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=policy.default))  # fmt: skip
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 15) -> list[EmailMessage]:
        return await eventually(lambda: len(self.to(address)) >= count and self.to(address), timeout,
                                what=f"{count} message(s) to {address}")  # fmt: skip

    def start(self) -> Mailbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


class QueueStandIn:
    """Publishes contract events as the queue would, with each meeting's seq counting from 1."""

    def __init__(self, topic: str, bootstrap: str = KAFKA):
        self.topic = topic
        self.seq: dict[str, int] = defaultdict(int)
        self._producer = make_producer(bootstrap)

    async def start(self) -> QueueStandIn:
        await self._producer.start()
        return self

    async def emit(self, event_type, meeting_id: str, seq: int | None = None, **fields):
        if seq is None:
            self.seq[meeting_id] += 1
            seq = self.seq[meeting_id]
        event = event_type(meeting_id=meeting_id, seq=seq, occurred_at=fields.pop("occurred_at", T0), **fields)
        await self._producer.send_and_wait(self.topic, encode(event), key=meeting_id.encode())
        return event

    async def stop(self) -> None:
        await self._producer.stop()


def inscription(inscription_id: str, delegation: str, **fields) -> Inscription:
    return Inscription(inscription_id=inscription_id, delegation=delegation, category=Category.member_state,
                       level=Level.other, inscribed_at=T0, **fields)  # fmt: skip


async def published_commands(topic: str, bootstrap: str = KAFKA) -> list:
    """Every command on the topic, from the beginning, in partition order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or range(6))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        commands = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                commands.extend(decode_command(r.value) for r in records)
        return commands
    finally:
        await consumer.stop()


@dataclass
class Registration:
    """The app under test and what the tests need around it."""

    app: object
    client: httpx.AsyncClient
    tokens: Tokens
    settings: RegistrationSettings
    queue: QueueStandIn
    mailbox: Mailbox | None

    @property
    def prefix(self) -> str:
        return self.settings.topic_prefix

    def auth(self, who: str) -> dict[str, str]:
        token = getattr(self.tokens, who) if who in ("secretariat", "chair", "display") else self.tokens.delegation(who)
        return self.tokens.header(token)

    async def commands(self) -> list:
        return await published_commands(self.settings.commands_topic, self.settings.kafka_bootstrap)

    async def set_up(self, meeting_id: str | None = None, **setup_changes) -> str:
        meeting_id = meeting_id or unique("m")
        r = await self.client.post("/v1/meetings", json=seed_meeting(meeting_id, **setup_changes),
                                   headers=self.auth("secretariat"))  # fmt: skip
        assert r.status_code == 202, r.text
        setup = MeetingSetup.model_validate(seed_meeting(meeting_id, **setup_changes)["setup"])
        from services.contracts import MeetingSetUp

        await self.queue.emit(MeetingSetUp, meeting_id, setup=setup)

        async def confirmed():
            found = await self.app.state.records.meeting(meeting_id)
            return found is not None and found[1].get("confirmed") == "1"

        await eventually(confirmed, what=f"meeting {meeting_id} confirmed by the (stand-in) queue")
        return meeting_id


def make_settings(tmp: Path, tokens: Tokens, **overrides) -> RegistrationSettings:
    prefix = unique("reg")
    values = dict(
        environment="test",
        kafka_bootstrap=KAFKA,
        redis_url=REDIS_URL,
        topic_prefix=prefix,
        redis_prefix=prefix,
        credentials_file=tokens.path,
        intake_port=free_port(),
        speakers_list_address="speakers-list@un.example",
        mail_from="Rostrum <speakers-list@un.example>",
        kafka_timeout_seconds=3.0,
        rate_limit_per_minute=100_000,
        tune_gc=False,  # the app runs inside the test process: leave its garbage collection alone
    )
    values.update(overrides)
    return RegistrationSettings(**values)


def make_tokens(tmp: Path) -> Tokens:
    tokens = Tokens(tmp / "credentials.json")
    for delegation in DELEGATIONS:
        tokens.delegation(delegation)
    tokens.write()
    return tokens


async def forget_topics(bootstrap: str, prefix: str) -> None:
    try:
        await delete_topics(bootstrap, prefix)
    except (KafkaError, TimeoutError):  # a broker the test stopped
        pass


async def running(tmp: Path, mailbox: Mailbox | None = None, *, create=True, tokens: Tokens | None = None, **overrides):
    """An async context: the app started (lifespan) with its client."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def context():
        the_tokens = tokens or make_tokens(tmp)
        extra = {"smtp_port": mailbox.port} if mailbox else {}
        settings = make_settings(tmp, the_tokens, **{**extra, **overrides})
        if create:
            await create_topics(settings.kafka_bootstrap, settings.topic_prefix)
        app = create_app(settings)
        queue = QueueStandIn(TOPICS["events"].name(settings.topic_prefix), settings.kafka_bootstrap)
        if create:
            await queue.start()
        try:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://registration", timeout=30) as c:
                    yield Registration(app, c, the_tokens, settings, queue, mailbox)
        finally:
            if create:
                await queue.stop()
                await forget_topics(settings.kafka_bootstrap, settings.topic_prefix)
            await delete_keys(settings.redis_prefix)

    return context()


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
async def reg(tmp_path_factory, mailbox):
    async with await running(tmp_path_factory.mktemp("registration"), mailbox) as registration:
        await eventually(lambda: registration.app.state.consumer.running, what="the events consumer")
        yield registration
