"""The lean SSE response against a fake ASGI server: the hub writes to idle connections directly; a write the
socket cannot take at once finishes later, with what came meanwhile queued behind it, in order."""

import asyncio

import pytest

from services.notifier.stream import sse
from services.notifier.stream.session import Snapshots, StreamSession
from services.notifier.stream.sse import LeanEventSourceResponse
from tests.unit.notifier.factory import MeetingScript
from tests.unit.notifier.fakes import FakeStore, publish


class FakeConnection:
    """The server side of one HTTP connection, as ASGI shows it."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.started = False
        self.writable = asyncio.Event()
        self.writable.set()
        self.gone = asyncio.Event()
        self.writes = 0

    async def send(self, message):
        if message["type"] == "http.response.start":
            self.started = True
            return
        if not self.writable.is_set():
            await self.writable.wait()  # the socket is full: uvicorn waits for it to drain
        self.writes += 1
        self.chunks.append(message["body"])

    async def receive(self):
        await self.gone.wait()
        return {"type": "http.disconnect"}

    def ids(self) -> list[int]:
        text = b"".join(self.chunks).decode()
        return [int(line[4:]) for line in text.split("\n") if line.startswith("id: ")]


async def connect(store, hub, m, connection, **kwargs):
    session = StreamSession(store, hub, Snapshots(store), m.meeting_id)
    first = await session.open(None)
    response = LeanEventSourceResponse(
        session, b"retry: 2000\n\n" + b"".join(f.sse for f in first), send_timeout=kwargs.get("send_timeout", 30),
        on_close=session.close,
    )  # fmt: skip
    scope = {"type": "http", "method": "GET"}
    task = asyncio.create_task(response(scope, connection.receive, connection.send))
    for _ in range(10):
        await asyncio.sleep(0)
    return response, task


@pytest.fixture
def meeting():
    from services.notifier.stream.hub import Hub

    return FakeStore(), Hub(), MeetingScript()


async def test_live_events_are_written_directly_to_an_idle_connection(meeting):
    store, hub, m = meeting
    await publish(store, hub, m.set_up())
    connection = FakeConnection()
    response, task = await connect(store, hub, m, connection)
    assert connection.started and connection.chunks[0].startswith(b"retry: 2000\n\nid: 1\nevent: snapshot")
    writes = connection.writes
    await publish(store, hub, m.inscribe("Ireland"))
    # Written during the publish itself: no task had to run.
    assert connection.writes == writes + 2 and connection.ids() == [1, 2, 3]
    connection.gone.set()
    await asyncio.wait_for(task, 2)
    assert hub.subscribers() == 0


async def test_a_full_socket_keeps_the_order_and_loses_nothing(meeting):
    store, hub, m = meeting
    await publish(store, hub, m.set_up())
    connection = FakeConnection()
    response, task = await connect(store, hub, m, connection)
    connection.writable.clear()  # the client stops reading
    await publish(store, hub, m.inscribe("Ireland") + m.inscribe("Ghana"))
    assert connection.ids() == [1]
    connection.writable.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert connection.ids() == [1, 2, 3, 4, 5]
    await publish(store, hub, m.inscribe("Japan"))  # idle again: direct again
    assert connection.ids() == [1, 2, 3, 4, 5, 6, 7]
    connection.gone.set()
    await asyncio.wait_for(task, 2)


async def test_a_connection_that_accepts_nothing_is_closed(meeting, monkeypatch):
    monkeypatch.setattr(sse.watchdog, "_interval", 0.05)
    store, hub, m = meeting
    await publish(store, hub, m.set_up())
    connection = FakeConnection()
    response, task = await connect(store, hub, m, connection, send_timeout=0.2)
    connection.writable.clear()
    await publish(store, hub, m.inscribe("Ireland"))
    await asyncio.wait_for(task, 3)  # ended by the watchdog, not by the client
    assert sse.watchdog.stalled >= 1
    assert hub.subscribers() == 0


async def test_head_answers_headers_only(meeting):
    store, hub, m = meeting
    await publish(store, hub, m.set_up())
    connection = FakeConnection()
    session = StreamSession(store, hub, Snapshots(store), m.meeting_id)
    first = await session.open(None)
    response = LeanEventSourceResponse(session, first[0].sse, send_timeout=5, on_close=session.close)
    await response({"type": "http", "method": "HEAD"}, connection.receive, connection.send)
    assert connection.started and b"".join(connection.chunks) == b""
    assert hub.subscribers() == 0
