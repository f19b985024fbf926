"""The live streams on a real notifier process, fed through Kafka: a snapshot on connect, resume with
Last-Event-ID without gap or duplicate, a slow client that delays nobody, over SSE and WebSocket alike."""

import asyncio
import json
import re
import socket
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from services.contracts import ClockSetting
from tests.integration.notifier.support import SseReader, eventually, produce, start_notifier
from tests.unit.notifier.factory import START, MeetingScript


@pytest.fixture(scope="module")
def notifier(tmp_path_factory):
    n = start_notifier(
        tmp_path_factory.mktemp("stream"),
        ROSTRUM_STREAM_LOG_SIZE="10",  # a short log: resuming from further back gets a snapshot
        ROSTRUM_STREAM_CLIENT_BUFFER="64",  # a small buffer: a client that does not read is soon dropped
        ROSTRUM_STREAM_TICK_SECONDS="1",
    )
    yield n
    n.stop()


def stream_url(notifier, m, **query) -> str:
    q = "".join(f"{'&' if i else '?'}{k}={v}" for i, (k, v) in enumerate(query.items()))
    return f"{notifier.url}/v1/meetings/{m.meeting_id}/stream{q}"


def ws_url(notifier, m, **query) -> str:
    return stream_url(notifier, m, **query).replace("http://", "ws://")


async def a_meeting(notifier, speakers: int = 1, **kwargs) -> MeetingScript:
    m = MeetingScript(**kwargs)
    events = m.set_up() + m.open_floor()
    for i in range(speakers):
        events += m.inscribe(f"Delegation {i}")
    await produce(notifier.topic, events)
    await eventually(lambda: notifier.get(f"/v1/meetings/{m.meeting_id}/list").json().get("seq") == m.seq,
                     what="the meeting loaded")  # fmt: skip
    return m


def close_to_now(iso: str, seconds: float = 5) -> bool:
    return abs(datetime.fromisoformat(iso.replace("Z", "+00:00")) - datetime.now(UTC)) < timedelta(seconds=seconds)


async def test_sse_a_new_client_gets_a_snapshot_then_every_event(notifier):
    m = await a_meeting(notifier, speakers=2)
    async with httpx.AsyncClient(timeout=10) as client, client.stream("GET", stream_url(notifier, m)) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        reader = SseReader(response)
        snapshot = await reader.next()
        assert reader.retry == 2000
        assert snapshot.event == "snapshot" and snapshot.id == str(m.seq)
        data = snapshot.data
        assert data["type"] == "snapshot" and data["reason"] == "connect" and data["seq"] == m.seq
        assert [e["inscription"]["delegation"] for e in data["view"]["list"]["speakers"]] == [
            "Delegation 0",
            "Delegation 1",
        ]
        assert close_to_now(data["server_time"]) and data["clock_rate"] == 1.0
        assert "@" not in json.dumps(data)  # nobody's address on a public stream

        events = m.call_next() + m.start()
        await produce(notifier.topic, events)
        got = await reader.until(lambda msg: msg.id == str(m.seq))
        got = [g for g in got if g.event != "tick"]
        assert [(g.event, g.id) for g in got] == [(e.type, str(e.seq)) for e in events]
        started = got[-1].data
        assert started["event"]["deadline_at"] and started["occurred_at"]  # a display counts down to it
        assert close_to_now(started["server_time"])


async def test_sse_resume_with_last_event_id_no_gap_no_duplicate(notifier):
    m = await a_meeting(notifier)
    last = m.seq
    missed = m.inscribe("Ghana") + m.inscribe("Japan")
    await produce(notifier.topic, missed)
    notifier.wait_seq(m.meeting_id, m.seq)
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("GET", stream_url(notifier, m), headers={"Last-Event-ID": str(last)}) as response:
            reader = SseReader(response)
            got = [await reader.next() for _ in missed]
            assert [(g.event, g.id) for g in got] == [(e.type, str(e.seq)) for e in missed]
            more = m.inscribe("Chile")
            await produce(notifier.topic, more)
            live = [g for g in await reader.until(lambda msg: msg.id == str(m.seq)) if g.event != "tick"]
            assert [g.id for g in live] == [str(e.seq) for e in more]
        # The query parameter works as well (for a first connection that knows where it stopped).
        async with client.stream("GET", stream_url(notifier, m, last_event_id=m.seq - 1)) as response:
            assert (await SseReader(response).next()).id == str(m.seq)


async def test_sse_resume_from_before_the_log_or_after_it_gets_a_snapshot_saying_so(notifier):
    m = await a_meeting(notifier, speakers=8)  # 19 events; the log keeps 10
    async with httpx.AsyncClient(timeout=10) as client:
        for last_id, reason in (("2", "too_old"), ("999", "unknown_position"), ("not-a-number", "connect")):
            async with client.stream("GET", stream_url(notifier, m), headers={"Last-Event-ID": last_id}) as r:
                first = await SseReader(r).next()
                assert first.event == "snapshot" and first.data["reason"] == reason, last_id
                assert first.id == str(m.seq)


async def test_sse_nothing_missed_gets_the_time(notifier):
    m = await a_meeting(notifier)
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("GET", stream_url(notifier, m), headers={"Last-Event-ID": str(m.seq)}) as r:
            first = await SseReader(r).next()
    assert first.event == "tick" and first.id is None and first.data["seq"] == m.seq


