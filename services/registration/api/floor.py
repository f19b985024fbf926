"""Commands on the floor and the meeting: the chair (or the secretariat) runs them."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, HTTPException, Request, status

from services.contracts import (
    AdjournMeeting,
    CallNextSpeaker,
    ConcludeMeeting,
    EndSpeech,
    ExtendSpeech,
    MarkAbsent,
    PauseSpeech,
    ResumeMeeting,
    ResumeSpeech,
    Role,
    StartSpeech,
)
from services.registration.api.common import meeting_must_exist, respond
from services.registration.api.list import published
from services.registration.deps import WRITE_OPENAPI, Access, MeetingId, write_access
from services.registration.schemas import Accepted, ExtendRequest, problems
from services.registration.writes import Plan

router = APIRouter(prefix="/v1/meetings/{meeting_id}/floor", tags=["floor"])

# action -> (command, summary, description)
SIMPLE = {
    "call-next": (CallNextSpeaker, "Call the next speaker", "The first waiting speaker is called to the floor."),
    "start": (StartSpeech, "Start the speaker's clock", "The called speaker begins; the time limit runs."),
    "pause": (PauseSpeech, "Pause the speaker's clock", "A pause never costs the speaker time."),
    "resume": (ResumeSpeech, "Resume the speaker's clock", ""),
    "end": (EndSpeech, "End the statement", "The speaker has finished; the record keeps the time spoken."),
    "absent": (MarkAbsent, "The called speaker is not in the room",
               "What follows is the meeting's setting: moved to the end, a few places down, or dropped."),
    "adjourn": (AdjournMeeting, "Adjourn (suspend) the meeting", "The meeting clock stops until it resumes."),
    "resume-meeting": (ResumeMeeting, "Resume the adjourned meeting", ""),
    "conclude": (ConcludeMeeting, "Conclude the meeting", "Speakers still waiting are recorded as not reached."),
}  # fmt: skip
ACTIONS = (*SIMPLE, "extend")
CHAIR_WRITE = write_access(Role.chair, Role.secretariat)


def _route(action: str, command_type):
    async def endpoint(
        meeting_id: MeetingId,
        request: Request,
        access: Access = Depends(CHAIR_WRITE),
    ):
        caller, key = access.caller, access.key
        await meeting_must_exist(request, meeting_id)

        async def plan() -> Plan:
            return published(command_type(meeting_id=meeting_id, issued_by=caller.actor))

        return respond(await request.app.state.writes.run(key, plan))

    endpoint.__name__ = action.replace("-", "_")
    return endpoint


for _action, (_command, _summary, _description) in SIMPLE.items():
    router.add_api_route(
        f"/{_action}",
        _route(_action, _command),
        methods=["POST"],
        status_code=status.HTTP_202_ACCEPTED,
        response_model=Accepted,
        summary=f"{_summary} (chair or secretariat)",
        description=f"{_description} Publishes {_command.__name__}; the list of speakers may still refuse it "
        "(e.g. no speaker called): follow the command to see.",
        responses=problems(401, 403, 404, 422, 429, 503),
        openapi_extra=WRITE_OPENAPI,
    )


@router.post(
    "/extend",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Give the speaker more time (chair or secretariat)",
    responses=problems(401, 403, 404, 413, 422, 429, 503),
    openapi_extra=WRITE_OPENAPI,
)
async def extend(
    meeting_id: MeetingId,
    request: Request,
    body: ExtendRequest | None = Body(default=None, examples=[{"seconds": 60}]),
    access: Access = Depends(CHAIR_WRITE),
):
    """Extends the current statement by `seconds` (default 30, at most 3600)."""
    caller, key = access.caller, access.key
    await meeting_must_exist(request, meeting_id)
    seconds = (body or ExtendRequest()).seconds

    async def plan() -> Plan:
        return published(ExtendSpeech(meeting_id=meeting_id, seconds=seconds, issued_by=caller.actor))

    return respond(await request.app.state.writes.run(key, plan))


@router.post("/{action}", include_in_schema=False)
async def unknown_action(meeting_id: str, action: str):
    raise HTTPException(
        status.HTTP_404_NOT_FOUND,
        f"There is no floor action {action!r}; the floor actions are: {', '.join(ACTIONS)}.",
    )
