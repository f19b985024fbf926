from __future__ import annotations

import json

from fastapi import APIRouter, Depends, HTTPException, Request, status

from services.contracts import Actor, Channel, InscribeSpeaker, Role, WithdrawInscription
from services.contracts.base import new_id
from services.registration.api.common import command_link, inscription_link, meeting_must_exist, respond
from services.registration.deps import (
    WRITE_OPENAPI,
    Access,
    Caller,
    InscriptionId,
    InvalidField,
    MeetingId,
    acting_delegation,
    require,
    write_access,
)
from services.registration.schemas import Accepted, InscriptionAccepted, InscriptionRequest, InscriptionView, problems
from services.registration.writes import Plan

router = APIRouter(prefix="/v1/meetings/{meeting_id}/inscriptions", tags=["inscriptions"])

FINISHED = {"withdrawn", "spoken", "dropped", "rejected", "not_reached"}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InscriptionAccepted,
    summary="Ask to speak (a delegation for itself, the secretariat for anyone)",
    responses=problems(401, 403, 404, 409, 413, 422, 429, 503),
    openapi_extra=WRITE_OPENAPI,
)
async def inscribe(
    meeting_id: MeetingId,
    body: InscriptionRequest,
    request: Request,
    access: Access = Depends(write_access(Role.secretariat, Role.delegation)),
):
    """Publishes the inscription and answers 202 with its id once the broker has it. The list of speakers
    then accepts it (status `accepted`, with its position and estimated time of speaking) or rejects it
    (status `rejected` with the reason, e.g. the list is closed or the delegation is already inscribed):
    follow it at the `follow` link (also the `Location` header)."""
    caller, key = access.caller, access.key
    delegation = acting_delegation(caller, body.delegation, "this inscription")
    if delegation is None:
        raise InvalidField("delegation", "required: name the delegation that asks to speak")
    await meeting_must_exist(request, meeting_id)

    async def plan() -> Plan:
        command = inscription_command(meeting_id, body, delegation, caller.actor)
        return Plan(
            command=command,
            body={
                "inscription_id": command.inscription_id,
                "meeting_id": meeting_id,
                "delegation": delegation,
                "command_id": command.message_id,
                "status": "pending",
                "follow": inscription_link(meeting_id, command.inscription_id),
            },
        )

    # The plan reads nothing and refuses nothing: with a key, it is stored by the call that reads the key's record.
    return respond(await request.app.state.writes.run(key, plan, plan_first=True))


def inscription_command(meeting_id: str, body: InscriptionRequest, delegation: str, actor: Actor) -> InscribeSpeaker:
    """The command for a request FastAPI has validated. Its contact addresses go in as they are, not validated
    again: they are the request's EmailStr, as many as the contract allows, and an address costs more to
    validate than all the other fields together."""
    return InscribeSpeaker(
        meeting_id=meeting_id,
        inscription_id=new_id(),
        issued_by=actor,
        channel=Channel.http,
        delegation=delegation,
        category=body.category,
        level=body.level,
        speaker_name=body.speaker_name,
        speaker_title=body.speaker_title,
        on_behalf_of=body.on_behalf_of,
        statement=body.statement,
    ).model_copy(update={"contact_emails": list(body.contact_emails)})


async def _inscription(request: Request, meeting_id: str, inscription_id: str) -> dict[str, str]:
    record = await request.app.state.records.inscription(meeting_id, inscription_id)
    if record is None:
        await meeting_must_exist(request, meeting_id)
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No inscription {inscription_id} in meeting {meeting_id}.")
    return record


@router.get(
    "/{inscription_id}",
    response_model=InscriptionView,
    summary="An inscription's status, position and estimated time of speaking",
    responses=problems(401, 403, 404, 429),
)
async def get_inscription(
    meeting_id: MeetingId,
    inscription_id: InscriptionId,
    request: Request,
    caller: Caller = Depends(require(Role.secretariat, Role.chair, Role.display, Role.delegation)),
):
    """`pending` until the list of speakers has taken it up; then `accepted` with `position` (1 is next)
    and `estimated_at`, kept current as the list moves; `rejected` with `reason_code` and `reason`;
    later `called`, `speaking`, `spoken`, `withdrawn`, `dropped` or `not_reached`. A delegation sees
    only its own inscriptions."""
    record = await _inscription(request, meeting_id, inscription_id)
    acting_delegation(caller, record.get("delegation"), "this inscription")
    return InscriptionView(
        inscription_id=inscription_id,
        meeting_id=meeting_id,
        delegation=record.get("delegation"),
        status=record.get("status", "pending"),
        position=int(record["position"]) if record.get("position") else None,
        estimated_at=record.get("estimated_at") or None,
        likely_reached=(record["likely_reached"] == "1") if record.get("likely_reached") else None,
        reason_code=record.get("reason_code"),
        reason=record.get("reason"),
        channel=record.get("channel"),
        command_id=record.get("command_id"),
        details=json.loads(record["inscription"]) if record.get("inscription") else None,
        updated_at=record.get("updated_at") or None,
    )


@router.delete(
    "/{inscription_id}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Withdraw an inscription (the delegation itself, or the secretariat)",
    responses=problems(401, 403, 404, 409, 422, 429, 503),
    openapi_extra=WRITE_OPENAPI,
)
async def withdraw(
    meeting_id: MeetingId,
    inscription_id: InscriptionId,
    request: Request,
    access: Access = Depends(write_access(Role.secretariat, Role.delegation)),
):
    """Publishes the withdrawal; the inscription's status becomes `withdrawn` once the list has taken it
    off. An inscription that has already been withdrawn, spoken or been rejected cannot be withdrawn (409)."""
    caller, key = access.caller, access.key

    async def plan() -> Plan:
        record = await _inscription(request, meeting_id, inscription_id)
        acting_delegation(caller, record.get("delegation"), "this inscription")
        if record.get("status") in FINISHED:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"Inscription {inscription_id} is {record['status']}: nothing to withdraw."
            )
        command = WithdrawInscription(meeting_id=meeting_id, inscription_id=inscription_id, issued_by=caller.actor)
        return Plan(
            command=command,
            body={
                "command_id": command.message_id,
                "status": "published",
                "follow": command_link(meeting_id, command.message_id),
            },
        )

    return respond(await request.app.state.writes.run(key, plan))
