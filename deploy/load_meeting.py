"""Sets up a meeting through the registration API: `python deploy/load_meeting.py deploy/meetings/X.json`.

Safe to run twice: a meeting already set up is left as it is."""

import json
import sys
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
    meeting = json.loads(Path(sys.argv[1]).read_text())
    settings = RegistrationSettings()
    url = f"http://{settings.host}:{settings.registration_port}/v1/meetings"
    r = httpx.post(url, json=meeting, headers={"Authorization": f"Bearer {dev_token('secretariat')}"}, timeout=30)
    if r.status_code == 202:
        print(f"meeting {meeting['meeting_id']}: set up")
    elif r.status_code == 409:
        print(f"meeting {meeting['meeting_id']}: already set up")
    else:
        raise SystemExit(f"meeting {meeting['meeting_id']}: {r.status_code} {r.text}")
