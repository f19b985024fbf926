from fastapi import APIRouter, Request

from services.notifier.api.deps import MeetingId, known_view
from services.notifier.view import public_view

router = APIRouter(prefix="/v1/meetings/{meeting_id}", tags=["lists"])


@router.get("/list")
async def rolling_list(meeting_id: MeetingId, request: Request):
    """The rolling list of speakers: public and read only. The current picture at once, with its seq."""
    seq, view = await known_view(request, meeting_id)
    view = public_view(view)
    return {
        "meeting_id": meeting_id,
        "seq": seq,
        "title": (view["setup"] or {}).get("title"),
        "status": view["status"],
        "segment": view["segment"],
        "closed": view["list"]["closed"],
        "version": view["list"]["version"],
        "floor": view["floor"],
        "speakers": view["list"]["speakers"],
        "estimates": view["estimates"],
        "updated_at": view["updated_at"],
    }
