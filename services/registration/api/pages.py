"""The browser pages: the operator console (secretariat, chair) and a delegation's page.

The pages are shells: they hold no data and need no credential to load. The person types a token,
kept in the tab's sessionStorage, and every call the page makes goes to the public API with
`Authorization: Bearer`; the live list comes from the notifier's public read API (its stream).
The files are in services/registration/console/ (templates, static: no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from services.registration.deps import ALL_ROLES, Caller, MeetingId, require

CONSOLE = Path(__file__).resolve().parents[1] / "console"
STATIC = CONSOLE / "static"
ASSETS = {
    "rostrum.css": "text/css",
    "common.js": "text/javascript",
    "console.js": "text/javascript",
    "delegation.js": "text/javascript",
}

templates = Jinja2Templates(directory=CONSOLE / "templates")
router = APIRouter(tags=["pages"])


class CredentialView(BaseModel):
    role: str
    delegation: str | None = None


@router.get(
    "/v1/whoami",
    response_model=CredentialView,
    summary="The role (and delegation) of the credential sent",
    responses={401: {"description": "No credential, or one not known here."}},
)
async def whoami(caller: Caller = Depends(require(*ALL_ROLES))):
    """What the pages ask after sign-in, to show the right controls; the API checks every write anyway."""
    return CredentialView(role=caller.role.value, delegation=caller.actor.delegation)


def _security_headers(notifier_url: str) -> dict[str, str]:
    # No inline script and no other origin than this service and the notifier: a name typed by a
    # delegation can never run as script next to the chair's token.
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {notifier_url}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def _page(request: Request, template: str, meeting_id: str) -> HTMLResponse:
    notifier_url = request.app.state.settings.notifier_public_url.rstrip("/")
    return templates.TemplateResponse(
        request,
        template,
        {"meeting_id": meeting_id, "notifier_url": notifier_url},
        headers=_security_headers(notifier_url),
    )


@router.get("/console/{meeting_id}", response_class=HTMLResponse, include_in_schema=False)
async def console(meeting_id: MeetingId, request: Request):
    return _page(request, "console.html", meeting_id)


@router.get("/delegation/{meeting_id}", response_class=HTMLResponse, include_in_schema=False)
async def delegation(meeting_id: MeetingId, request: Request):
    return _page(request, "delegation.html", meeting_id)


@router.get("/static/{name}", include_in_schema=False)
async def asset(name: str):
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No asset {name}.")
    return FileResponse(STATIC / name, media_type=media_type, headers={"Cache-Control": "no-cache"})
