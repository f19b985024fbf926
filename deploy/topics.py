"""Creates the contract's topics on the broker (idempotent): `python deploy/topics.py`."""

import asyncio

from services.platform.kafka import create_topics
from services.platform.settings import StackSettings

if __name__ == "__main__":
    settings = StackSettings()
    created = asyncio.run(create_topics(settings.kafka_bootstrap, settings.topic_prefix))
    print(f"topics: created {created}" if created else "topics: all present")
