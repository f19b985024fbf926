"""The worker's consumer: a message's delivery to the streams runs in place unless it has to wait, and
then ends as mode's wait_first ends it; a partition whose stream is behind stays in the fetches."""

import asyncio

import pytest
from faust.types import TP

from services.queue.app import app
from services.queue.sensors import StallWatch
from services.queue.transport import Consumer, Continued

TPX = TP("commands", 0)


def consumer_delivering_with(deliver) -> Consumer:
    async def no_rebalance(*args, **kwargs) -> None:
        pass

    consumer = app.transport.create_consumer(
        callback=deliver, on_partitions_revoked=no_rebalance, on_partitions_assigned=no_rebalance
    )
    assert isinstance(consumer, Consumer)
    return consumer


async def test_a_delivery_that_does_not_wait_runs_in_place_without_a_task():
    delivered = []

    async def deliver(message):
        delivered.append(message)
        return f"delivered {message}"

    consumer = consumer_delivering_with(deliver)
    tasks_before = len(asyncio.all_tasks())
    suspension = consumer.suspend_flow.wait()
    delivery = deliver("m1")

    result = await consumer.wait_first(delivery, suspension)

    assert delivered == ["m1"]
    assert result.done == [delivery] and result.results == ["delivered m1"] and not result.stopped
    assert len(asyncio.all_tasks()) == tasks_before
    assert suspension.cr_frame is None  # closed, never run: no "never awaited" warning


async def test_a_delivery_that_waits_goes_on_from_where_it_stopped():
    room = asyncio.get_running_loop().create_future()
    steps = []

    async def deliver(message):
        steps.append("before the wait")
        await room
        steps.append("after the wait")
        return message

    consumer = consumer_delivering_with(deliver)
    waiting = asyncio.ensure_future(consumer.wait_first(deliver("m1"), consumer.suspend_flow.wait()))
    await asyncio.sleep(0.01)
    assert steps == ["before the wait"] and not waiting.done()

    room.set_result(None)
    result = await asyncio.wait_for(waiting, 2)

    assert steps == ["before the wait", "after the wait"]
    assert result.results == ["m1"]


async def test_a_waiting_delivery_is_abandoned_when_a_rebalance_suspends_the_flow():
    seen = []

    async def deliver(message):
        try:
            await asyncio.sleep(3600)  # a full stream buffer that never drains
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    consumer = consumer_delivering_with(deliver)
    suspension = consumer.suspend_flow.wait()
    waiting = asyncio.ensure_future(consumer.wait_first(deliver("m1"), suspension))
    await asyncio.sleep(0.01)

    consumer.suspend_flow.set()
    result = await asyncio.wait_for(waiting, 2)
    await asyncio.sleep(0)  # the abandoned delivery takes its cancellation

    assert result.done == [suspension]
    assert seen == ["cancelled"]


async def test_a_delivery_that_fails_at_once_raises_and_closes_the_rest():
    async def deliver(message):
        raise ValueError("undecodable")

    consumer = consumer_delivering_with(deliver)
    suspension = consumer.suspend_flow.wait()
    with pytest.raises(ValueError, match="undecodable"):
        await consumer.wait_first(deliver("m1"), suspension)
    assert suspension.cr_frame is None


async def test_other_waits_go_to_mode_as_before():
    async def deliver(message):
        return message

    async def something_else():
        return "else"

    consumer = consumer_delivering_with(deliver)
    other = something_else()
    result = await consumer.wait_first(other, consumer.suspend_flow.wait())
    assert result.done == [other] and result.results == ["else"]


async def test_a_continued_coroutine_receives_what_its_wait_raises():
    failing = asyncio.get_running_loop().create_future()

    async def waits_then_recovers():
        try:
            await failing
        except KeyError:
            return "recovered"

    coroutine = waits_then_recovers()
    waiting_on = coroutine.send(None)
    assert waiting_on is failing

    continued = asyncio.ensure_future(_await(Continued(coroutine, waiting_on)))
    await asyncio.sleep(0)
    failing.set_exception(KeyError("gone"))
    assert await asyncio.wait_for(continued, 2) == "recovered"


async def _await(awaitable):
    return await awaitable


def test_a_partition_whose_stream_is_behind_stays_in_the_fetches():
    async def deliver(message):
        return message

    consumer = consumer_delivering_with(deliver)
    consumer._active_partitions = {TPX}
    consumer.on_buffer_full(TPX)
    assert consumer._get_active_partitions() == {TPX}


def test_the_app_keeps_no_statistics_per_message_but_watches_for_stopped_streams():
    monitor = app.monitor
    assert isinstance(monitor, StallWatch)
    monitor.on_message_in(TPX, 1, message=None)
    assert monitor.messages_received_total == 0
    monitor.on_stream_event_in(TPX, 1, stream=None, event=None)
    assert TPX in monitor.stream_inbound_time
