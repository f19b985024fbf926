from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.notifier.api.deps import MeetingId, known_view
from services.notifier.record import build_record, record_csv

router = APIRouter(prefix="/v1/meetings/{meeting_id}", tags=["record"])


def _csv(meeting_id: str, record: dict) -> Response:
    return Response(
        record_csv(record),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{meeting_id}-record.csv"'},
    )


@router.get(
    "/record",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def record(
    meeting_id: MeetingId,
    request: Request,
    format: Literal["json", "csv"] | None = Query(None, description="csv, or send Accept: text/csv"),
):
    """Every speech (delegation, speaker, category, on behalf of, called, start, end, duration, overrun),
    the speakers not reached (until the meeting concludes: those still waiting) and totals by category."""
    _, view = await known_view(request, meeting_id)
    result = build_record(view)
    accept = request.headers.get("accept", "")
    if format == "csv" or (format is None and "text/csv" in accept and "application/json" not in accept):
        return _csv(meeting_id, result)
    return result


@router.get("/record.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def record_as_csv(meeting_id: MeetingId, request: Request):
    """The record as CSV: one row per speech, per speaker not reached, and per category total."""
    _, view = await known_view(request, meeting_id)
    return _csv(meeting_id, build_record(view))
