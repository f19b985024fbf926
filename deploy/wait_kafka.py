"""Waits until the broker answers metadata requests: `python deploy/wait_kafka.py [seconds]`."""

import asyncio
import logging
import sys
import time

from services.platform.kafka import kafka_reachable
from services.platform.settings import StackSettings


async def main(limit: float) -> int:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # refusals while it starts are expected
    bootstrap = StackSettings().kafka_bootstrap
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await kafka_reachable(bootstrap):
            return 0
        await asyncio.sleep(0.5)
    print(f"Kafka at {bootstrap} did not answer within {limit:.0f}s; see var/log/kafka.log", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 60)))
