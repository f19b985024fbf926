"""Talking to the real broker from tests: send commands, read events back."""

from __future__ import annotations

import time

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.contracts import TOPICS, Command, Event
from services.contracts.serialization import decode_command, decode_event
from services.platform.kafka import make_producer, publish
from tests.support.stack import KAFKA


class CommandSender:
    def __init__(self, topic: str):
        self.topic = topic
        self.producer = make_producer(KAFKA)

    async def __aenter__(self) -> CommandSender:
        await self.producer.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.producer.stop()

    async def send(self, command: Command) -> Command:
        await publish(self.producer, self.topic, command)
        return command


class TopicReader:
    """Reads a whole topic from the beginning, without a consumer group, keeping what it saw."""

    def __init__(self, topic: str, decoder=decode_event):
        self.topic = topic
        self.decoder = decoder
        # The broker may hold a fetch this long before answering: short, so a test sees events as they come.
        self.consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False, fetch_max_wait_ms=20)
        self.seen: list = []

    async def __aenter__(self) -> TopicReader:
        await self.consumer.start()
        tps = [TopicPartition(self.topic, p) for p in range(TOPICS[self.topic.rsplit(".", 1)[1]].partitions)]
        self.consumer.assign(tps)
        await self.consumer.seek_to_beginning(*tps)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.consumer.stop()

    async def poll(self, timeout: float = 0.2) -> list:
        batches = await self.consumer.getmany(timeout_ms=int(timeout * 1000))
        new = [self.decoder(r.value) for records in batches.values() for r in records]
        self.seen.extend(new)
        return new

    async def wait_for(self, predicate, timeout: float = 30, what: str = "a message"):
        """Returns the first message (already seen or new) for which predicate is true."""
        for message in self.seen:
            if predicate(message):
                return message
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in await self.poll():
                if predicate(message):
                    return message
        raise TimeoutError(f"{what} not seen on {self.topic} within {timeout}s")

    async def drain(self, quiet: float = 1.0) -> list:
        """Reads until nothing new arrives for `quiet` seconds."""
        while await self.poll(quiet):
            pass
        return self.seen


def unique_events(events: list[Event]) -> list[Event]:
    """The events as a consumer applies them: one per (meeting, seq), first copy kept."""
    by_key: dict[tuple[str, int], Event] = {}
    for e in events:
        by_key.setdefault((e.meeting_id, e.seq), e)
    return [by_key[k] for k in sorted(by_key)]


async def read_commands(topic: str) -> list[Command]:
    async with TopicReader(topic, decoder=decode_command) as reader:
        return await reader.drain(quiet=1.0)
