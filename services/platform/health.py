"""/healthz: whether this service's Kafka and Redis connections are up."""

from __future__ import annotations

import time

from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.platform.kafka import kafka_reachable
from services.platform.settings import StackSettings

_CACHE_SECONDS = 2.0
_last: dict[str, tuple[float, bool]] = {}


async def _kafka_up(bootstrap: str) -> bool:
    # Probing the broker opens a connection: remember the answer briefly so health checks stay cheap.
    at, up = _last.get(bootstrap, (0.0, False))
    if time.monotonic() - at > _CACHE_SECONDS:
        up = await kafka_reachable(bootstrap, timeout=1.5)
        _last[bootstrap] = (time.monotonic(), up)
    return up


async def _redis_up(redis: Redis) -> bool:
    try:
        return bool(await redis.ping())
    except (RedisError, OSError):
        return False


async def health_report(settings: StackSettings, redis: Redis, **extra: bool) -> JSONResponse:
    checks = {"kafka": await _kafka_up(settings.kafka_bootstrap), "redis": await _redis_up(redis), **extra}
    ok = all(checks.values())
    return JSONResponse({"status": "ok" if ok else "degraded", **checks}, status_code=200 if ok else 503)
