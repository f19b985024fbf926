from fastapi import APIRouter, Query, Request

from services.notifier.api.deps import MeetingId, known_view

router = APIRouter(prefix="/v1/meetings/{meeting_id}", tags=["e-mail"])


@router.get("/mail-failures")
async def mail_failures(meeting_id: MeetingId, request: Request, limit: int = Query(100, ge=1, le=1000)):
    """E-mail that could not be delivered: permanent SMTP failures, retries exhausted, recipients refused.
    Addresses are masked; the counts say how much was sent and how much is still pending."""
    await known_view(request, meeting_id)
    outbox = request.app.state.outbox
    # The failures before the counts: each outcome is recorded with its count in one transaction and counts
    # only grow, so every failure listed is counted (read the other way, one recorded in between was not).
    failures = await outbox.failures(meeting_id, limit)
    return {"meeting_id": meeting_id, "counts": await outbox.stats(meeting_id), "failures": failures}
