"""Test helpers for the real stack: unique names, credentials, and the services as processes."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.registration.credentials import hash_token

ROOT = Path(__file__).resolve().parents[2]
KAFKA = os.environ.get("ROSTRUM_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
REDIS_URL = os.environ.get("ROSTRUM_REDIS_URL", "redis://127.0.0.1:6380/0")


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Tokens:
    """One token per role, written hashed to a credentials file the registration service reads."""

    path: Path
    secretariat: str = field(default_factory=lambda: "t-sec-" + secrets.token_urlsafe(12))
    chair: str = field(default_factory=lambda: "t-chair-" + secrets.token_urlsafe(12))
    display: str = field(default_factory=lambda: "t-display-" + secrets.token_urlsafe(12))
    delegations: dict[str, str] = field(default_factory=dict)

    def delegation(self, name: str) -> str:
        if name not in self.delegations:
            self.delegations[name] = "t-del-" + secrets.token_urlsafe(12)
            self.write()
        return self.delegations[name]

    def write(self) -> None:
        entries = [
            {"role": "secretariat", "sha256": hash_token(self.secretariat)},
            {"role": "chair", "sha256": hash_token(self.chair)},
            {"role": "display", "sha256": hash_token(self.display)},
        ] + [{"role": "delegation", "delegation": d, "sha256": hash_token(t)} for d, t in self.delegations.items()]
        self.path.write_text(json.dumps({"credentials": entries}))

    def header(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


class ServiceProcess:
    """A service run as `python -m services.<name>`, as make run does, on its own port; or as `command`,
    for a stand-in that serves the same /healthz (a benchmark's baseline)."""

    def __init__(self, name: str, env: dict[str, str], port: int, log_dir: Path, command: list[str] | None = None):
        self.name, self.env, self.port = name, env, port
        self.command = command or [sys.executable, "-m", f"services.{name}"]
        self.log_path = log_dir / f"{name}-{port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not healthy within {timeout}s; see {self.log_path}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        """kill -9: no shutdown, no flush."""
        self.stop(signal.SIGKILL)


class Stack:
    """The three services with their own topics, consumer groups and Redis keys."""

    def __init__(self, tmp: Path, services: tuple[str, ...] = ("queue", "notifier", "registration"), **env: str):
        self.prefix = unique()
        self.tokens = Tokens(tmp / "credentials.json")
        self.tokens.write()
        self.ports = {"registration": free_port(), "queue": free_port(), "notifier": free_port()}
        self.env = {
            "ROSTRUM_ENVIRONMENT": "test",
            "ROSTRUM_KAFKA_BOOTSTRAP": KAFKA,
            "ROSTRUM_REDIS_URL": REDIS_URL,
            "ROSTRUM_TOPIC_PREFIX": self.prefix,
            "ROSTRUM_REDIS_PREFIX": self.prefix,
            "ROSTRUM_CREDENTIALS_FILE": str(self.tokens.path),
            "ROSTRUM_REGISTRATION_PORT": str(self.ports["registration"]),
            "ROSTRUM_QUEUE_PORT": str(self.ports["queue"]),
            "ROSTRUM_QUEUE_DATA_DIR": str(tmp / "queue-data"),
            "ROSTRUM_NOTIFIER_PORT": str(self.ports["notifier"]),
            "ROSTRUM_INTAKE_PORT": str(free_port()),
            "ROSTRUM_NOTIFIER_PUBLIC_URL": f"http://127.0.0.1:{self.ports['notifier']}",
            **env,
        }
        self.services = {name: ServiceProcess(name, self.env, self.ports[name], tmp) for name in services}

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def start(self) -> Stack:
        from services.platform.kafka import create_topics

        # In a thread of its own, so that async callers (benchmarks) can start a stack too.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, create_topics(KAFKA, self.prefix)).result()
        try:
            for service in self.services.values():
                service.start()
            for service in self.services.values():
                service.wait_healthy()
        except BaseException:  # a service that never came up: stop those that did, not leave them running
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stops the services and deletes the stack's topics and Redis keys: a test run leaves nothing
        on the broker or in Redis."""
        from aiokafka.errors import KafkaError
        from redis import RedisError

        from services.platform.kafka import delete_topics

        for service in self.services.values():
            service.stop()
        with ThreadPoolExecutor(1) as pool:  # as start()
            try:
                pool.submit(asyncio.run, delete_topics(KAFKA, self.prefix)).result()
            except (KafkaError, OSError, TimeoutError) as e:  # a broker a test left stopped: its topics stay
                print(f"topics of {self.prefix} not deleted: {e!r}", file=sys.stderr)
            try:
                redis_url, redis_prefix = self.env["ROSTRUM_REDIS_URL"], self.env["ROSTRUM_REDIS_PREFIX"]
                pool.submit(asyncio.run, delete_keys(redis_prefix, redis_url)).result()
            except (RedisError, OSError) as e:  # a Redis a test left stopped: the keys stay
                print(f"Redis keys of {self.prefix} not deleted: {e!r}", file=sys.stderr)


async def delete_keys(prefix: str, redis_url: str = REDIS_URL) -> int:
    """Deletes every Redis key under `prefix:` (a test's or a benchmark's, as delete_topics does for its
    topics); returns how many."""
    from redis.asyncio import Redis

    if not prefix:
        raise ValueError("a prefix is needed: without one every key in Redis would go")
    redis = Redis.from_url(redis_url)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}:*", count=1000)]
        for i in range(0, len(keys), 1000):
            await redis.unlink(*keys[i : i + 1000])
        return len(keys)
    finally:
        await redis.aclose()


def wait_for(predicate, timeout: float = 30, interval: float = 0.1, what: str = "condition"):
    """Polls until predicate() returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s")
        time.sleep(interval)
