from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from services.contracts import Actor, MeetingSetup, Role, SetUpMeeting
from services.registration.deps import require

router = APIRouter(prefix="/v1/meetings", tags=["meetings"])


class MeetingRequest(BaseModel):
    meeting_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["ga-r2p-2017"])
    setup: MeetingSetup


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def set_up_meeting(body: MeetingRequest, request: Request, actor: Actor = Depends(require(Role.secretariat))):
    meetings = request.app.state.meetings
    if await meetings.exists(body.meeting_id):
        raise HTTPException(status.HTTP_409_CONFLICT, f"Meeting {body.meeting_id} is already set up.")
    command = SetUpMeeting(meeting_id=body.meeting_id, setup=body.setup, issued_by=actor)
    await request.app.state.publisher.publish(command)
    await meetings.save(body.meeting_id, body.setup)
    return {"meeting_id": body.meeting_id, "command_id": command.message_id}


@router.get("/{meeting_id}")
async def get_meeting(meeting_id: str, request: Request):
    setup = await request.app.state.meetings.get(meeting_id)
    if setup is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No meeting {meeting_id} is set up.")
    return {"meeting_id": meeting_id, "setup": setup}
