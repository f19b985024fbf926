"""The composition root: settings, adapters and routes wired once."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from services.registration.api import health, inscriptions, meetings
from services.registration.credentials import CredentialStore
from services.registration.meetings import MeetingDirectory
from services.registration.publisher import BrokerUnavailable, CommandPublisher
from services.registration.settings import RegistrationSettings


def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
    settings = settings or RegistrationSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.settings = settings
        app.state.redis = Redis.from_url(settings.redis_url, decode_responses=True)
        app.state.credentials = CredentialStore(settings.credentials_file)
        app.state.meetings = MeetingDirectory(app.state.redis, settings.redis_keys)
        app.state.publisher = CommandPublisher(settings.kafka_bootstrap, settings.commands_topic)
        yield
        await app.state.publisher.stop()
        await app.state.redis.aclose()

    app = FastAPI(title="Rostrum registration", version="1", lifespan=lifespan)

    @app.exception_handler(BrokerUnavailable)
    async def broker_unavailable(request: Request, exc: BrokerUnavailable):
        return JSONResponse(
            {"detail": "The message broker is unavailable; nothing was accepted. Retry shortly."},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    for module in (health, meetings, inscriptions):
        app.include_router(module.router)
    return app
