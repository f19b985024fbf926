from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, EmailStr, Field

from services.contracts import Actor, Category, InscribeSpeaker, Level, Role
from services.contracts.base import new_id
from services.registration.deps import require

router = APIRouter(prefix="/v1/meetings/{meeting_id}/inscriptions", tags=["inscriptions"])


class InscriptionRequest(BaseModel):
    delegation: str = Field(min_length=1, max_length=200, examples=["Ireland"])
    category: Category = Category.member_state
    level: Level = Level.other
    speaker_name: str = Field(default="", max_length=200, examples=["H.E. Mr. Brendan Ward"])
    speaker_title: str = Field(default="", max_length=200, examples=["Deputy Permanent Representative"])
    on_behalf_of: str | None = Field(default=None, max_length=200)
    contact_emails: list[EmailStr] = Field(default_factory=list, max_length=10)


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def inscribe(
    meeting_id: str,
    body: InscriptionRequest,
    request: Request,
    actor: Actor = Depends(require(Role.secretariat, Role.delegation)),
):
    if not await request.app.state.meetings.exists(meeting_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No meeting {meeting_id} is set up.")
    if actor.role == Role.delegation and actor.delegation != body.delegation:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"Your credential acts for {actor.delegation}, not for {body.delegation}."
        )
    command = InscribeSpeaker(meeting_id=meeting_id, inscription_id=new_id(), issued_by=actor, **body.model_dump())
    await request.app.state.publisher.publish(command)
    return {
        "inscription_id": command.inscription_id,
        "command_id": command.message_id,
        "status": "pending",
        "follow": f"/v1/meetings/{meeting_id}/inscriptions/{command.inscription_id}",
    }
