"""The 2017 meeting and its speakers, as tests and the demo use them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from services.contracts import ClockSetting, InscribeSpeaker, MeetingSetup, SetUpMeeting
from tests.support.stack import ROOT

MEETINGS = ROOT / "deploy/meetings"


def setup_2017(**changes) -> MeetingSetup:
    data = json.loads((MEETINGS / "ga-r2p-2017.json").read_text())["setup"]
    return MeetingSetup.model_validate(data).model_copy(update=changes)


def speakers_2017() -> list[dict]:
    return json.loads((MEETINGS / "ga-r2p-2017-speakers.json").read_text())["speakers"]


def simulated_clock(starts_at: str, rate: float, lead_seconds: float = 1.0) -> ClockSetting:
    """A clock reading `starts_at` (New York local time on the meeting day) `lead_seconds` from now."""
    anchor = datetime.now(timezone.utc) + timedelta(seconds=lead_seconds)
    return ClockSetting(mode="simulated", starts_at=datetime.fromisoformat(starts_at), rate=rate, anchor=anchor)


def set_up(meeting_id: str, setup: MeetingSetup) -> SetUpMeeting:
    return SetUpMeeting(meeting_id=meeting_id, setup=setup)


def inscriptions(meeting_id: str, speakers: list[dict]) -> list[InscribeSpeaker]:
    return [
        InscribeSpeaker(meeting_id=meeting_id, inscription_id=f"{meeting_id}-{i:03d}", **speaker)
        for i, speaker in enumerate(speakers)
    ]
