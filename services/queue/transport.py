"""faust's aiokafka transport with a shorter fetch wait for the worker's consumer.

faust creates its consumer with fetch_max_wait_ms=1500, not a setting. A fetch asks the broker
for the partitions that have no records waiting in the client; when the busy partition
still has some, the fetch covers only idle ones and the broker holds it for the whole wait,
so the busy partition's next records come up to 1.5 s late. One meeting's burst on one
partition ran at 3,500 commands/s with 1,500 ms and 6,800/s with 50 ms (bench/queue_throughput.py).
An idle worker pays a few more empty fetches a second."""

from __future__ import annotations

from faust.transport.drivers import aiokafka as driver


class ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport):
        consumer = super()._create_worker_consumer(transport)
        # Read by AIOKafkaConsumer.start() when it makes its Fetcher; the consumer is not started yet.
        consumer._fetch_max_wait_ms = transport.fetch_max_wait_ms
        return consumer


class Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(driver.Transport):
    Consumer = Consumer

    def __init__(self, url, app, *, fetch_max_wait_ms: int):
        super().__init__(url, app)
        self.fetch_max_wait_ms = fetch_max_wait_ms
