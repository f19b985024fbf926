"""The events producer: the queue's own aiokafka producer, acks=all and idempotent.

Its own rather than faust's: a batch's events go out as one record batch per partition
(services.platform.kafka.send_batched), a fraction of the cost of a send per event. The
meetings' snapshots and the clock's commands go out the same way.

One batch of events is in flight while the agent handles the next batch of commands; the next
batch's events are handed over only once the broker has the previous one. So if a delivery
fails, nothing after it has reached the broker: the worker exits, and its next start handles
the commands again from the last save, in order (consumers drop what they already have)."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from services.contracts import Event
from services.contracts.topics import MAX_EVENT_BYTES
from services.platform.kafka import make_producer, send_batched
from services.queue.app import app, settings, start_again_from_last_save
from services.queue.topics import events_topic


class EventPublisher:
    def __init__(self) -> None:
        self._producer: AIOKafkaProducer | None = None
        self._starting = asyncio.Lock()
        self._in_flight: list[asyncio.Future] = []

    async def send(self, events: list[Event]) -> None:
        """Hands the events to the broker once the previous ones are delivered; does not wait for these."""
        await self.delivered()
        if events:
            self._in_flight = await send_batched(await self.started(), events_topic.get_topic_name(), events)

    async def delivered(self) -> None:
        """Returns once the broker has every event sent so far."""
        in_flight, self._in_flight = self._in_flight, []
        try:
            await asyncio.gather(*in_flight)
        except KafkaError:
            # The producer gave up retrying (request_timeout_ms): the state in memory is ahead of the events.
            start_again_from_last_save("events not delivered")

    async def started(self) -> AIOKafkaProducer:
        """The producer, started on first use (inside the worker's event loop). The table's
        snapshots and the clock's commands go out through it too."""
        async with self._starting:
            if self._producer is None:
                producer = make_producer(
                    settings.kafka_bootstrap,
                    max_request_size=MAX_EVENT_BYTES,
                    max_batch_size=1024 * 1024,
                    # Retries through a broker restart before giving up (see delivered()).
                    request_timeout_ms=settings.events_delivery_timeout_ms,
                )
                await producer.start()
                self._producer = producer
        return self._producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self.delivered()
            await self._producer.stop()
            self._producer = None


publisher = EventPublisher()


@app.on_before_shutdown.connect
async def stop_publisher(app, **kwargs) -> None:
    await publisher.stop()
