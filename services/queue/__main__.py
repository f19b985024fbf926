"""Runs the faust worker: `python -m services.queue`."""

import gc
import sys

import mode.loop

# uvloop: the worker is bound by its CPU, and much of that goes to the event loop itself
# (scheduling faust's and aiokafka's callbacks, socket calls). Set before the app exists.
mode.loop.use("uvloop")

from services.queue import agents, timers, web  # noqa: E402, F401  (registers the agent, the clock and /healthz)
from services.queue.app import app, settings  # noqa: E402

# A worker holds many long-lived objects (meetings, faust's and aiokafka's buffers) and makes
# many short-lived ones per command: collecting the young generation every 700 allocations
# (Python's default) cost a fifth of the domain's time in bench/queue_throughput.py.
gc.set_threshold(50_000, 50, 100)

sys.argv = [
    sys.argv[0],
    "worker",
    "--loglevel",
    "info",
    "--web-host",
    settings.host,
    "--web-port",
    str(settings.queue_port),
]
app.main()
