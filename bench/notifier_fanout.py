"""Fan-out of one meeting's events to 10,000 concurrent SSE subscribers on one notifier process.

    .venv/bin/python bench/notifier_fanout.py [--subscribers 10000] [--clients 1] [--cycles 5] [--quick]

Starts a notifier process (python -m services.notifier, as make run does) on its own topics and Redis keys,
loads a meeting with 80 speakers on its list, opens the SSE connections from `--clients` client processes
(raw non-blocking sockets on epoll, so the clients cost as little CPU as possible), then publishes the events
of `--cycles` speakers' turns to Kafka, one every --interval seconds. For every event and every subscriber it
measures the time from just before the event was handed to the producer to the moment the last bytes of its
SSE frame reached the subscriber's socket (the kernel's receive timestamp, SO_TIMESTAMP: what the clients'
own processing costs is left out), and prints p50, p99 and max, overall and by kind of event; and the notifier's
resident memory (VmRSS) per connection. Goal: p99 <= 500 ms, <= 50 KB a connection.
Needs Kafka and Redis up (`make infra`)."""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import select
import signal
import socket
import statistics
import struct
import sys
import tempfile
import time
from array import array
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.platform.kafka import make_producer, publish  # noqa: E402
from tests.support.stack import KAFKA, Stack  # noqa: E402
from tests.unit.notifier.factory import MeetingScript  # noqa: E402

SPEAKERS = 80
SO_TIMESTAMP = 29  # Linux: the kernel stamps each received packet (struct timeval, the real-time clock)


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- the subscriber side: one process, many sockets, epoll ---------------------------------------------


def client_main(port: int, path: str, count: int, wave: int, ready, go, results) -> None:
    """Opens `count` SSE connections, says so, then records when each event's frame completes on each."""
    raise_nofile()
    ep = select.epoll()
    socks: dict[int, socket.socket] = {}
    carry: dict[int, bytes] = {}
    connected: set[int] = set()  # got their first frame (the snapshot)
    arrivals: dict[int, array] = defaultdict(lambda: array("d"))
    resyncs = 0
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
    closed = 0

    def on_readable(fd: int) -> None:
        nonlocal resyncs, closed
        s = socks[fd]
        while True:
            try:
                chunk, ancillary, _, _ = s.recvmsg(262144, 64)
            except BlockingIOError:
                return
            except ConnectionError:
                chunk, ancillary = b"", []
            if not chunk:
                ep.unregister(fd)
                s.close()
                closed += 1
                return
            # When the data reached this subscriber's socket, whatever this process was busy with meanwhile.
            now = time.time()
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMP:
                    seconds, micros = struct.unpack("ll", data[:16])
                    now = seconds + micros / 1e6
            data = carry.get(fd, b"") + chunk if fd in carry else chunk
            end = data.rfind(b"\n\n")
            if end < 0:
                carry[fd] = data
                continue
            rest = data[end + 2 :]
            if rest:
                carry[fd] = rest
            else:
                carry.pop(fd, None)
            for frame in data[:end].split(b"\n\n"):
                i = frame.find(b"id: ")
                if i >= 0:
                    j = frame.find(b"\n", i)
                    seq = int(frame[i + 4 : j])
                    arrivals[seq].append(now)
                    connected.add(fd)
                elif b"event: resync" in frame:
                    resyncs += 1

    def pump(timeout: float) -> None:
        for fd, _ in ep.poll(timeout):
            on_readable(fd)

    opened = 0
    while opened < count:
        batch = min(wave, count - opened)
        fresh = []
        for _ in range(batch):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
            s.connect(("127.0.0.1", port))
            s.sendall(request)
            s.setblocking(False)
            socks[s.fileno()] = s
            ep.register(s.fileno(), select.EPOLLIN)
            fresh.append(s.fileno())
        opened += batch
        deadline = time.monotonic() + 60
        while not all(fd in connected for fd in fresh):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{sum(fd in connected for fd in fresh)} of {batch} connections got a snapshot")
            pump(0.05)
    arrivals.clear()  # the snapshots
    ready.send(len(connected))
    while not go.poll():
        pump(0.01)
    go.recv()
    stop_at = None
    while True:
        pump(0.01)
        if stop_at is None and go.poll():
            go.recv()
            stop_at = time.monotonic() + 3  # stragglers
        if stop_at is not None and time.monotonic() > stop_at:
            break
    results.send(({seq: a.tobytes() for seq, a in arrivals.items()}, resyncs, closed))
    for s in socks.values():
        s.close()


