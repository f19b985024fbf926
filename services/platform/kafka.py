"""Kafka clients configured once: acks=all and idempotence on every producer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import lru_cache

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.partitioner import DefaultPartitioner

from services.contracts import TOPICS, encode, message_key
from services.contracts.base import Message

log = logging.getLogger(__name__)


_default_partitioner = DefaultPartitioner()


@lru_cache(maxsize=4096)
def _partition(key: bytes, partitions: tuple[int, ...]) -> int:
    return _default_partitioner(key, list(partitions), list(partitions))


def partitioner(key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
    """aiokafka's default partitioner, its answers remembered: every topic is keyed by meeting, a few
    keys sent again and again, and the key's hash (murmur2, in Python) costs more than the rest of a send."""
    if key is None:  # placed at random: nothing to remember
        return _default_partitioner(key, all_partitions, available)
    return _partition(key, tuple(all_partitions))


def make_producer(bootstrap: str, **overrides) -> AIOKafkaProducer:
    options = dict(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        request_timeout_ms=5000,
        retry_backoff_ms=100,
        partitioner=partitioner,
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


async def publish(producer: AIOKafkaProducer, topic: str, message: Message) -> None:
    """Returns once the broker has the message (acks=all); raises KafkaError otherwise."""
    await producer.send_and_wait(topic, encode(message), key=message_key(message))


async def send_batched(producer: AIOKafkaProducer, topic: str, messages: Sequence[Message]) -> list[asyncio.Future]:
    """Hands every message to the producer, each in its key's partition, in order; returns the
    deliveries to await (acks=all)."""
    return await send_records(producer, topic, as_records(messages))


def as_records(messages: Sequence[Message]) -> list[tuple[bytes, bytes]]:
    """The messages as (key, value) records, for send_records."""
    return [(message_key(m), encode(m)) for m in messages]


async def send_records(
    producer: AIOKafkaProducer, topic: str, records: Sequence[tuple[bytes, bytes]]
) -> list[asyncio.Future]:
    """Hands every (key, value) record to the producer, each in its key's partition, in order;
    returns the deliveries to await (acks=all).

    The records are laid into one record batch per partition (more when a batch is full)
    instead of one send each: a send costs more than encoding the message."""
    partitions = sorted(await producer.partitions_for(topic))
    batches: dict[int, list] = {}
    for key, value in records:
        # The producers' own partitioner (make_producer): a key lands where send() would put it.
        builders = batches.setdefault(partitioner(key, partitions, partitions), [producer.create_batch()])
        if builders[-1].append(key=key, value=value, timestamp=None) is None:
            # Full: a new batch takes the record, however large (up to max_request_size).
            builders.append(producer.create_batch())
            builders[-1].append(key=key, value=value, timestamp=None)
    deliveries = []
    for partition, builders in batches.items():
        for builder in builders:
            builder.close()  # complete: sent at once, not held for the producer's linger
            deliveries.append(await producer.send_batch(builder, topic, partition=partition))
    return deliveries


async def create_topics(bootstrap: str, prefix: str) -> list[str]:
    """Creates the contract's topics under `prefix` if missing, and brings the settings of those
    already there in line with the contract; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(t.name(prefix), t.partitions, 1, topic_configs=t.config)
            for t in TOPICS.values()
            if t.name(prefix) not in existing
        ]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass
        present = [t for t in TOPICS.values() if t.name(prefix) in existing]
        if present:
            await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, t.name(prefix), configs=t.config) for t in present]
            )
        return [t.name for t in wanted]
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, prefix: str, timeout: float = 30.0) -> list[str]:
    """Deletes every topic whose name starts with `prefix` (the contract's and those faust made for the
    queue's table): what a benchmark's or a test's run leaves behind. Returns the names deleted, once the broker no
    longer lists them (it answers the deletion a moment before its metadata shows it)."""
    if not prefix:
        raise ValueError("a prefix is needed: without one every topic on the broker would go")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    await admin.start()
    try:
        names = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
        async with asyncio.timeout(timeout):
            while set(names) & set(await admin.list_topics()):
                await asyncio.sleep(0.05)
        return names
    finally:
        await admin.close()


async def kafka_reachable(bootstrap: str, timeout: float = 2.0) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout)
        await asyncio.wait_for(admin.list_topics(), timeout)
        return True
    except (TimeoutError, KafkaError, OSError):
        return False
    finally:
        try:
            await admin.close()
        except Exception:  # a client that never connected has nothing to close
            pass
