"""Helpers the routes share: answering a write, and the checks every meeting route makes."""

from __future__ import annotations

from fastapi import HTTPException, Request, status
from fastapi.responses import Response
from pydantic_core import to_json

from services.registration.writes import Outcome


def respond(outcome: Outcome) -> Response:
    headers = {}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    if follow := outcome.body.get("follow"):
        headers["Location"] = follow
    return Response(to_json(outcome.body), status_code=outcome.status_code, headers=headers,
                    media_type="application/json")  # fmt: skip


async def meeting_must_exist(request: Request, meeting_id: str) -> None:
    if not await request.app.state.records.meeting_exists(meeting_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No meeting {meeting_id} is set up.")


def command_link(meeting_id: str, command_id: str) -> str:
    return f"/v1/meetings/{meeting_id}/commands/{command_id}"


def inscription_link(meeting_id: str, inscription_id: str) -> str:
    return f"/v1/meetings/{meeting_id}/inscriptions/{inscription_id}"
