from fastapi import APIRouter, Request

from services.platform.health import health_report

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request):
    return await health_report(
        request.app.state.settings, request.app.state.redis, consuming=request.app.state.consumer.running
    )
