"""/healthz on faust's own web server."""

from __future__ import annotations

from services.platform.kafka import kafka_reachable
from services.queue.app import app, settings


@app.page("/healthz")
async def healthz(web, request):
    kafka = await kafka_reachable(settings.kafka_bootstrap, timeout=1.5)
    # Ready once it owns partitions and its table is restored from the changelog.
    recovered = app.tables.recovery.completed.is_set() and bool(app.consumer.assignment()) and not app.rebalancing
    ok = kafka and recovered
    # The queue keeps its state in the faust table's changelog on Kafka: it has no Redis connection.
    body = {"status": "ok" if ok else "degraded", "kafka": kafka, "recovered": recovered, "redis": "not used"}
    return web.json(body, status=200 if ok else 503)
