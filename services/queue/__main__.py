"""Runs the faust worker: `python -m services.queue`."""

import mode.loop

# uvloop: the worker is bound by its CPU, and much of that goes to the event loop itself
# (scheduling faust's and aiokafka's callbacks, socket calls). Set before the app exists.
mode.loop.use("uvloop")

from services.queue import agents, timers, web  # noqa: E402, F401  (registers the agent, the clock and /healthz)
from services.queue.app import run_worker  # noqa: E402

run_worker()