# --- the bench ----------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


async def publish_all(topic: str, events, interval: float) -> dict[int, tuple[float, str]]:
    producer = make_producer(KAFKA, linger_ms=0)
    await producer.start()
    sent = {}
    try:
        for event in events:
            sent[event.seq] = (time.time(), event.type)
            await publish(producer, topic, event)
            await asyncio.sleep(interval)
    finally:
        await producer.stop()
    return sent


def meeting_with_list() -> tuple[MeetingScript, list, list]:
    m = MeetingScript(meeting_id="bench-fanout")
    setup = m.set_up() + m.open_floor()
    for n in range(SPEAKERS):
        setup += m.inscribe(f"Delegation {n:02d}", emails=[f"d{n}@example.org"], speaker_name=f"H.E. Speaker {n}")
    return m, setup


def cycle(m: MeetingScript) -> list:
    """One speaker's turn as the room sees it."""
    events = m.call_next()  # SpeakerCalled, ListChanged (the whole list)
    m.advance(10)
    events += m.start()
    m.advance(150)
    events += m.pause(30) + m.resume(30)
    m.advance(35)
    events += m.end()
    events.append(m.estimates())
    m.advance(10)
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=1, help="client processes")
    parser.add_argument("--cycles", type=int, default=4, help="speakers' turns published")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between published events")
    parser.add_argument("--wave", type=int, default=500, help="connections opened at a time")
    parser.add_argument("--quick", action="store_true", help="1,000 subscribers, 2 turns (a smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.subscribers, args.cycles = min(args.subscribers, 1000), min(args.cycles, 2)
    limit = raise_nofile()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # so that the notifier is stopped too
    per_client = -(-args.subscribers // args.clients)
    if per_client + 100 > limit or args.subscribers + 200 > limit:
        sys.exit(f"RLIMIT_NOFILE is {limit}: too low for {args.subscribers} subscribers")

    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="notifier-fanout-"))
    stack = Stack(tmp, services=("notifier",), ROSTRUM_MAIL_ENABLED="false", ROSTRUM_ACCESS_LOG="false")
    stack.start()
    notifier = stack["notifier"]
    pid = notifier.proc.pid
    topic = f"{stack.prefix}.events"
    try:
        m, setup = meeting_with_list()
        asyncio.run(publish_all(topic, setup, 0))
        import httpx

        deadline = time.monotonic() + 60
        while httpx.get(f"{notifier.url}/v1/meetings/{m.meeting_id}/list").json().get("seq", 0) < m.seq:
            if time.monotonic() > deadline:
                raise TimeoutError("the notifier did not load the meeting")
            time.sleep(0.1)
        snapshot_bytes = len(httpx.get(f"{notifier.url}/v1/meetings/{m.meeting_id}/snapshot").content)
        time.sleep(1)
        rss_before = rss_kb(pid)

        ctx = mp.get_context("fork")
        clients = []
        t0 = time.monotonic()
        for c in range(args.clients):
            count = min(per_client, args.subscribers - c * per_client)
            ready_r, ready_w = ctx.Pipe(duplex=False)
            go_r, go_w = ctx.Pipe(duplex=False)
            res_r, res_w = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=client_main,
                args=(notifier.port, f"/v1/meetings/{m.meeting_id}/stream", count, args.wave, ready_w, go_r, res_w),
                daemon=True,
            )
            proc.start()
            clients.append((proc, ready_r, go_w, res_r))
        connected = 0
        for proc, ready, _, _ in clients:
            while not ready.poll(1):
                if not proc.is_alive():
                    raise RuntimeError("a client process died while connecting; see its traceback above")
            connected += ready.recv()
        connect_seconds = time.monotonic() - t0
        time.sleep(2)
        rss_connected = rss_kb(pid)
        subscribers = httpx.get(f"{notifier.url}/v1/stats").json()["stream_clients"]

        events = [e for _ in range(args.cycles) for e in cycle(m)]
        sizes = {e.type: len(e.model_dump_json()) for e in events}
        for _, _, go, _ in clients:
            go.send("go")
        sampler_peak = [rss_connected]

        async def run():
            async def sample():
                while True:
                    sampler_peak[0] = max(sampler_peak[0], rss_kb(pid))
                    await asyncio.sleep(0.2)

            task = asyncio.create_task(sample())
            try:
                return await publish_all(topic, events, args.interval)
            finally:
                task.cancel()

        sent = asyncio.run(run())
        for _, _, go, _ in clients:
            go.send("stop")
        arrivals: dict[int, list[float]] = defaultdict(list)
        resyncs = closed = 0
        for proc, _, _, res in clients:
            got, r, c = res.recv()
            resyncs += r
            closed += c
            for seq, raw in got.items():
                a = array("d")
                a.frombytes(raw)
                arrivals[seq].extend(a)
            proc.join(10)
    finally:
        stack.stop()  # and its topics

    latencies: list[float] = []
    by_type: dict[str, list[float]] = defaultdict(list)
    missing = 0
    for seq, (at, type_) in sent.items():
        got = [(t - at) * 1000 for t in arrivals.get(seq, [])]
        missing += connected - len(got)
        latencies += got
        by_type[type_] += got
    latencies.sort()
    per_connection_kb = (rss_connected - rss_before) / max(1, connected)
    print(f"notifier fan-out: {connected} SSE subscribers on one notifier process ({args.clients} client process(es))")
    print(f"  connections opened in {connect_seconds:.1f} s (snapshot {snapshot_bytes / 1024:.1f} KB each); "
          f"the notifier counted {subscribers}")  # fmt: skip
    print(f"  {len(sent)} events published, {args.interval:.1f} s apart; {len(latencies)} deliveries measured, "
          f"{missing} missing, {resyncs} resyncs, {closed} connections closed")  # fmt: skip
    print(f"  latency queue event -> subscriber (ms): p50 {percentile(latencies, 50):.0f}  "
          f"p99 {percentile(latencies, 99):.0f}  max {latencies[-1] if latencies else float('nan'):.0f}")  # fmt: skip
    if os.environ.get("BENCH_DEBUG"):  # every event's latencies, first subscribers
        for seq, (at, type_) in sent.items():
            print(seq, type_, sorted(round((t - at) * 1000) for t in arrivals.get(seq, []))[:12])
    for type_, values in sorted(by_type.items()):
        values.sort()
        print(f"    {type_:<17} p50 {percentile(values, 50):6.0f}  p99 {percentile(values, 99):6.0f}  "
              f"max {values[-1] if values else float('nan'):6.0f}   ({sizes[type_] / 1024:.1f} KB)")  # fmt: skip
    print(f"  notifier RSS: {rss_before / 1024:.0f} MB before, {rss_connected / 1024:.0f} MB with the connections "
          f"(peak {sampler_peak[0] / 1024:.0f} MB while fanning out)")  # fmt: skip
    print(f"  memory per connection: {per_connection_kb:.1f} KB")
    goal_latency = percentile(latencies, 99) <= 500
    goal_memory = per_connection_kb <= 50
    print(f"  goal p99 <= 500 ms: {'met' if goal_latency else 'NOT met'}; "
          f"<= 50 KB a connection: {'met' if goal_memory else 'NOT met'}")  # fmt: skip
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  bench took {time.monotonic() - started:.0f} s; mean latency {statistics.fmean(latencies):.0f} ms; "
          f"{os.cpu_count()} CPUs, load average {load}")  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
