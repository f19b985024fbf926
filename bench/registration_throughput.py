"""Registrations accepted per second, beside a bare FastAPI endpoint, in the same run on the same machine.

    .venv/bin/python bench/registration_throughput.py [--seconds 10] [--rounds 4] [--concurrency 64]

Runs the real registration service (`python -m services.registration`, uvicorn, as make run does) on the
real broker and Redis, with its own topics and keys, and a bare FastAPI app (uvicorn, same settings, the
same request model; no credential, no Redis, no Kafka) side by side. Drives them in alternating rounds,
at the same concurrency for the same time: the bare endpoint, registrations with an Idempotency-Key
(as clients are told to send), registrations without. Prints requests per second and the ratios; takes
about 45 s.

Every registration counted is a 202: the inscription is on the commands topic (acks=all, idempotent
producer), its status and idempotency record in Redis, the credential checked and rate-counted; the count
is checked against the topic's end offsets at the end. The load comes from aiohttp by default: httpx's
connection pool slows down past ~16 connections and would measure itself (--client httpx to see).

Beside each rate: the server's own CPU time per request (user and system, from psutil, over the measured
seconds) and its busy share (that CPU time over the seconds measured). A server busy near 100 % is bound by
its CPU, and its rate is the inverse of its CPU per request; one busy much less is waiting on something.
Needs `make infra` (Kafka and Redis up)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi import FastAPI, status  # noqa: E402

from services.contracts import TOPICS  # noqa: E402
from services.contracts.base import new_id  # noqa: E402
from services.registration.credentials import hash_token  # noqa: E402
from services.registration.schemas import InscriptionRequest  # noqa: E402
from tests.support.cpu import cpu_seconds  # noqa: E402
from tests.support.stack import KAFKA, REDIS_URL, delete_keys, free_port, unique  # noqa: E402


def bare_app():
    """The baseline: FastAPI parsing the same body and answering 202, nothing else."""
    app = FastAPI()

    @app.post("/v1/meetings/{meeting_id}/inscriptions", status_code=status.HTTP_202_ACCEPTED)
    async def inscribe(meeting_id: str, body: InscriptionRequest):
        inscription_id = new_id()
        return {
            "inscription_id": inscription_id,
            "meeting_id": meeting_id,
            "delegation": body.delegation,
            "command_id": new_id(),
            "status": "pending",
            "follow": f"/v1/meetings/{meeting_id}/inscriptions/{inscription_id}",
        }

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    return app


def server_stack() -> str:
    """What uvicorn runs on here (both servers alike): uvloop and httptools if installed, else asyncio and h11."""
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop}+{http}"


def serve_bare(port: int) -> None:
    import uvicorn

    # As services/registration/__main__.py runs the real service.
    uvicorn.run(bare_app(), host="127.0.0.1", port=port, log_level="info")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url} exited; see {log}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not healthy in {timeout}s; see {log}")


async def drive(url: str, path: str, headers: dict[str, str], seconds: float, concurrency: int, keyed: bool,
                server: int, client_kind: str = "aiohttp", warm: float = 0.5) -> Result:  # fmt: skip
    """POSTs as fast as `concurrency` clients can for `seconds`, after `warm` seconds not counted; and counts
    the CPU time the `server` process spends meanwhile."""
    result = Result()

    def body_of(n: int, i: int) -> dict:
        return {"delegation": f"Delegation {n}-{i}", "speaker_name": "H.E. Ms. Speaker",
                "level": "head_of_delegation", "contact_emails": [f"d{n}@un.example"]}  # fmt: skip

    async def run(post) -> None:
        async def worker(n: int, until: float, record: bool):
            i = 0
            while time.monotonic() < until:
                i += 1
                h = {**headers, "Idempotency-Key": uuid.uuid4().hex} if keyed else headers
                t = time.perf_counter()
                status = await post(body_of(n, i), h)
                if record:
                    result.latencies.append(time.perf_counter() - t)
                    if status == 202:
                        result.accepted += 1
                    else:
                        result.other += 1

        warm_until = time.monotonic() + warm
        await asyncio.gather(*(worker(n, warm_until, False) for n in range(concurrency)))
        cpu_before = cpu_seconds(server)
        started = time.monotonic()
        await asyncio.gather(*(worker(n, started + seconds, True) for n in range(concurrency)))
        result.seconds = time.monotonic() - started
        result.server_cpu = cpu_seconds(server) - cpu_before

    if client_kind == "httpx":
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

            async def post(body, h):
                return (await client.post(path, json=body, headers=h)).status_code

            await run(post)
    else:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(url, connector=connector) as session:

            async def post(body, h):
                async with session.post(path, json=body, headers=h) as response:
                    await response.read()
                    return response.status

            await run(post)
    return result


@dataclass
class Result:
    accepted: int = 0
    other: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0  # CPU seconds the server spent while the requests counted here were made
    latencies: list[float] = field(default_factory=list)

    def add(self, more: Result) -> None:
        self.accepted += more.accepted
        self.other += more.other
        self.seconds += more.seconds
        self.server_cpu += more.server_cpu
        self.latencies += more.latencies

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request(self) -> float:
        """The server's CPU microseconds per request answered (every answer, whatever its status)."""
        answered = self.accepted + self.other
        return self.server_cpu / answered * 1e6 if answered else 0.0

    @property
    def busy(self) -> float:
        return self.server_cpu / self.seconds if self.seconds else 0.0


def describe(name: str, result: Result) -> str:
    ms = sorted(x * 1000 for x in result.latencies) or [0.0]
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return (f"{name:30} {result.rate:7.0f} req/s  {result.accepted:6d} accepted  {result.other:4d} other  "
            f"p50 {statistics.median(ms):6.1f} ms  p99 {p99:6.1f} ms  "
            f"server {result.cpu_per_request:4.0f} µs CPU/req, busy {result.busy:4.0%}")  # fmt: skip


