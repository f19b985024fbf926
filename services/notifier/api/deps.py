"""What the routes share: the meeting id's shape and the lookup of a known meeting."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Path, Request, status

# The registration service's rule for meeting ids; anything else cannot be a meeting here.
MEETING_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"

MeetingId = Annotated[str, Path(pattern=MEETING_ID_PATTERN, examples=["ga-r2p-2017"])]


def not_found(meeting_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"No meeting {meeting_id} is known here.")


async def known_view(request: Request, meeting_id: str) -> tuple[int, dict[str, Any]]:
    snapshot = await request.app.state.store.snapshot(meeting_id)
    if snapshot is None:
        raise not_found(meeting_id)
    return snapshot
