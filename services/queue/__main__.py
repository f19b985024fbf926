"""Runs the faust worker: `python -m services.queue`."""

import sys

import mode.loop

# uvloop: the worker is bound by its CPU, and much of that goes to the event loop itself
# (scheduling faust's and aiokafka's callbacks, socket calls). Set before the app exists.
mode.loop.use("uvloop")

from services.queue import agents, timers, web  # noqa: E402, F401  (registers the agent, the clock and /healthz)
from services.queue.app import app, settings  # noqa: E402
from services.queue.memory import collect_young_less_often  # noqa: E402

collect_young_less_often()

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
