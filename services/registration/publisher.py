"""Publishes commands; a command is accepted only once the broker has it (acks=all, idempotent producer).

The commands of concurrent requests come together (writes.py) and go as one record batch per partition
(services.platform.kafka.send_records): a send per command cost more than all the rest of publishing it.

When the broker does not confirm in time the caller is told so (BrokerUnavailable: 503, or 451 to
an SMTP client), and the producer is abandoned with whatever it still holds: an idempotent
producer retries a batch forever, so a message the caller was told is *not* accepted could
otherwise reach the broker minutes later, once it is back. A retry with the same
Idempotency-Key publishes the very same command (same message_id and inscription id)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from services.contracts import Command, message_key
from services.platform.kafka import make_producer, send_records

log = logging.getLogger(__name__)

GROUP_BATCH_BYTES = 512 * 1024  # under the broker's default largest batch (message.max.bytes, 1 MiB)


class BrokerUnavailable(Exception):
    """Kafka did not take the command: nothing was accepted, the client should retry."""


class CommandPublisher:
    def __init__(self, bootstrap: str, topic: str, timeout: float = 5.0):
        self._bootstrap = bootstrap
        self._topic = topic
        self._timeout = timeout
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._closing: set[asyncio.Task] = set()

    async def _ready_producer(self) -> AIOKafkaProducer:
        # Started lazily so the service comes up (and says so on /healthz) while the broker is down.
        if self._producer is not None:
            return self._producer
        async with self._lock:
            if self._producer is None:
                # A group in one batch, so in one request to the broker: at the default 16 KiB, a group of
                # more than some twenty inscriptions took a second round trip.
                producer = make_producer(
                    self._bootstrap, request_timeout_ms=int(self._timeout * 1000), max_batch_size=GROUP_BATCH_BYTES
                )
                try:
                    await asyncio.wait_for(producer.start(), self._timeout)
                except (TimeoutError, KafkaError, OSError) as e:
                    await _abandon(producer)
                    raise BrokerUnavailable(str(e) or type(e).__name__) from e
                self._producer = producer
            return self._producer

    async def publish(self, commands: Sequence[tuple[Command, bytes]]) -> None:
        """Returns once the broker has every command (acks=all), each given with its encoding and sent to its
        meeting's partition in the order given; they are accepted or refused together."""
        producer = self._producer or await self._ready_producer()
        records = [(message_key(command), value) for command, value in commands]
        try:
            async with asyncio.timeout(self._timeout):
                await asyncio.gather(*await send_records(producer, self._topic, records))
        except (TimeoutError, KafkaError, OSError) as e:
            self._discard(producer)
            raise BrokerUnavailable(str(e) or type(e).__name__) from e

    def _discard(self, producer: AIOKafkaProducer) -> None:
        if self._producer is producer:
            log.warning("the broker did not confirm in %.1fs: abandoning the producer and what it holds", self._timeout)
            self._producer = None
            task = asyncio.create_task(_abandon(producer))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    @property
    def connected(self) -> bool:
        return self._producer is not None

    async def stop(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await asyncio.wait_for(producer.stop(), self._timeout)  # flushes what was confirmed pending
            except (TimeoutError, KafkaError, OSError):
                await _abandon(producer)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


async def _abandon(producer: AIOKafkaProducer) -> None:
    """Closes a producer without delivering what it still holds.

    AIOKafkaProducer.stop() flushes pending batches first, which is what must not happen to
    messages whose senders were told they were refused. aiokafka (pinned) has no public way to
    drop them, so: stop the sender task, fail every pending batch, close the connections."""
    error = BrokerUnavailable("abandoned: the broker did not confirm in time")
    sender = getattr(producer, "_sender", None)
    accumulator = getattr(producer, "_message_accumulator", None)
    try:
        if sender is not None and sender.sender_task is not None:
            await sender.close()
        if accumulator is not None:
            batches = [b for queue in accumulator._batches.values() for b in queue] + list(accumulator._pending_batches)
            accumulator.fail_all(error)
            for batch in batches:  # nobody waits on these any more: consume their errors
                for future in (batch.future, getattr(batch, "_drain_waiter", None)):
                    if future is not None and future.done() and not future.cancelled():
                        future.exception()
        producer._closed = True
        await producer.client.close()
    except Exception:  # closing a broken producer must never take the service down
        log.exception("error while abandoning a producer")
