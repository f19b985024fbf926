"""An inscription goes from the registration API through Kafka and the queue to the notifier's read API."""

import json

import httpx
import pytest

from tests.support.meetings import simulated_clock
from tests.support.stack import ROOT, Stack, wait_for


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("pipeline")).start()
    yield stack
    stack.stop()


def seed_meeting() -> dict:
    """The 2017 meeting on a clock that reads 10:50 New York time, the floor just open, from now on."""
    meeting = json.loads((ROOT / "deploy/meetings/ga-r2p-2017.json").read_text())
    clock = simulated_clock("2017-09-06T10:50:00-04:00", 1.0, lead_seconds=0)
    meeting["setup"]["clock"] = clock.model_dump(mode="json")
    return meeting


def test_an_inscription_reaches_the_rolling_list(stack):
    reg, notifier, tokens = stack["registration"].url, stack["notifier"].url, stack.tokens
    meeting = seed_meeting()
    r = httpx.post(f"{reg}/v1/meetings", json=meeting, headers=tokens.header(tokens.secretariat))
    assert r.status_code == 202, r.text

    r = httpx.post(
        f"{reg}/v1/meetings/ga-r2p-2017/inscriptions",
        json={"delegation": "Ireland", "speaker_name": "H.E. Mr. Brendan Ward", "contact_emails": ["ie@example.org"]},
        headers=tokens.header(tokens.delegation("Ireland")),
    )
    assert r.status_code == 202, r.text
    inscription_id = r.json()["inscription_id"]

    def listed():
        r = httpx.get(f"{notifier}/v1/meetings/ga-r2p-2017/list")
        return r.status_code == 200 and r.json()["speakers"] and r.json()

    rolling = wait_for(listed, timeout=30, what="the speaker on the notifier's rolling list")
    [entry] = rolling["speakers"]
    assert entry["position"] == 1
    assert entry["inscription"]["inscription_id"] == inscription_id
    assert entry["inscription"]["delegation"] == "Ireland"
    assert rolling["title"] == meeting["setup"]["title"]
    assert rolling["seq"] >= 3  # set up, accepted, list changed at least


def test_a_delegation_cannot_inscribe_another(stack):
    tokens = stack.tokens
    r = httpx.post(
        f"{stack['registration'].url}/v1/meetings/ga-r2p-2017/inscriptions",
        json={"delegation": "France"},
        headers=tokens.header(tokens.delegation("Ireland")),
    )
    assert r.status_code == 403
    assert "Ireland" in r.json()["detail"]


def test_every_service_reports_its_connections(stack):
    for name in ("registration", "queue", "notifier"):
        body = httpx.get(f"{stack[name].url}/healthz").json()
        assert body["status"] == "ok" and body["kafka"] is True, (name, body)
