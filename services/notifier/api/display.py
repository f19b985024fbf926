"""The room display: a full-screen page per meeting for the screens of the conference room.

    GET /display/{meeting_id}?lang=ar&next=5

`lang` is one of the six official languages (ar, zh, en, fr, ru, es; English otherwise); Arabic is laid out
right to left. `next` is how many waiting speakers the page lists (1 to 10, 5 by default). The page itself
is static: its script reads /v1/meetings/{id}/stream (and /snapshot to recover) and counts the speaker's
time down locally. It is served even before the meeting is known: it waits for it."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.notifier.api.deps import MeetingId
from services.notifier.display.i18n import LABELS, choose, direction

HERE = Path(__file__).resolve().parent.parent / "display"
STATIC = HERE / "static"
ASSETS = {"display.js": "text/javascript; charset=utf-8", "display.css": "text/css; charset=utf-8"}

router = APIRouter(tags=["display"])

_env = Environment(
    loader=FileSystemLoader(str(HERE / "templates")),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@cache
def _asset_urls() -> dict[str, str]:
    """Each asset's URL with a hash of its content: a display never keeps an old script after an upgrade."""
    urls = {}
    for name in ASSETS:
        digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
        urls[name] = f"/display/assets/{name}?v={digest}"
    return urls


@router.get("/display/{meeting_id}", response_class=HTMLResponse, summary="The room display of a meeting")
async def room_display(
    meeting_id: MeetingId,
    request: Request,
    lang: str = Query("en", max_length=20, description="ar, zh, en, fr, ru or es"),
    next: int = Query(5, ge=1, le=10, description="how many waiting speakers to list"),
):
    """The current speaker and the countdown, the next speakers, the programme, in large type for the room."""
    language = choose(lang)
    settings = request.app.state.settings
    config = {
        "meeting_id": meeting_id,
        "lang": language,
        "next": next,
        "labels": LABELS[language],
        # No message (not even the periodic tick) for this long: the connection is taken as dead.
        "stale_ms": int((3 * settings.stream_tick_seconds + 5) * 1000),
    }
    html = _env.get_template("display.html").render(
        lang=language, dir=direction(language), t=LABELS[language], config=config, assets=_asset_urls()
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-cache", "Content-Language": language})


@router.get("/display/assets/{name}", include_in_schema=False)
async def display_asset(name: str):
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such asset.")
    return FileResponse(STATIC / name, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})
