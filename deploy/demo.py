"""Replays the 2017 dialogue through the real API: `make demo SPEED=600` (60 by default).

Sets up a fresh meeting on a simulated clock that starts just before the opening, inscribes
the 81 speakers of deploy/meetings/ga-r2p-2017-speakers.json as the secretariat, then acts as
the chair: calls each speaker when the floor is open, gives the floor, ends the statement.
The room display, the console and the e-mails in var/mail/ follow it live."""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import httpx

from services.notifier.settings import NotifierSettings
from services.registration.settings import RegistrationSettings

SEED = Path("deploy/meetings")


def token(tokens: Path, role: str) -> str:
    for line in tokens.read_text().splitlines():
        name, value = line.split()
        if name == role:
            return value
    raise SystemExit(f"no {role} token in {tokens}: run `make run` first")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class Demo:
    def __init__(self, speed: float, tokens: Path):
        reg, notifier = RegistrationSettings(), NotifierSettings()
        self.api = httpx.Client(base_url=f"http://{reg.host}:{reg.registration_port}", timeout=30)
        self.read = httpx.Client(base_url=f"http://{notifier.host}:{notifier.notifier_port}", timeout=30)
        self.speed = speed
        self.meeting_id = f"ga-r2p-2017-replay-{datetime.now():%H%M%S}"
        self.secretariat = {"Authorization": f"Bearer {token(tokens, 'secretariat')}"}
        self.chair = {"Authorization": f"Bearer {token(tokens, 'chair')}"}
        meeting = json.loads((SEED / "ga-r2p-2017.json").read_text())
        self.setup = meeting["setup"]
        self.speakers = json.loads((SEED / "ga-r2p-2017-speakers.json").read_text())["speakers"]
        starts_at = datetime.fromisoformat(self.setup["programme"][0]["starts_at"]) - timedelta(minutes=2)
        self.anchor = datetime.now(timezone.utc) + timedelta(seconds=3)
        self.starts_at = starts_at
        self.setup["clock"] = {
            "mode": "simulated",
            "starts_at": starts_at.isoformat(),
            "rate": speed,
            "anchor": self.anchor.isoformat(),
        }
        self.setup["delegation_addresses"] = {
            s["delegation"]: [f"{slug(s['delegation'])}@missions.example"] for s in self.speakers
        }

    def meeting_now(self) -> datetime:
        return self.starts_at + (datetime.now(timezone.utc) - self.anchor) * self.speed

    def sleep_until(self, moment: datetime) -> None:
        time.sleep(max(0.0, (moment - self.meeting_now()).total_seconds() / self.speed))

    def post(self, path: str, body: dict | None = None, headers: dict | None = None) -> httpx.Response:
        r = self.api.post(path, json=body or {}, headers=headers or self.chair)
        if r.status_code >= 400:
            print(f"  {path}: {r.status_code} {r.text[:200]}", file=sys.stderr)
        return r

    def run(self) -> int:
        m = self.meeting_id
        print(f"Replaying the 2017 dialogue as meeting {m} at {self.speed:g}x")
        print(f"  room display   {self.read.base_url}/display/{m}")
        print(f"  console        {self.api.base_url}/console/{m}")
        print(f"  rolling list   {self.read.base_url}/v1/meetings/{m}/list")
        self.post("/v1/meetings", {"meeting_id": m, "setup": self.setup}, self.secretariat).raise_for_status()
        for speaker in self.speakers:
            body = {**speaker, "contact_emails": self.setup["delegation_addresses"][speaker["delegation"]]}
            self.post(f"/v1/meetings/{m}/inscriptions", body, self.secretariat)
        print(f"  {len(self.speakers)} delegations inscribed")

        rng = random.Random(2017)
        programme = self.setup["programme"]
        windows = [
            (datetime.fromisoformat(a["starts_at"]), datetime.fromisoformat(b["starts_at"]))
            for a, b in pairwise(programme)
            if a["kind"] == "floor"
        ]
        called = 0
        for start, end in windows:
            self.sleep_until(start + timedelta(seconds=5))
            print(f"  the floor is open ({start:%H:%M})")
            while called < len(self.speakers):
                speech = rng.choice([90, 120, 140, 150, 160, 170, 185, 200])
                # The chair calls no one who could not finish before the sitting ends.
                if self.meeting_now() + timedelta(seconds=speech + 60) > end:
                    break
                self.post(f"/v1/meetings/{m}/floor/call-next")
                self.post(f"/v1/meetings/{m}/floor/start")
                time.sleep(speech / self.speed)
                self.post(f"/v1/meetings/{m}/floor/end")
                called += 1
            print(f"  {called} speakers heard by {self.meeting_now():%H:%M}")

        self.sleep_until(datetime.fromisoformat(programme[-1]["starts_at"]) + timedelta(minutes=1))
        deadline = time.monotonic() + 60
        while self.read.get(f"/v1/meetings/{m}/list").json().get("status") != "concluded":
            if time.monotonic() > deadline:
                print("the meeting did not conclude", file=sys.stderr)
                return 1
            time.sleep(0.5)
        record = self.read.get(f"/v1/meetings/{m}/record").json()
        speeches = record.get("speeches", [])
        print(f"Concluded: {len(speeches)} statements recorded, {len(record.get('not_reached', []))} not reached.")
        print(f"  record         {self.read.base_url}/v1/meetings/{m}/record.csv")
        print("  e-mails        var/mail/new/")
        return 0 if len(speeches) == len(self.speakers) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--tokens", type=Path, default=Path("var/dev-tokens.txt"), help="lines of 'role token'")
    args = parser.parse_args()
    sys.exit(Demo(args.speed, args.tokens).run())
