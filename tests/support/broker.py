"""A second, private Apache Kafka broker for tests that stop and restart it (the shared one must stay up).

Started the way deploy/stack.sh starts the development broker: the same jars (var/cache/kafka-libs),
StorageTool format, then kafka.Kafka, with a generated server.properties on free ports and a data
directory of its own. Stopping and starting again keeps the data (same cluster, same topics)."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

from services.platform.kafka import kafka_reachable
from tests.support.stack import ROOT, free_port

LIBS = ROOT / "var/cache/kafka-libs"
LOG_CONFIG = ROOT / "deploy/kafka/log4j2.yaml"


class KafkaBroker:
    def __init__(self, directory: Path, port: int | None = None, controller_port: int | None = None):
        self.directory = directory
        self.port = port or free_port()
        self.controller_port = controller_port or free_port()
        self.data = directory / "data"
        self.properties = directory / "server.properties"
        self.log_path = directory / "kafka.log"
        self.proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _java(self, *args: str) -> list[str]:
        return ["java", "-Xms128m", "-Xmx512m", f"-Dlog4j2.configurationFile={LOG_CONFIG}",
                "-cp", f"{LIBS}/*", *args]  # fmt: skip

    def _configure(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.properties.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    "num.partitions=1",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    f"log.dirs={self.data}",
                    "",
                ]
            )
        )
        if not (self.data / "meta.properties").exists():
            cluster_id = _cluster_id()
            with open(self.log_path, "ab") as log:
                subprocess.run(
                    self._java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(self.properties)),
                    stdout=log, stderr=subprocess.STDOUT, check=True, timeout=120,
                )  # fmt: skip

    def start(self, timeout: float = 90) -> KafkaBroker:
        if self.proc is not None and self.proc.poll() is None:
            return self
        self._configure()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self._java("-XX:+UseSerialGC", "kafka.Kafka", str(self.properties)),
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ},
        )  # fmt: skip
        quiet = logging.getLogger("aiokafka")
        level, quiet.level = quiet.level, logging.CRITICAL  # refusals while it starts are expected
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"Kafka exited with {self.proc.returncode}; see {self.log_path}")
                if asyncio.run(kafka_reachable(self.bootstrap, timeout=2)):
                    return self
                time.sleep(0.3)
        finally:
            quiet.setLevel(level)
        raise TimeoutError(f"Kafka on {self.bootstrap} not up within {timeout}s; see {self.log_path}")

    def stop(self, timeout: float = 30) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _cluster_id() -> str:
    """A random cluster id as Kafka makes them: never one starting with "-", which StorageTool's
    command line would take for an option (and fail one format in 64)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id
