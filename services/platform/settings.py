from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from services.contracts import TOPICS


class StackSettings(BaseSettings):
    """What every service needs to reach the stack; each service's settings class extends it.

    Read from the environment (ROSTRUM_*), e.g. ROSTRUM_KAFKA_BOOTSTRAP=127.0.0.1:9092."""

    model_config = SettingsConfigDict(env_prefix="ROSTRUM_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    kafka_bootstrap: str = "127.0.0.1:9092"
    redis_url: str = "redis://127.0.0.1:6380/0"
    topic_prefix: str = "rostrum"
    # Every Redis key a service writes starts with this, then the service's own name.
    redis_prefix: str = "rostrum"
    host: str = "127.0.0.1"

    @property
    def commands_topic(self) -> str:
        return TOPICS["commands"].name(self.topic_prefix)

    @property
    def events_topic(self) -> str:
        return TOPICS["events"].name(self.topic_prefix)
