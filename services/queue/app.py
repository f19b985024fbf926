"""The faust application: the composition root of the queue service.

topics.py, tables.py, agents.py, timers.py, sensors.py and web.py each hold their own kind of thing."""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

import faust

from services.contracts.topics import MAX_EVENT_BYTES
from services.queue.memory import collect_young_less_often
from services.queue.sensors import StallWatch
from services.queue.settings import QueueSettings
from services.queue.transport import Transport

settings = QueueSettings()

app = faust.App(
    settings.app_id,
    broker=f"kafka://{settings.kafka_bootstrap}",
    store="memory://",
    datadir=str(settings.queue_data_dir / settings.app_id),
    topic_partitions=6,
    topic_allow_declare=True,
    topic_disable_leader=True,
    web_host=settings.host,
    web_port=settings.queue_port,
    web_in_thread=False,
    producer_acks=-1,
    # Events and snapshots of a long list are large; the topics accept as much (see contracts.topics).
    producer_max_request_size=MAX_EVENT_BYTES,
    # Correctness rests on idempotent handlers and (meeting, seq) on every event, not on
    # faust's exactly-once processing, which is known to be unreliable.
    processing_guarantee="at_least_once",
    consumer_auto_offset_reset="earliest",
    broker_commit_every=200,
    broker_commit_interval=0.5,
    autodiscover=False,
    consumer_group_instance_id=settings.worker_name,
    broker_session_timeout=10.0,
    broker_heartbeat_interval=1.0,
    # Commands handled since the last save are not acknowledged (see agents.py): a stop must
    # not wait for them. Like a crash, the next start handles them again from the last save.
    stream_wait_empty=False,
    Monitor=StallWatch,
)
app.transport = Transport(app.conf.broker_consumer, app, fetch_max_wait_ms=settings.fetch_max_wait_ms)


def start_again_from_last_save(what: str) -> NoReturn:
    """Exits the worker when what it holds in memory can no longer be trusted to match what is
    saved and published; its next start handles the commands again from the last save. The same
    as kill -9, which tests/integration/queue/test_crash.py proves safe."""
    logging.getLogger(__name__).critical("%s: exiting, to start again from the last save", what, exc_info=True)
    os._exit(70)


def run_worker(loglevel: str = "info") -> None:
    """Runs the worker with the agents imported so far: `python -m services.queue`, and the queue
    benchmark's bare agent alike."""
    collect_young_less_often()
    app.conf.datadir.parent.mkdir(parents=True, exist_ok=True)  # faust makes the last level only
    sys.argv = [sys.argv[0], "worker", "--loglevel", loglevel, "--web-host", settings.host,
                "--web-port", str(settings.queue_port)]  # fmt: skip
    app.main()
