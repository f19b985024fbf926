from __future__ import annotations

from services.platform.settings import StackSettings


class NotifierSettings(StackSettings):
    notifier_port: int = 8002
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mail_from: str = "Rostrum list of speakers <speakers-list@rostrum.local>"

    @property
    def redis_keys(self) -> str:
        return f"{self.redis_prefix}:notifier"

    @property
    def consumer_group(self) -> str:
        return f"{self.topic_prefix}.notifier"
