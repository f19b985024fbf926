from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from services.platform.settings import StackSettings

DEVELOPMENT_CREDENTIALS = Path("var/dev-credentials.json")


class RegistrationSettings(StackSettings):
    """The registration service's settings, from ROSTRUM_* variables (e.g. ROSTRUM_INTAKE_PORT=2525)."""

    registration_port: int = 8000
    # Where people reach this API, for the links in replies (e-mail acknowledgements).
    public_url: str = "http://127.0.0.1:8000"
    # Where browsers reach the notifier's public read API: the console's live list and stream.
    notifier_public_url: str = "http://127.0.0.1:8002"
    # JSON file of hashed bearer tokens with their roles (see credentials.py).
    credentials_file: Path = DEVELOPMENT_CREDENTIALS

    # Writes
    # How long an Idempotency-Key is remembered.
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Requests per credential per minute (a fixed window in Redis); 0 turns the limit off.
    rate_limit_per_minute: int = Field(default=600, ge=0)
    # How long a request waits for the broker before it is answered 503 (and the producer's request timeout).
    kafka_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    # How long a delegation's proposal to swap places waits for the other delegation's consent.
    swap_proposal_ttl_seconds: int = Field(default=3600, ge=60)
    # How long inscription and command statuses are kept (the commands topic keeps two weeks).
    record_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=3600)

    # Freeze what startup made out of garbage collection and collect young objects less often: a third of
    # the CPU per request otherwise (off in tests that run the app inside the test process).
    tune_gc: bool = True

    # E-mail intake: an SMTP server in this process, taking registrations sent to the speakers-list address.
    intake_enabled: bool = True
    intake_host: str | None = None  # defaults to `host`
    intake_port: int = 2525
    speakers_list_address: str = "speakers-list@rostrum.local"
    max_mail_bytes: int = Field(default=512 * 1024, ge=4096)

    # Replies to e-mail registrants go out through this SMTP server (make run runs one on 1025).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool | None = None  # None: use STARTTLS when the server offers it
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Rostrum list of speakers <speakers-list@rostrum.local>"

    @property
    def redis_keys(self) -> str:
        return f"{self.redis_prefix}:registration"

    @property
    def consumer_group(self) -> str:
        return f"{self.topic_prefix}.registration"

    @property
    def intake_bind_host(self) -> str:
        return self.intake_host or self.host

    @model_validator(mode="after")
    def _real_credentials_outside_development(self) -> RegistrationSettings:
        if self.environment != "development":
            if self.credentials_file == DEVELOPMENT_CREDENTIALS:
                raise ValueError(
                    f"the {self.environment} environment refuses the development credentials: "
                    "set ROSTRUM_CREDENTIALS_FILE to the deployment's own file"
                )
            if not self.credentials_file.is_file():
                raise ValueError(f"credentials file {self.credentials_file} is missing")
        return self
