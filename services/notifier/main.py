"""The composition root of the notifier: settings, adapters, tasks and routes wired once."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from services.notifier.api import display, health, lists, mail, record, snapshot, stream
from services.notifier.consumer import EventConsumer
from services.notifier.mail.outbox import Outbox
from services.notifier.mail.render import MailRenderer
from services.notifier.mail.worker import MailWorker, SmtpConfig, SmtpSender
from services.notifier.processor import EventProcessor
from services.notifier.settings import NotifierSettings
from services.notifier.store import Store, connect
from services.notifier.stream.collector import FreezePolicy
from services.notifier.stream.hub import Hub
from services.notifier.stream.session import Snapshots


def create_app(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        s = app.state
        s.settings = settings
        s.redis = connect(settings.redis_url, settings.redis_max_connections)
        s.store = Store(s.redis, settings.redis_keys, settings.stream_log_size)
        s.snapshots = Snapshots(s.store)
        s.hub = Hub(settings.stream_client_buffer, settings.stream_tick_seconds)
        s.outbox = Outbox(s.redis, settings.redis_keys, keep_seconds=settings.mail_keep_days * 86400)
        sender = SmtpSender(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                mail_from=settings.mail_from,
                username=settings.smtp_username,
                password=settings.smtp_password,
                security=settings.smtp_security,
                timeout=settings.smtp_timeout_seconds,
            )
        )
        s.mail_worker = MailWorker(
            s.outbox,
            sender,
            lease_seconds=settings.mail_lease_seconds,
            poll_seconds=settings.mail_poll_seconds,
            retry_base=settings.mail_retry_base_seconds,
            retry_max=settings.mail_retry_max_seconds,
            max_attempts=settings.mail_max_attempts,
            concurrency=settings.mail_concurrency,
            resend_uncertain=settings.mail_resend_uncertain,
        )
        processor = EventProcessor(
            s.store,
            s.hub,
            settings.mail_policy,
            MailRenderer(),
            settings.mail_from,
            on_mail=s.mail_worker.wake,
            mail_enabled=settings.mail_enabled,
        )
        s.consumer = EventConsumer(
            settings.kafka_bootstrap,
            settings.events_topic,
            settings.consumer_group,
            processor,
            session_timeout_ms=settings.kafka_session_timeout_ms,
        )
        if settings.mail_enabled:
            s.mail_worker.start()
        await s.consumer.start()
        tasks = [asyncio.create_task(s.hub.run_ticks(), name="stream-ticks")]
        if settings.stream_gc_freeze:
            policy = FreezePolicy(s.hub.subscribers, minimum=settings.stream_gc_freeze_minimum)
            tasks.append(asyncio.create_task(policy.run(), name="gc-policy"))
        yield
        for task in tasks:
            task.cancel()
        await s.consumer.stop()
        await s.mail_worker.stop()
        await s.redis.aclose()

    app = FastAPI(title="Rostrum notifier", version="1", lifespan=lifespan)
    # Everything the notifier serves is public and read only: any page (the console, a mission's
    # own site) may read the rolling list and the stream.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"], allow_headers=["Last-Event-ID"])

    @app.exception_handler(RedisError)
    async def redis_unavailable(request: Request, exc: RedisError):
        return JSONResponse(
            {"detail": "The read model is unavailable for a moment. Retry shortly."},
            status_code=503,
            headers={"Retry-After": "2"},
        )

    for module in (health, lists, snapshot, stream, record, mail, display):
        app.include_router(module.router)
    return app
