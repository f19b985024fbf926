"""Sets up a meeting through the registration API.

    python deploy/load_meeting.py deploy/meetings/X.json [--replay-from 2017-09-06T10:45:00-04:00]

With --replay-from, the meeting runs on a simulated clock that reads that moment now and keeps
real pace: a past programme (the 2017 dialogue) comes alive as if today. Safe to run twice:
a meeting already set up is left as it is."""

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

import httpx

from services.registration.settings import RegistrationSettings


def dev_token(role: str) -> str:
    for line in Path("var/dev-tokens.txt").read_text().splitlines():
        name, token = line.split()
        if name == role:
            return token
    raise SystemExit(f"no {role} token in var/dev-tokens.txt")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("meeting", type=Path)
    parser.add_argument("--replay-from", type=datetime.fromisoformat)
    args = parser.parse_args()
    meeting = json.loads(args.meeting.read_text())
    if args.replay_from:
        anchor = datetime.now(timezone.utc).isoformat()
        meeting["setup"]["clock"] = {"mode": "simulated", "starts_at": args.replay_from.isoformat(), "rate": 1.0,
                                     "anchor": anchor}  # fmt: skip
    settings = RegistrationSettings()
    url = f"http://{settings.host}:{settings.registration_port}/v1/meetings"
    r = httpx.post(url, json=meeting, headers={"Authorization": f"Bearer {dev_token('secretariat')}"}, timeout=30)
    if r.status_code in (200, 201, 202):
        print(f"meeting {meeting['meeting_id']}: set up")
    elif r.status_code == 409:
        print(f"meeting {meeting['meeting_id']}: already set up")
    else:
        raise SystemExit(f"meeting {meeting['meeting_id']}: {r.status_code} {r.text}")
