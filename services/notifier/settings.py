"""The notifier's settings, read from the environment (ROSTRUM_...), e.g. ROSTRUM_SMTP_HOST=smtp.example.org."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from services.notifier.mail.policy import MailPolicy
from services.platform.settings import StackSettings


class NotifierSettings(StackSettings):
    notifier_port: int = 8002
    access_log: bool = True
    listen_backlog: int = Field(default=4096, ge=64)
    redis_max_connections: int = Field(default=64, ge=4)  # beyond it, requests wait for a connection

    # --- e-mail -------------------------------------------------------------------------------
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    # auto: STARTTLS when the server offers it; tls: implicit TLS (port 465); starttls: required; none: plain.
    smtp_security: Literal["auto", "starttls", "tls", "none"] = "auto"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = "Rostrum list of speakers <speakers-list@rostrum.local>"
    mail_enabled: bool = True
    # Retries of a temporary failure (4xx, connection refused, timeout): base * 2**(attempt-1), capped.
    mail_retry_base_seconds: float = Field(default=2.0, gt=0)
    mail_retry_max_seconds: float = Field(default=600.0, gt=0)
    mail_max_attempts: int = Field(default=10, ge=1)
    # A worker holds a message this long while sending it; after a crash it is sent again once the lease
    # ends. Must exceed smtp_timeout_seconds, or two workers could send the same message.
    mail_lease_seconds: float = Field(default=120.0, gt=0)
    mail_poll_seconds: float = Field(default=1.0, gt=0)
    mail_concurrency: int = Field(default=2, ge=1, le=32)  # e-mails in flight at once
    # An e-mail whose DATA was under way when the notifier died may or may not have been accepted. False: never
    # sent again, recorded as uncertain (no e-mail twice). True: sent again with the same Message-ID.
    mail_resend_uncertain: bool = False
    # How long a sent message (and so its deduplication) is remembered.
    mail_keep_days: int = Field(default=60, ge=1)

    # Which e-mails are sent, and when (see services/notifier/mail/policy.py).
    mail_confirmation: bool = True
    mail_rejection: bool = True
    mail_position_changed: bool = True
    mail_position_change_places: int = Field(default=3, ge=1)
    mail_position_change_minutes: int = Field(default=10, ge=0)  # 0: estimated time is not a criterion
    mail_due_soon: bool = True
    mail_due_soon_minutes: int = Field(default=15, ge=1)
    mail_next: bool = True
    mail_unlikely: bool = True
    mail_statement_record: bool = True

    # --- streams ------------------------------------------------------------------------------
    # Events kept per meeting for clients that resume with Last-Event-ID.
    stream_log_size: int = Field(default=2000, ge=10)  # a day of a meeting is some hundreds
    # Messages buffered per client; a client that falls this far behind is dropped to a resync.
    stream_client_buffer: int = Field(default=256, ge=4)
    # How often the stream says the server's time (a display corrects its countdown with it).
    stream_tick_seconds: float = Field(default=10.0, gt=0)
    # A client whose socket accepts nothing for this long is disconnected.
    stream_send_timeout_seconds: float = Field(default=30.0, gt=0)
    # The reconnection delay an SSE client is told to use (the `retry:` field).
    stream_retry_ms: int = Field(default=2000, ge=100)

    # Keep the garbage collector off established connections (services/notifier/stream/collector.py).
    stream_gc_freeze: bool = True
    stream_gc_freeze_minimum: int = Field(default=500, ge=1)

    # --- Kafka --------------------------------------------------------------------------------
    kafka_session_timeout_ms: int = Field(default=10000, ge=6000)
    # Several notifier replicas, each with its own name, each read every partition (their own consumer group):
    # all write the read model idempotently (the seq decides) and each streams to its own clients.
    notifier_instance: str = Field(default="", pattern=r"^[a-z0-9-]{0,40}$")

    @property
    def redis_keys(self) -> str:
        return f"{self.redis_prefix}:notifier"

    @property
    def consumer_group(self) -> str:
        suffix = f".{self.notifier_instance}" if self.notifier_instance else ""
        return f"{self.topic_prefix}.notifier{suffix}"

    @property
    def mail_policy(self) -> MailPolicy:
        return MailPolicy(
            confirmation=self.mail_confirmation,
            rejection=self.mail_rejection,
            position_changed=self.mail_position_changed,
            position_change_places=self.mail_position_change_places,
            position_change_minutes=self.mail_position_change_minutes,
            due_soon=self.mail_due_soon,
            due_soon_minutes=self.mail_due_soon_minutes,
            next=self.mail_next,
            unlikely=self.mail_unlikely,
            statement_record=self.mail_statement_record,
        )
