from __future__ import annotations

from pathlib import Path

from services.platform.settings import StackSettings


class QueueSettings(StackSettings):
    queue_port: int = 8001
    # The most commands handled together (one round trip to the broker for their events).
    batch_size: int = 500
    # Under load (more than one command waiting), how long a batch waits for more before it is handled:
    # larger batches cost the worker less per command (bench/queue_throughput.py). A lone command never waits.
    batch_window_seconds: float = 0.02
    # How long the events producer retries a delivery, e.g. through a broker restart, before
    # the worker gives up and exits (to start again from its last save).
    events_delivery_timeout_ms: int = 60_000
    # How long the broker may hold a fetch that finds no new commands (see transport.py).
    fetch_max_wait_ms: int = 100
    # How often the changed meetings are saved to the table (and their commands acknowledged).
    # A crash replays at most this much of the commands, from the last save.
    save_interval_seconds: float = 1.0
    # How often the clock looks for a due pre-warning, time up or programme change.
    clock_tick_seconds: float = 0.02
    # Static group membership: a worker restarted under the same name takes its partitions back
    # at once, instead of waiting for the broker to give up on its previous life.
    worker_name: str = "queue-1"
    # faust's own directory for this app (the tables are in memory and the changelog: it stays empty),
    # under var/ rather than in whatever directory the worker was started from.
    queue_data_dir: Path = Path("var/queue")

    @property
    def app_id(self) -> str:
        return f"{self.topic_prefix}-queue"
