"""faust's aiokafka transport, with three changes to the worker's consumer.

A shorter fetch wait. faust creates its consumer with fetch_max_wait_ms=1500, not a setting.
A fetch asks the broker for the partitions that have no records waiting in the client; when the
busy partition still has some, the fetch covers only idle ones and the broker holds it for the
whole wait, so the busy partition's next records come up to 1.5 s late. One meeting's burst on
one partition ran at 3,500 commands/s with 1,500 ms and 6,800/s with 50 ms
(bench/queue_throughput.py). An idle worker pays a few more empty fetches a second.

Messages handed to the streams without four tasks each (Consumer.wait_first), and a partition
whose stream is behind held back by the stream's buffer, not paused (Consumer.on_buffer_full)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any

from faust.transport.drivers import aiokafka as driver
from mode.services import WaitResults


class ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport):
        consumer = super()._create_worker_consumer(transport)
        # Read by AIOKafkaConsumer.start() when it makes its Fetcher; the consumer is not started yet.
        consumer._fetch_max_wait_ms = transport.fetch_max_wait_ms
        return consumer


class Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def on_buffer_full(self, tp) -> None:
        """Keeps reading a partition whose stream's buffer is full: the full buffer holds the next
        delivery, and so the reading, until the agent takes from it (the agent itself waits for room
        in the handling task's bounded inbox). faust instead takes the partition out of its fetches
        until the buffer has drained to half, and then resumes it late: up to the end of a fetch
        that waits 1 s for the other partitions, or of a 1 s sleep once all of them are out. The
        1,000 meetings stood still for 0.5 to 0.7 s at a time (bench/queue_throughput.py)."""

    async def wait_first(self, *coros: Any, timeout: float | None = None) -> WaitResults:
        """mode's wait_first; a message's delivery to the streams goes first in place.

        faust's consumer hands each message to the streams with
        `wait_first(callback(message), suspend_flow.wait())`: a delivery that waits (on a full
        stream buffer, or on flow control) is abandoned if a rebalance suspends the flow meanwhile.
        mode makes four tasks for that (the delivery, and waits on the suspension and on the
        consumer stopping or crashing): 26 µs a message on this machine, a sixth of the worker's
        time per command. Nearly every delivery finishes without waiting, so here it is stepped
        once in place; only if it has to wait does it go to mode's wait_first, where it continues
        from the point it reached, with the same outcome as before."""
        delivery = coros[0] if coros else None
        if (
            getattr(delivery, "cr_code", None) is getattr(self.callback, "__code__", False)
            and not (self._stopped.is_set() or self._crashed.is_set())
        ):  # fmt: skip
            try:
                waiting_on = delivery.send(None)
            except StopIteration as delivered:
                _close(coros[1:])
                return WaitResults([delivery], [delivered.value], False)
            except BaseException:
                _close(coros[1:])
                raise
            coros = (Continued(delivery, waiting_on), *coros[1:])
        return await super().wait_first(*coros, timeout=timeout)


def _close(coros: tuple[Any, ...]) -> None:
    for coro in coros:
        if asyncio.iscoroutine(coro):
            coro.close()  # never started: closed, so that Python does not warn it was never awaited


class Continued:
    """A coroutine that has run to its first wait, on `waiting_on`: awaiting this one goes on with
    it as awaiting the coroutine itself would have (what `yield from` does, from its second step)."""

    def __init__(self, coro: Coroutine, waiting_on: Any) -> None:
        self._coro, self._waiting_on = coro, waiting_on

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, waiting_on = self._coro, self._waiting_on
        while True:
            try:
                sent = yield waiting_on  # the task running this waits on it, as it would for coro
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as error:  # cancellation included: coro handles it where it waits
                step = coro.throw
                value: Any = error
            else:
                step, value = coro.send, sent
            try:
                waiting_on = step(value)
            except StopIteration as finished:
                return finished.value


class Transport(driver.Transport):
    Consumer = Consumer

    def __init__(self, url, app, *, fetch_max_wait_ms: int):
        super().__init__(url, app)
        self.fetch_max_wait_ms = fetch_max_wait_ms
