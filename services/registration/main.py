"""The composition root: settings, adapters and routes wired once; the e-mail intake runs in the same process."""

from __future__ import annotations

import gc
import logging
import re
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException

from services.registration.api import commands, floor, health, inscriptions, meetings, pages
from services.registration.api import list as list_routes
from services.registration.batch import Scripts
from services.registration.consumer import EventConsumer
from services.registration.credentials import CredentialError, CredentialStore
from services.registration.deps import InvalidField, too_many_requests
from services.registration.idempotency import IdempotencyStore
from services.registration.intake.replies import Mailer
from services.registration.intake.server import MailIntake
from services.registration.limits import BodySizeLimit
from services.registration.publisher import BrokerUnavailable, CommandPublisher
from services.registration.ratelimit import RateLimited, RateLimiter
from services.registration.records import Records
from services.registration.settings import RegistrationSettings
from services.registration.writes import KeyInUse, KeyReused, Writes

log = logging.getLogger("services.registration")

DESCRIPTION = """
The write side of Rostrum: delegations inscribe on the list of speakers; the secretariat and the
chair command the list and the floor. Every write is published to Kafka and answered only once
the broker has it (acks=all): `202 Accepted` with the command's id and a link to follow what the
list of speakers made of it. If the broker is unavailable the answer is `503` with `Retry-After`,
and nothing was accepted.

**Credentials.** `Authorization: Bearer <token>`; each token has a role: `secretariat` (everything),
`chair` (the floor, closing and reopening the list), `delegation` (inscribe, withdraw and swap for
its own delegation only), `display` (read only).

**Retries.** Send an `Idempotency-Key` header with every write and the same key when you retry: the
retry gets the first answer again (with `Idempotent-Replayed: true`) and nothing is done twice.

**Limits.** Bodies up to 64 KiB (413 beyond); a rate limit per credential (429 with `Retry-After`).

**E-mail.** Delegations may also register by e-mail to the speakers-list address (an SMTP server
in this service, port 2525 by default); the reply explains the simple form it reads.
"""


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, parts = parts[0], parts[1:]
        if where != "body":
            parts = [where, *parts]
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text or "body"


def _allowed(error: dict) -> list[str] | None:
    expected = (error.get("ctx") or {}).get("expected")
    if expected and error.get("type") in ("enum", "literal_error"):
        return re.findall(r"'([^']*)'", expected)
    return None


async def _counted(request: Request, refusal: Response) -> Response:
    """A refusal of a request whose rate count was pending (a write with an Idempotency-Key refused before its
    key's first Redis call): the request is counted now, and over the limit the answer is 429 instead."""
    try:
        await request.app.state.rate_limiter.count(getattr(request.state, "rate_count", None))
    except RateLimited as e:
        return await http_exception_handler(request, too_many_requests(e.verdict))
    return refusal