async def commands_on_topic(topic: str) -> int:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(TOPICS["commands"].partitions)]
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        with contextlib.suppress(asyncio.CancelledError):  # aiokafka's group-less stop right after start
            await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per line")
    parser.add_argument("--rounds", type=int, default=4, help="alternations of the two, to even out other load")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--client", choices=("aiohttp", "httpx"), default="aiohttp",
                        help="the load generator (httpx's pool slows down past ~16 connections: it measures itself)")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return

    from services.platform.kafka import create_topics

    prefix = unique("bench")
    asyncio.run(create_topics(KAFKA, prefix))
    tmp = Path(tempfile.mkdtemp(prefix="rostrum-bench-"))
    token = "bench-" + secrets.token_urlsafe(16)
    (tmp / "credentials.json").write_text(
        json.dumps({"credentials": [{"role": "secretariat", "sha256": hash_token(token)}]})
    )
    reg_port, bare_port = free_port(), free_port()
    env = {
        "ROSTRUM_ENVIRONMENT": "test",
        "ROSTRUM_KAFKA_BOOTSTRAP": KAFKA,
        "ROSTRUM_REDIS_URL": REDIS_URL,
        "ROSTRUM_TOPIC_PREFIX": prefix,
        "ROSTRUM_REDIS_PREFIX": prefix,
        "ROSTRUM_CREDENTIALS_FILE": str(tmp / "credentials.json"),
        "ROSTRUM_REGISTRATION_PORT": str(reg_port),
        "ROSTRUM_INTAKE_PORT": str(free_port()),
        "ROSTRUM_RATE_LIMIT_PER_MINUTE": str(10**9),  # counted on every request, never reached
    }
    reg_log, bare_log = tmp / "registration.log", tmp / "bare.log"
    reg = start([sys.executable, "-m", "services.registration"], env, reg_log)
    bare = start([sys.executable, __file__, "--serve-bare", str(bare_port)], {}, bare_log)
    try:
        reg_url, bare_url = f"http://127.0.0.1:{reg_port}", f"http://127.0.0.1:{bare_port}"
        wait_healthy(reg_url, reg, reg_log)
        wait_healthy(bare_url, bare, bare_log)
        headers = {"Authorization": f"Bearer {token}"}
        meeting = json.loads((ROOT / "deploy/meetings/ga-r2p-2017.json").read_text())
        meeting["meeting_id"] = "bench-meeting"
        r = httpx.post(f"{reg_url}/v1/meetings", json=meeting, headers=headers, timeout=30)
        assert r.status_code == 202, r.text
        path = "/v1/meetings/bench-meeting/inscriptions"

        print(f"{os.cpu_count()} CPUs; {args.concurrency} concurrent clients ({args.client}); {args.seconds:.0f} s "
              f"measured per line, in {args.rounds} alternating rounds; uvicorn {server_stack()}; "
              f"broker {KAFKA} (acks=all, idempotent producer); Redis {REDIS_URL}")  # fmt: skip
        servers = {bare_url: bare.pid, reg_url: reg.pid}
        runs = {
            "bare FastAPI endpoint": (bare_url, {}, True),
            "registration, Idempotency-Key": (reg_url, headers, True),
            "registration, no key": (reg_url, headers, False),
        }
        totals = {name: Result() for name in runs}
        share = args.seconds / args.rounds
        round_ratios = []  # with a key, to the bare endpoint, round by round: how much the machine moved meanwhile
        for _ in range(args.rounds):  # alternating, so that load from elsewhere weighs on all alike
            rates = {}
            for name, (url, h, keyed) in runs.items():
                result = asyncio.run(drive(url, path, h, share, args.concurrency, keyed, servers[url], args.client))
                totals[name].add(result)
                rates[name] = result.rate
            round_ratios.append(rates["registration, Idempotency-Key"] / rates["bare FastAPI endpoint"])
        bare_rate = totals["bare FastAPI endpoint"].rate
        for name, result in totals.items():
            ratio = "" if name.startswith("bare") else f"   ratio to bare {result.rate / bare_rate:.2f}"
            print(describe(name, result) + ratio)
        keyed = totals["registration, Idempotency-Key"]
        keyed_ratio = keyed.rate / bare_rate
        print("ratio with a key, round by round: " + ", ".join(f"{r:.2f}" for r in round_ratios))
        bare_cpu, keyed_cpu = totals["bare FastAPI endpoint"].cpu_per_request, keyed.cpu_per_request
        print(f"server CPU per request, the bare endpoint's to the registration's with a key: {bare_cpu:.0f} / "
              f"{keyed_cpu:.0f} µs = {bare_cpu / keyed_cpu:.2f} "
              f"(the ratio of the rates if both were bound by their CPU)")  # fmt: skip
        print(f"goal (registrations with Idempotency-Key at least half the bare endpoint's rate): "
              f"{'met' if keyed_ratio >= 0.5 else 'NOT met'} ({keyed_ratio:.2f})")  # fmt: skip
        accepted = sum(r.accepted for name, r in totals.items() if not name.startswith("bare"))
        on_topic = asyncio.run(commands_on_topic(f"{prefix}.commands"))
        print(f"commands on the topic: {on_topic} (the set-up, the warm-ups' and the {accepted} measured)")
    finally:
        for proc in (reg, bare):
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        asyncio.run(forget(prefix))


async def forget(prefix: str) -> None:
    """Removes what the run left: its Redis keys and its topics."""
    from services.platform.kafka import delete_topics

    await delete_keys(prefix)
    await delete_topics(KAFKA, prefix)


if __name__ == "__main__":
    main()
