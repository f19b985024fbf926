from fastapi import APIRouter, HTTPException, Request, status

router = APIRouter(prefix="/v1/meetings/{meeting_id}", tags=["lists"])


@router.get("/list")
async def rolling_list(meeting_id: str, request: Request):
    """The rolling list of speakers: public and read only."""
    view = await request.app.state.views.get(meeting_id)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No meeting {meeting_id} is known here.")
    return {
        "meeting_id": meeting_id,
        "seq": view["seq"],
        "title": (view["setup"] or {}).get("title"),
        "status": view["status"],
        "closed": view["list"]["closed"],
        "version": view["list"]["version"],
        "floor": view["floor"],
        "speakers": view["list"]["speakers"],
        "estimates": view["estimates"],
    }
