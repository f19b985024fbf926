from fastapi import APIRouter, Request

from services.notifier.api.deps import MeetingId, known_view
from services.notifier.view import clock_setting, public_view

router = APIRouter(prefix="/v1/meetings/{meeting_id}", tags=["lists"])


@router.get("/snapshot")
async def snapshot(meeting_id: MeetingId, request: Request):
    """The whole current picture, as a stream's first message gives it: list, floor, clock, estimates, record."""
    seq, view = await known_view(request, meeting_id)
    hub = request.app.state.hub
    return {**hub.now(clock_setting(view)), "type": "snapshot", "seq": seq, "view": public_view(view)}
