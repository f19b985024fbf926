"""Commands on the list of speakers: close, reopen, move, swap, readd; and swap proposals awaiting consent."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, HTTPException, Request, status

from services.contracts import CloseList, Command, MoveSpeaker, ReaddSpeaker, ReopenList, Role, SwapSpeakers
from services.contracts.base import utcnow
from services.registration.api.common import command_link, meeting_must_exist, respond
from services.registration.deps import WRITE_OPENAPI, Access, Caller, MeetingId, require, write_access
from services.registration.records import swap_proposal_id
from services.registration.schemas import (
    Accepted,
    MoveRequest,
    ReaddRequest,
    SwapAnswer,
    SwapProposal,
    SwapRequest,
    problems,
)
from services.registration.writes import Plan

router = APIRouter(prefix="/v1/meetings/{meeting_id}/list", tags=["list"])

ACTIONS = ("close", "reopen", "move", "swap", "readd")
WRITE_PROBLEMS = problems(401, 403, 404, 413, 422, 429, 503)


def published(command: Command) -> Plan:
    return Plan(
        command=command,
        body={
            "command_id": command.message_id,
            "status": "published",
            "follow": command_link(command.meeting_id, command.message_id),
        },
    )


async def _publish(request: Request, meeting_id: str, key, make) -> object:
    await meeting_must_exist(request, meeting_id)

    async def plan() -> Plan:
        return published(make())

    return respond(await request.app.state.writes.run(key, plan))


@router.post("/close", status_code=202, response_model=Accepted, responses=WRITE_PROBLEMS, openapi_extra=WRITE_OPENAPI,
             summary="Close the list of speakers (chair or secretariat)")  # fmt: skip
async def close(
    meeting_id: MeetingId,
    request: Request,
    access: Access = Depends(write_access(Role.chair, Role.secretariat)),
):
    """After closure, inscriptions are refused with the reason `list_closed`."""
    caller, key = access.caller, access.key
    return await _publish(request, meeting_id, key, lambda: CloseList(meeting_id=meeting_id, issued_by=caller.actor))


@router.post("/reopen", status_code=202, response_model=Accepted, responses=WRITE_PROBLEMS, openapi_extra=WRITE_OPENAPI,
             summary="Reopen the list of speakers (chair or secretariat)")  # fmt: skip
async def reopen(
    meeting_id: MeetingId,
    request: Request,
    access: Access = Depends(write_access(Role.chair, Role.secretariat)),
):
    caller, key = access.caller, access.key
    return await _publish(request, meeting_id, key, lambda: ReopenList(meeting_id=meeting_id, issued_by=caller.actor))


@router.post("/move", status_code=202, response_model=Accepted, responses=WRITE_PROBLEMS, openapi_extra=WRITE_OPENAPI,
             summary="Move a waiting speaker to a place on the list (secretariat)")  # fmt: skip
async def move(
    meeting_id: MeetingId,
    body: MoveRequest,
    request: Request,
    access: Access = Depends(write_access(Role.secretariat)),
):
    """Position 1 is next. A speaker who is not waiting is refused by the list (`not_on_list`)."""
    caller, key = access.caller, access.key
    return await _publish(
        request,
        meeting_id,
        key,
        lambda: MoveSpeaker(
            meeting_id=meeting_id, inscription_id=body.inscription_id, position=body.position, issued_by=caller.actor
        ),
    )


@router.post("/readd", status_code=202, response_model=Accepted, responses=WRITE_PROBLEMS, openapi_extra=WRITE_OPENAPI,
             summary="Put a speaker who has spoken, withdrawn or been dropped at the end (secretariat)")  # fmt: skip
async def readd(
    meeting_id: MeetingId,
    body: ReaddRequest,
    request: Request,
    access: Access = Depends(write_access(Role.secretariat)),
):
    caller, key = access.caller, access.key
    return await _publish(
        request,
        meeting_id,
        key,
        lambda: ReaddSpeaker(meeting_id=meeting_id, inscription_id=body.inscription_id, issued_by=caller.actor),
    )


@router.post(
    "/swap",
    status_code=202,
    response_model=SwapAnswer,
    responses=problems(401, 403, 404, 409, 413, 422, 429, 503),
    summary="Swap two waiting speakers (both delegations consent, or the secretariat)",
    openapi_extra=WRITE_OPENAPI,
)
async def swap(
    meeting_id: MeetingId,
    body: SwapRequest,
    request: Request,
    access: Access = Depends(write_access(Role.secretariat, Role.delegation)),
):
    """Two waiting speakers exchange places.

    **The secretariat** swaps directly: the command is published at once (`status: published`).

    **Delegations** swap by consent of both:
    1. Delegation A posts the swap of its inscription with B's. Nothing is published yet: a *proposal*
       is recorded (`status: awaiting_consent`, `awaiting: B`, `proposal_id`, `expires_at`; one hour
       by default). B sees it at `GET .../list/swaps`.
    2. Delegation B posts the same swap (the two ids in either order) before it expires: both have now
       consented, the swap is published (`status: published`, with its `command_id`).

    Either delegation, or the secretariat, may drop a proposal with `DELETE .../list/swaps/{proposal_id}`.
    A delegation may propose only a swap involving one of its own inscriptions, both must be waiting on
    the list, and the meeting must allow swaps (its ordering policy's `allow_swaps`)."""
    caller, key = access.caller, access.key
    records = request.app.state.records
    await meeting_must_exist(request, meeting_id)
    first, second = body.first_inscription_id, body.second_inscription_id

    async def plan() -> Plan:
        if caller.role == Role.secretariat:
            return published(
                SwapSpeakers(
                    meeting_id=meeting_id, first_inscription_id=first, second_inscription_id=second,
                    issued_by=caller.actor,
                )
            )  # fmt: skip
        me = caller.actor.delegation
        found = await records.meeting(meeting_id)
        if found is not None and not found[0].ordering.allow_swaps:
            raise HTTPException(status.HTTP_409_CONFLICT, f"Meeting {meeting_id} does not allow swaps.")
        owners = []
        for inscription_id in (first, second):
            record = await records.inscription(meeting_id, inscription_id)
            if record is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"No inscription {inscription_id} in {meeting_id}.")
            if record.get("status") != "accepted":
                raise HTTPException(
                    status.HTTP_409_CONFLICT,
                    f"Inscription {inscription_id} is not waiting on the list (its status is "
                    f"{record.get('status', 'pending')}).",
                )
            owners.append(record.get("delegation"))
        if me not in owners:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"Neither inscription is {me}'s: a delegation swaps only its own place."
            )
        if owners[0] == owners[1]:
            return published(
                SwapSpeakers(
                    meeting_id=meeting_id, first_inscription_id=first, second_inscription_id=second,
                    issued_by=caller.actor,
                )
            )  # fmt: skip
        other = owners[1] if owners[0] == me else owners[0]
        proposal_id = swap_proposal_id(first, second)
        now = utcnow()
        proposal = (await records.swap_proposals(meeting_id)).get(proposal_id)
        if proposal is not None and datetime.fromisoformat(proposal["expires_at"]) > now:
            if proposal["proposed_by"] == other:  # the second consent: publish
                plan = published(
                    SwapSpeakers(
                        meeting_id=meeting_id,
                        first_inscription_id=proposal["first_inscription_id"],
                        second_inscription_id=proposal["second_inscription_id"],
                        issued_by=caller.actor,
                    )
                )
                plan.body["proposal_id"] = proposal_id
                return plan
        else:
            ttl = request.app.state.settings.swap_proposal_ttl_seconds
            proposal = {
                "proposal_id": proposal_id,
                "first_inscription_id": first,
                "second_inscription_id": second,
                "proposed_by": me,
                "awaiting": other,
                "proposed_at": now.isoformat(),
                "expires_at": (now + timedelta(seconds=ttl)).isoformat(),
            }
            await records.save_swap_proposal(meeting_id, proposal)
        return Plan(
            body={
                "status": "awaiting_consent",
                "proposal_id": proposal_id,
                "awaiting": proposal["awaiting"],
                "expires_at": proposal["expires_at"],
                "command_id": None,
            }
        )

    return respond(await request.app.state.writes.run(key, plan))


