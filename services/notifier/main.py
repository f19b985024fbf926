"""The composition root of the notifier."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from services.notifier.api import health, lists
from services.notifier.consumer import EventConsumer
from services.notifier.settings import NotifierSettings
from services.notifier.store import ViewStore


def create_app(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.settings = settings
        app.state.redis = Redis.from_url(settings.redis_url, decode_responses=True)
        app.state.views = ViewStore(app.state.redis, settings.redis_keys)
        app.state.consumer = EventConsumer(
            settings.kafka_bootstrap, settings.events_topic, settings.consumer_group, app.state.views
        )
        await app.state.consumer.start()
        yield
        await app.state.consumer.stop()
        await app.state.redis.aclose()

    app = FastAPI(title="Rostrum notifier", version="1", lifespan=lifespan)
    for module in (health, lists):
        app.include_router(module.router)
    return app
