"""Publishes commands; a command is accepted only once the broker has it (acks=all)."""

from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaError

from services.contracts import Command
from services.platform.kafka import make_producer, publish


class BrokerUnavailable(Exception):
    """Kafka did not take the command: nothing was accepted, the client should retry."""


class CommandPublisher:
    def __init__(self, bootstrap: str, topic: str, timeout: float = 5.0):
        self._bootstrap = bootstrap
        self._topic = topic
        self._timeout = timeout
        self._producer = None
        self._lock = asyncio.Lock()

    async def _ready_producer(self):
        # Started lazily so the service comes up (and says so on /healthz) while the broker is down.
        async with self._lock:
            if self._producer is None:
                producer = make_producer(self._bootstrap)
                try:
                    await asyncio.wait_for(producer.start(), self._timeout)
                except (TimeoutError, KafkaError, OSError) as e:
                    await producer.stop()
                    raise BrokerUnavailable(str(e) or type(e).__name__) from e
                self._producer = producer
            return self._producer

    async def publish(self, command: Command) -> None:
        producer = await self._ready_producer()
        try:
            await asyncio.wait_for(publish(producer, self._topic, command), self._timeout)
        except (TimeoutError, KafkaError, OSError) as e:
            raise BrokerUnavailable(str(e) or type(e).__name__) from e

    @property
    def connected(self) -> bool:
        return self._producer is not None

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