def _visible(caller: Caller, proposal: dict) -> bool:
    if caller.role in (Role.secretariat, Role.chair):
        return True
    return caller.actor.delegation in (proposal["proposed_by"], proposal["awaiting"])


@router.get("/swaps", response_model=list[SwapProposal], responses=problems(401, 403, 404, 429),
            summary="Swap proposals awaiting consent")  # fmt: skip
async def swap_proposals(
    meeting_id: MeetingId,
    request: Request,
    caller: Caller = Depends(require(Role.secretariat, Role.chair, Role.delegation)),
):
    """The secretariat and the chair see all; a delegation sees those it proposed or is asked to consent to."""
    await meeting_must_exist(request, meeting_id)
    now = utcnow()
    proposals = (await request.app.state.records.swap_proposals(meeting_id)).values()
    return [
        p for p in proposals if datetime.fromisoformat(p["expires_at"]) > now and _visible(caller, p)
    ]


@router.delete("/swaps/{proposal_id}", responses=problems(401, 403, 404, 429),
               summary="Drop a swap proposal (either delegation, or the secretariat)")  # fmt: skip
async def drop_swap_proposal(
    meeting_id: MeetingId,
    proposal_id: str,
    request: Request,
    caller: Caller = Depends(require(Role.secretariat, Role.delegation)),
):
    records = request.app.state.records
    proposal = (await records.swap_proposals(meeting_id)).get(proposal_id)
    if proposal is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No swap proposal {proposal_id} in {meeting_id}.")
    if not _visible(caller, proposal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only the two delegations or the secretariat may drop it.")
    await records.drop_swap_proposal(meeting_id, proposal_id)
    return {"proposal_id": proposal_id, "status": "dropped"}


@router.post("/{action}", include_in_schema=False)
async def unknown_action(meeting_id: str, action: str):
    raise HTTPException(
        status.HTTP_404_NOT_FOUND, f"There is no list action {action!r}; the list actions are: {', '.join(ACTIONS)}."
    )
