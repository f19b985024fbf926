"""The floor under the queue worker: the queue's own faust app, transport and settings, with an agent
that only receives each command and acknowledges it (no decoding, no domain, no events, no table).

Run by bench/queue_throughput.py as a process, like the worker: `python bench/queue_bare_agent.py`, with
the stack's environment, BENCH_BARE_COUNT (commands to expect) and BENCH_BARE_MARK (a file it makes once
it has received them all)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mode.loop  # noqa: E402

mode.loop.use("uvloop")  # as the worker (services/queue/__main__.py)

from services.queue import web  # noqa: E402, F401  (/healthz, to know when it is ready)
from services.queue.app import app, run_worker  # noqa: E402
from services.queue.topics import commands_topic  # noqa: E402

expected = int(os.environ["BENCH_BARE_COUNT"])
mark = Path(os.environ["BENCH_BARE_MARK"])


@app.agent(commands_topic)
async def receive_only(stream):
    received = 0
    async for event in stream.noack().events():
        event.ack()
        received += 1
        if received == expected:
            mark.touch()


run_worker(loglevel="warn")
