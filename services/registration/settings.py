from __future__ import annotations

from pathlib import Path

from pydantic import model_validator

from services.platform.settings import StackSettings

DEVELOPMENT_CREDENTIALS = Path("var/dev-credentials.json")


class RegistrationSettings(StackSettings):
    registration_port: int = 8000
    # JSON file of hashed bearer tokens with their roles (see credentials.py).
    credentials_file: Path = DEVELOPMENT_CREDENTIALS
    # How long an Idempotency-Key is remembered.
    idempotency_ttl_seconds: int = 24 * 3600
    max_body_bytes: int = 64 * 1024
    rate_limit_per_minute: int = 600

    @property
    def redis_keys(self) -> str:
        return f"{self.redis_prefix}:registration"

    @model_validator(mode="after")
    def _real_credentials_outside_development(self) -> RegistrationSettings:
        if self.environment == "production":
            if self.credentials_file == DEVELOPMENT_CREDENTIALS:
                raise ValueError("production refuses the development credentials: set ROSTRUM_CREDENTIALS_FILE")
            if not self.credentials_file.is_file():
                raise ValueError(f"credentials file {self.credentials_file} is missing")
        return self
