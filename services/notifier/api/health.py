from fastapi import APIRouter, Request

from services.notifier.stream.sse import watchdog
from services.platform.health import health_report

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request):
    state = request.app.state
    mail_worker = state.mail_worker.running or not state.settings.mail_enabled
    return await health_report(state.settings, state.redis, consuming=state.consumer.running, mail_worker=mail_worker)


@router.get("/v1/stats")
async def stats(request: Request):
    """This process: stream clients, clients dropped to a resync, events applied."""
    state = request.app.state
    return {
        "stream_clients": state.hub.subscribers(),
        "resyncs": state.hub.drops,
        "stalled_disconnected": watchdog.stalled,
        "events_applied": state.consumer.applied,
    }