async def test_ticks_say_the_time_and_the_seq(notifier):
    m = await a_meeting(notifier)
    async with httpx.AsyncClient(timeout=10) as client, client.stream("GET", stream_url(notifier, m)) as r:
        reader = SseReader(r)
        await reader.next()
        tick = (await reader.until(lambda msg: msg.event == "tick", timeout=5))[-1]
    assert tick.data["seq"] == m.seq and close_to_now(tick.data["server_time"])


async def test_a_simulated_clock_is_told_as_the_meeting_reads_it(notifier):
    anchor = datetime.now(UTC)
    clock = ClockSetting(mode="simulated", starts_at=START, anchor=anchor, rate=60)
    m = await a_meeting(notifier, clock=clock)
    async with httpx.AsyncClient(timeout=10) as client, client.stream("GET", stream_url(notifier, m)) as r:
        snapshot = (await SseReader(r).next()).data
    assert snapshot["clock_rate"] == 60.0 and snapshot["clock"]["mode"] == "simulated"
    server = datetime.fromisoformat(snapshot["server_time"].replace("Z", "+00:00"))
    meeting = datetime.fromisoformat(snapshot["meeting_time"].replace("Z", "+00:00"))
    assert abs(meeting - (START + (server - anchor) * 60)) < timedelta(milliseconds=100)


async def test_websocket_snapshot_live_and_resume(notifier):
    m = await a_meeting(notifier)
    async with ws_connect(ws_url(notifier, m)) as ws:
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert snapshot["type"] == "snapshot" and snapshot["seq"] == m.seq and snapshot["reason"] == "connect"
        events = m.inscribe("Ghana")
        await produce(notifier.topic, events)
        got = []
        while len(got) < len(events):
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message["type"] != "tick":
                got.append(message)
        assert [(g["type"], g["seq"]) for g in got] == [(e.type, e.seq) for e in events]
    last = m.seq
    missed = m.inscribe("Japan")
    await produce(notifier.topic, missed)
    notifier.wait_seq(m.meeting_id, m.seq)
    async with ws_connect(ws_url(notifier, m, last_event_id=last)) as ws:
        got = [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in missed]
        assert [(g["type"], g["seq"]) for g in got] == [(e.type, e.seq) for e in missed]


async def test_a_slow_client_delays_nobody_and_is_told_to_resync(notifier):
    m = await a_meeting(notifier)
    # A client that stops reading: a tiny receive buffer, and nothing read after the request.
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", notifier.process.port))
    slow.sendall(f"GET /v1/meetings/{m.meeting_id}/stream HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    try:
        async with httpx.AsyncClient(timeout=30) as client, client.stream("GET", stream_url(notifier, m)) as r:
            # A client that keeps up, reading as fast as the bytes come, while the events are produced.
            chunks = r.aiter_raw()
            parts = [await anext(chunks)]
            events = []
            for i in range(260):  # ten kilobytes a speaker, who then withdraws: 5 MB, more than socket buffers hold
                accepted, listed = m.inscribe(f"Delegation {i:03d}", speaker_name="H.E. " + "x" * 10_000)
                events += [accepted, listed] + m.withdraw(accepted.inscription.inscription_id)
            last = f"id: {m.seq}\n".encode()

            async def read_all():
                while last not in (parts[-2][-64:] if len(parts) > 1 else b"") + parts[-1]:
                    parts.append(await anext(chunks))

            started = time.monotonic()
            reading = asyncio.create_task(read_all())
            await produce(notifier.topic, events)
            await asyncio.wait_for(reading, 30)
            elapsed = time.monotonic() - started
        received = b"".join(parts)
        ids = re.findall(rb"^id: (\d+)$", received, flags=re.M)
        assert [int(i) for i in ids[1:]] == [e.seq for e in events]  # every event, in order, once
        assert b"event: resync" not in received
        assert elapsed < 20
        assert notifier.get("/v1/stats").json()["resyncs"] >= 1

        # The slow client, reading at last: told to resync, then given the whole picture.
        slow.settimeout(5)
        backlog = b""
        while not re.search(rb"event: resync\n.*\n\n(?:[0-9a-f]+\r\n)?id: \d+\nevent: snapshot\n", backlog, flags=re.S):
            chunk = slow.recv(1 << 20)
            assert chunk, "the server closed the slow client's stream before telling it to resync"
            backlog += chunk
    finally:
        slow.close()


async def test_unknown_meetings_and_bad_input(notifier):
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(f"{notifier.url}/v1/meetings/no-such-meeting/stream")
        assert r.status_code == 404
        r = await client.get(f"{notifier.url}/v1/meetings/Bad%20Id!/stream")
        assert r.status_code == 422
        r = await client.get(f"{notifier.url}/v1/meetings/no-such-meeting/stream", headers={"Last-Event-ID": "x" * 50})
        assert r.status_code in (404, 422)
    with pytest.raises(ConnectionClosed) as closed:
        async with ws_connect(f"{notifier.url.replace('http', 'ws')}/v1/meetings/no-such-meeting/stream") as ws:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd.code == 4404
