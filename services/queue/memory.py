"""How the worker's memory is collected: set once, by the worker and by the benchmark of its core."""

import gc


def collect_young_less_often() -> None:
    """A worker holds many long-lived objects (meetings, faust's and aiokafka's buffers) and makes many
    short-lived ones per command: collecting the young generation every 700 allocations (Python's default)
    cost a fifth of the domain's time in bench/queue_throughput.py."""
    gc.set_threshold(50_000, 50, 100)
