"""Runs the faust worker: `python -m services.queue`."""

import sys

from services.queue import agents, timers, web  # noqa: F401  (registers the agent, the clock and /healthz)
from services.queue.app import app, settings

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
