from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status

from services.contracts import Role
from services.registration.api.common import meeting_must_exist
from services.registration.deps import Caller, CommandId, MeetingId, acting_delegation, require
from services.registration.schemas import CommandView, problems

router = APIRouter(prefix="/v1/meetings/{meeting_id}/commands", tags=["commands"])


@router.get(
    "/{command_id}",
    response_model=CommandView,
    summary="What became of a command: published, applied, or rejected with the reason",
    responses=problems(401, 403, 404, 429),
)
async def get_command(
    meeting_id: MeetingId,
    command_id: CommandId,
    request: Request,
    caller: Caller = Depends(require(Role.secretariat, Role.chair, Role.delegation)),
):
    """Every write answers with a `command_id`. The list of speakers may refuse a command the broker has
    taken (the list is closed, no speaker has been called...): the refusal shows here with `reason_code`
    and `reason`. A delegation sees only its own commands."""
    record = await request.app.state.records.command(meeting_id, command_id)
    if record is None or "status" not in record:
        await meeting_must_exist(request, meeting_id)
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No command {command_id} in meeting {meeting_id}.")
    if caller.role == Role.delegation:
        acting_delegation(caller, record.get("issued_by_delegation") or "another credential", "this command")
    return CommandView(
        command_id=command_id,
        meeting_id=meeting_id,
        type=record.get("type"),
        status=record["status"],
        reason_code=record.get("reason_code"),
        reason=record.get("reason"),
        inscription_id=record.get("inscription_id"),
        issued_by_role=record.get("issued_by_role"),
        issued_by_delegation=record.get("issued_by_delegation") or None,
    )
