from fastapi import APIRouter, Request

from services.platform.health import health_report

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Whether Kafka, Redis, the events consumer (and in production the intake) are up")
async def healthz(request: Request):
    state = request.app.state
    extra = {"consuming": state.consumer.running}
    if state.settings.environment == "production" and state.settings.intake_enabled:
        extra["intake"] = state.intake.listening
    return await health_report(state.settings, state.redis, **extra)
