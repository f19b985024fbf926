from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status

from services.contracts import Role, SetUpMeeting
from services.registration.api.common import command_link, respond
from services.registration.deps import WRITE_OPENAPI, Access, Caller, MeetingId, current_caller, write_access
from services.registration.schemas import MeetingAccepted, MeetingRequest, MeetingView, problems
from services.registration.writes import Plan

router = APIRouter(prefix="/v1/meetings", tags=["meetings"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MeetingAccepted,
    summary="Set up a meeting (secretariat)",
    responses=problems(401, 403, 409, 413, 422, 429, 503),
    openapi_extra=WRITE_OPENAPI,
)
async def set_up_meeting(
    body: MeetingRequest,
    request: Request,
    access: Access = Depends(write_access(Role.secretariat)),
):
    """Publishes the meeting's set-up: its programme, ordering policy, time limits, clock, and the e-mail
    addresses each delegation may register from (`delegation_addresses`). Answered 202 once the broker has
    it; inscriptions may follow at once. A meeting id is set up once: a second set-up is 409."""
    caller, key = access.caller, access.key
    records = request.app.state.records

    async def plan() -> Plan:
        if await records.meeting_exists(body.meeting_id):
            raise HTTPException(status.HTTP_409_CONFLICT, f"Meeting {body.meeting_id} is already set up.")
        command = SetUpMeeting(meeting_id=body.meeting_id, setup=body.setup, issued_by=caller.actor)
        return Plan(
            command=command,
            body={
                "meeting_id": body.meeting_id,
                "command_id": command.message_id,
                "status": "published",
                "follow": command_link(body.meeting_id, command.message_id),
            },
        )

    return respond(await request.app.state.writes.run(key, plan))


@router.get("", summary="The meetings set up", responses=problems(401, 429))
async def list_meetings(request: Request, caller: Caller = Depends(current_caller)) -> list[MeetingView]:
    found = await request.app.state.records.meetings()
    return [_view(meeting_id, setup, state) for meeting_id, (setup, state) in found.items()]


@router.get(
    "/{meeting_id}", response_model=MeetingView, summary="A meeting and its state", responses=problems(401, 404, 429)
)
async def get_meeting(meeting_id: MeetingId, request: Request, caller: Caller = Depends(current_caller)):
    """The set-up, and what this service has seen of the meeting: whether the list of speakers has
    confirmed it, whether the list is closed, how many are waiting, the estimates."""
    found = await request.app.state.records.meeting(meeting_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No meeting {meeting_id} is set up.")
    setup, state = found
    return _view(meeting_id, setup, state)


def _view(meeting_id, setup, state: dict[str, str]) -> MeetingView:
    return MeetingView(
        meeting_id=meeting_id,
        confirmed=state.get("confirmed") == "1",
        status=state.get("status") or None,
        closed=state.get("closed") == "1",
        waiting=int(state["waiting"]) if state.get("waiting") else None,
        setup=setup,
        state=state,
    )