def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
    settings = settings or RegistrationSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state = app.state
        state.settings = settings
        state.credentials = CredentialStore(settings.credentials_file)
        try:
            count = state.credentials.load()
            log.info("%d credentials read from %s", count, settings.credentials_file)
            if count == 0 and settings.environment != "development":
                raise CredentialError(f"credentials file {settings.credentials_file} holds no credentials")
        except CredentialError as e:
            if settings.environment != "development":
                raise  # outside development, no valid secret: the service does not start
            log.warning("%s: every request will be refused (run `make run` to make development tokens)", e)
        state.redis = Redis.from_url(settings.redis_url, decode_responses=True)
        state.records = Records(state.redis, settings.redis_keys, settings.record_ttl_seconds)
        state.publisher = CommandPublisher(
            settings.kafka_bootstrap, settings.commands_topic, settings.kafka_timeout_seconds
        )
        scripts = Scripts(state.redis)
        state.idempotency = IdempotencyStore(
            scripts, settings.redis_keys, settings.idempotency_ttl_seconds,
            lease_seconds=2 * settings.kafka_timeout_seconds + 5,
        )  # fmt: skip
        state.rate_limiter = RateLimiter(scripts, settings.redis_keys, settings.rate_limit_per_minute)
        state.writes = Writes(state.records, state.publisher, state.idempotency, scripts)
        state.consumer = EventConsumer(settings.kafka_bootstrap, settings.events_topic, settings.consumer_group,
                                       state.records)  # fmt: skip
        state.mailer = Mailer(settings)
        state.intake = MailIntake(settings, state.records, state.credentials, state.writes, state.mailer)
        await state.consumer.start()
        if settings.intake_enabled:
            try:
                await state.intake.start()
            except OSError as e:
                if settings.environment == "production":
                    raise
                log.error("e-mail intake not started on %s:%s: %s", settings.intake_bind_host,
                          settings.intake_port, e)  # fmt: skip
        # What startup made lives as long as the process: keep it out of every garbage collection; and
        # collect the young generation less often (each request allocates a few thousand short-lived objects).
        if settings.tune_gc:
            gc.collect()
            gc.freeze()
            gc.set_threshold(20_000, 20, 20)
        try:
            yield
        finally:
            await state.intake.stop()
            await state.consumer.stop()
            await state.mailer.drain()
            await state.publisher.stop()
            await state.redis.aclose()

    app = FastAPI(
        title="Rostrum registration",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "meetings", "description": "Meetings, set up by the secretariat."},
            {"name": "inscriptions", "description": "Asking to speak, following it, withdrawing."},
            {"name": "list", "description": "Commands on the list: close, reopen, move, swap (with consent), readd."},
            {"name": "floor", "description": "Commands on the floor: the chair calls, times and ends statements."},
            {"name": "commands", "description": "What became of a command."},
        ],
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    @app.exception_handler(BrokerUnavailable)
    async def broker_unavailable(request: Request, exc: BrokerUnavailable):
        log.warning("broker unavailable: %s", exc)
        return JSONResponse(
            {"detail": "The message broker is unavailable; nothing was accepted. Retry shortly with the same "
             "Idempotency-Key."},
            status_code=503,
            headers={"Retry-After": "5"},
        )  # fmt: skip

    @app.exception_handler(RedisError)
    async def redis_unavailable(request: Request, exc: RedisError):
        log.error("redis unavailable: %s", exc)
        return JSONResponse(
            {"detail": "The service's store is unavailable; retry shortly with the same Idempotency-Key."},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited):
        return await http_exception_handler(request, too_many_requests(exc.verdict))

    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException):
        return await _counted(request, await http_exception_handler(request, exc))

    @app.exception_handler(KeyInUse)
    async def key_in_use(request: Request, exc: KeyInUse):
        return JSONResponse(
            {"detail": "A request with this Idempotency-Key is still being handled; retry in a moment."},
            status_code=409,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(KeyReused)
    async def key_reused(request: Request, exc: KeyReused):
        return JSONResponse(
            {
                "detail": "This Idempotency-Key was used for a different request; use a new key for a new request.",
                "errors": [{"field": "header.Idempotency-Key", "message": "already used for a different request"}],
            },
            status_code=422,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = []
        for error in exc.errors():
            entry = {"field": _field(tuple(error.get("loc", ()))), "message": error.get("msg", "invalid")}
            if allowed := _allowed(error):
                entry["allowed"] = allowed
            errors.append(entry)
        count = len(errors)
        return await _counted(request, JSONResponse(
            {"detail": f"The request has {count} invalid field{'s' if count != 1 else ''}.", "errors": errors},
            status_code=422,
        ))  # fmt: skip

    @app.exception_handler(InvalidField)
    async def invalid_field(request: Request, exc: InvalidField):
        entry = {"field": exc.field, "message": exc.message}
        if exc.allowed:
            entry["allowed"] = exc.allowed
        answer = JSONResponse({"detail": "The request has 1 invalid field.", "errors": [entry]}, status_code=422)
        return await _counted(request, answer)

    # Inscriptions first: a request is matched against each router in turn, and most are inscriptions.
    for module in (inscriptions, health, meetings, list_routes, floor, commands, pages):
        app.include_router(module.router)
    return app
