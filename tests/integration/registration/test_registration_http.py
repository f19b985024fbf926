"""The HTTP API on the real broker and Redis: every endpoint, each role allowed and refused, bad input."""

from __future__ import annotations

import pytest

from services.contracts import (
    AdjournMeeting,
    CallNextSpeaker,
    CloseList,
    ConcludeMeeting,
    EndSpeech,
    ExtendSpeech,
    InscribeSpeaker,
    MarkAbsent,
    MoveSpeaker,
    PauseSpeech,
    ReaddSpeaker,
    ReopenList,
    ResumeMeeting,
    ResumeSpeech,
    SetUpMeeting,
    StartSpeech,
    WithdrawInscription,
)
from tests.integration.registration.conftest import seed_meeting

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_health_reports_kafka_redis_and_the_consumer(reg):
    r = await reg.client.get("/healthz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "kafka": True, "redis": True, "consuming": True}


async def test_openapi_documents_every_endpoint_with_examples(reg):
    spec = (await reg.client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in ["", "/{meeting_id}", "/{meeting_id}/inscriptions", "/{meeting_id}/inscriptions/{inscription_id}",
                 "/{meeting_id}/list/swap", "/{meeting_id}/floor/call-next", "/{meeting_id}/commands/{command_id}"]:
        assert f"/v1/meetings{path}" in paths, path
    inscribe = paths["/v1/meetings/{meeting_id}/inscriptions"]["post"]
    assert {"202", "401", "403", "422", "429", "503"} <= set(inscribe["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in inscribe["parameters"])
    # Writes read their credential and key themselves: each says so to the page that tries them.
    writes = [(path, op) for path, ops in paths.items() for op in ops.values() if "202" in op["responses"]]
    assert len(writes) > 15
    for path, op in writes:
        assert op["security"] == [{"HTTPBearer": []}], path
        assert [p["name"] for p in op["parameters"]].count("Idempotency-Key") == 1, path
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert spec["components"]["schemas"]["InscriptionRequest"]["examples"]
    assert "awaiting_consent" in paths["/v1/meetings/{meeting_id}/list/swap"]["post"]["description"]


# --- meetings -------------------------------------------------------------------------------------


async def test_the_secretariat_sets_up_a_meeting_and_every_role_reads_it(reg):
    meeting_id = await reg.set_up()
    setups = [c for c in await reg.commands() if isinstance(c, SetUpMeeting) and c.meeting_id == meeting_id]
    assert len(setups) == 1 and setups[0].issued_by.role == "secretariat"
    for who in ("secretariat", "chair", "display", "Ireland"):
        r = await reg.client.get(f"/v1/meetings/{meeting_id}", headers=reg.auth(who))
        assert r.status_code == 200, (who, r.text)
        assert r.json()["setup"]["title"].startswith("General Assembly")
    confirmed = await reg.client.get(f"/v1/meetings/{meeting_id}", headers=reg.auth("display"))
    assert confirmed.json()["confirmed"] is True  # the stand-in queue's MeetingSetUp was applied
    listed = await reg.client.get("/v1/meetings", headers=reg.auth("chair"))
    assert meeting_id in [m["meeting_id"] for m in listed.json()]


async def test_only_the_secretariat_sets_up_a_meeting(reg):
    for who in ("chair", "display", "Ireland"):
        r = await reg.client.post("/v1/meetings", json=seed_meeting("x-forbidden"), headers=reg.auth(who))
        assert r.status_code == 403, (who, r.text)
        assert "secretariat" in r.json()["detail"]
    r = await reg.client.post("/v1/meetings", json=seed_meeting("x-forbidden"))
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    r = await reg.client.post("/v1/meetings", json=seed_meeting("x-forbidden"), headers={"Authorization": "Bearer no"})
    assert r.status_code == 401 and "not known" in r.json()["detail"]


async def test_a_meeting_is_set_up_once(reg):
    meeting_id = await reg.set_up()
    r = await reg.client.post("/v1/meetings", json=seed_meeting(meeting_id), headers=reg.auth("secretariat"))
    assert r.status_code == 409 and meeting_id in r.json()["detail"]


async def test_an_invalid_meeting_names_each_field(reg):
    bad = seed_meeting("Not An Id!", timezone="Mars/Olympus")
    bad["setup"]["programme"] = list(reversed(bad["setup"]["programme"]))
    bad["setup"]["time_limits"]["default_seconds"] = 1
    r = await reg.client.post("/v1/meetings", json=bad, headers=reg.auth("secretariat"))
    assert r.status_code == 422, r.text
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"meeting_id", "setup.programme", "setup.time_limits.default_seconds"} <= fields
    r = await reg.client.post("/v1/meetings", json=seed_meeting("ok-id", timezone="Mars/Olympus"),
                              headers=reg.auth("secretariat"))  # fmt: skip
    assert r.status_code == 422 and "IANA" in r.json()["errors"][0]["message"]
    r = await reg.client.get("/v1/meetings/nope-never", headers=reg.auth("chair"))
    assert r.status_code == 404


# --- inscriptions ---------------------------------------------------------------------------------


async def test_a_delegation_inscribes_itself_and_follows_its_status(reg):
    meeting_id = await reg.set_up()
    r = await reg.client.post(
        f"/v1/meetings/{meeting_id}/inscriptions",
        json={"delegation": "Ireland", "speaker_name": "H.E. Mr. Brendan Ward", "level": "head_of_delegation",
              "contact_emails": ["ireland@un.example"]},
        headers=reg.auth("Ireland"),
    )  # fmt: skip
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "pending" and body["delegation"] == "Ireland"
    assert r.headers["Location"] == body["follow"] == f"/v1/meetings/{meeting_id}/inscriptions/{body['inscription_id']}"
    [command] = [c for c in await reg.commands() if getattr(c, "inscription_id", None) == body["inscription_id"]]
    assert isinstance(command, InscribeSpeaker) and command.message_id == body["command_id"]
    assert command.channel == "http" and command.issued_by.delegation == "Ireland"
    assert command.level == "head_of_delegation" and command.contact_emails == ["ireland@un.example"]

    status = await reg.client.get(body["follow"], headers=reg.auth("Ireland"))
    assert status.status_code == 200 and status.json()["status"] == "pending"
    for who in ("secretariat", "chair", "display"):
        assert (await reg.client.get(body["follow"], headers=reg.auth(who))).status_code == 200
    other = await reg.client.get(body["follow"], headers=reg.auth("Ghana"))
    assert other.status_code == 403 and "Ghana" in other.json()["detail"]


async def test_a_delegation_may_leave_its_name_out_but_not_name_another(reg):
    meeting_id = await reg.set_up()
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={}, headers=reg.auth("Ghana"))
    assert r.status_code == 202 and r.json()["delegation"] == "Ghana"
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={"delegation": "france"},
                              headers=reg.auth("France"))  # fmt: skip
    assert r.status_code == 202 and r.json()["delegation"] == "France"
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={"delegation": "Brazil"},
                              headers=reg.auth("Ireland"))  # fmt: skip
    assert r.status_code == 403 and "Ireland" in r.json()["detail"] and "Brazil" in r.json()["detail"]


async def test_the_secretariat_inscribes_anyone_and_must_name_them(reg):
    meeting_id = await reg.set_up()
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions",
                              json={"delegation": "Holy See", "category": "observer_state"},
                              headers=reg.auth("secretariat"))  # fmt: skip
    assert r.status_code == 202 and r.json()["delegation"] == "Holy See"
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={}, headers=reg.auth("secretariat"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "delegation"


async def test_the_chair_and_displays_do_not_inscribe(reg):
    meeting_id = await reg.set_up()
    for who in ("chair", "display"):
        r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={"delegation": "Ireland"},
                                  headers=reg.auth(who))  # fmt: skip
        assert r.status_code == 403, who


async def test_an_inscription_to_an_unknown_meeting_is_404(reg):
    r = await reg.client.post("/v1/meetings/no-such-meeting/inscriptions", json={}, headers=reg.auth("Ireland"))
    assert r.status_code == 404 and "no-such-meeting" in r.json()["detail"]


@pytest.mark.parametrize(
    "body, field, expect",
    [
        ({"level": "emperor"}, "level", "head_of_delegation"),
        ({"category": "planet"}, "category", "civil_society"),
        ({"speaker_name": "x" * 201}, "speaker_name", "200"),
        ({"speaker_name": "Ward\nBcc: evil@example.org"}, "speaker_name", "control characters"),
        ({"contact_emails": ["not-an-address"]}, "contact_emails[0]", "email"),
        ({"contact_emails": [f"a{i}@un.example" for i in range(11)]}, "contact_emails", "10"),
        ({"delegation": ""}, "delegation", "at least 1"),
        ({"delegation": "Ireland", "colour": "green"}, "colour", "Extra inputs"),
        ({"on_behalf_of": 42}, "on_behalf_of", "string"),
    ],
)
async def test_bad_inscriptions_name_the_field_and_what_is_allowed(reg, body, field, expect):
    meeting_id = await reg.set_up()
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json=body, headers=reg.auth("Ireland"))
    assert r.status_code == 422, r.text
    [error] = [e for e in r.json()["errors"] if e["field"] == field]
    assert expect.lower() in (error["message"] + " ".join(error.get("allowed") or [])).lower(), error
    if field in ("level", "category"):
        assert error["allowed"]


async def test_unreadable_and_oversized_bodies(reg):
    meeting_id = await reg.set_up()
    url = f"/v1/meetings/{meeting_id}/inscriptions"
    r = await reg.client.post(url, content=b"{not json", headers={**reg.auth("Ireland"),
                                                                  "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"]
    r = await reg.client.post(url, content=b"[1, 2]", headers={**reg.auth("Ireland"),
                                                              "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 422
    big = {"delegation": "Ireland", "speaker_title": "x" * (70 * 1024)}
    r = await reg.client.post(url, json=big, headers=reg.auth("Ireland"))
    assert r.status_code == 413 and "limit" in r.json()["detail"]

    async def chunks():
        for _ in range(80):
            yield b"x" * 1024

    r = await reg.client.post(url, content=chunks(), headers={**reg.auth("Ireland"),
                                                             "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 413


async def test_bad_paths_are_4xx(reg):
    for path in ("/v1/meetings/UPPER/inscriptions/x", "/v1/meetings/ok-id/inscriptions/" + "a" * 101,
                 "/v1/meetings/ok-id/inscriptions/bad%20id", "/v1/meetings/ok-id/commands/%00"):  # fmt: skip
        r = await reg.client.get(path, headers=reg.auth("secretariat"))
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)


async def test_withdrawal_by_the_delegation_itself_or_the_secretariat(reg):
    meeting_id = await reg.set_up()
    ids = []
    for who in ("Ireland", "Ghana"):
        r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={}, headers=reg.auth(who))
        ids.append(r.json()["inscription_id"])
    ireland, ghana = ids
    url = f"/v1/meetings/{meeting_id}/inscriptions"
    for who in ("Ghana", "chair", "display"):
        r = await reg.client.delete(f"{url}/{ireland}", headers=reg.auth(who))
        assert r.status_code == 403, who
    r = await reg.client.delete(f"{url}/{ireland}", headers=reg.auth("Ireland"))
    assert r.status_code == 202, r.text
    r2 = await reg.client.delete(f"{url}/{ghana}", headers=reg.auth("secretariat"))
    assert r2.status_code == 202
    withdrawals = [c for c in await reg.commands() if isinstance(c, WithdrawInscription) and c.meeting_id == meeting_id]
    assert {c.inscription_id for c in withdrawals} == {ireland, ghana}
    command = await reg.client.get(r.json()["follow"], headers=reg.auth("Ireland"))
    assert command.json()["status"] == "published" and command.json()["type"] == "WithdrawInscription"
    assert (await reg.client.delete(f"{url}/nope", headers=reg.auth("secretariat"))).status_code == 404


# --- the list -------------------------------------------------------------------------------------


async def test_list_commands_and_who_may_give_them(reg):
    meeting_id = await reg.set_up()
    base = f"/v1/meetings/{meeting_id}/list"
    cases = [
        ("close", None, {"chair", "secretariat"}, CloseList),
        ("reopen", None, {"chair", "secretariat"}, ReopenList),
        ("move", {"inscription_id": "i-1", "position": 1}, {"secretariat"}, MoveSpeaker),
        ("readd", {"inscription_id": "i-1"}, {"secretariat"}, ReaddSpeaker),
    ]
    expected = []
    for action, body, allowed, command_type in cases:
        for who in ("secretariat", "chair", "display", "Ireland"):
            r = await reg.client.post(f"{base}/{action}", json=body, headers=reg.auth(who))
            if who in allowed:
                assert r.status_code == 202, (action, who, r.text)
                expected.append((command_type, r.json()["command_id"]))
            else:
                assert r.status_code == 403, (action, who, r.text)
    published = {c.message_id: c for c in await reg.commands() if c.meeting_id == meeting_id}
    for command_type, command_id in expected:
        assert isinstance(published[command_id], command_type)


async def test_bad_list_commands(reg):
    meeting_id = await reg.set_up()
    base = f"/v1/meetings/{meeting_id}/list"
    r = await reg.client.post(f"{base}/move", json={"inscription_id": "i-1", "position": 0},
                              headers=reg.auth("secretariat"))  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "position"
    r = await reg.client.post(f"{base}/move", json={"position": 2}, headers=reg.auth("secretariat"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "inscription_id"
    r = await reg.client.post(f"{base}/shuffle", headers=reg.auth("secretariat"))
    assert r.status_code == 404 and "close, reopen, move, swap" in r.json()["detail"]
    r = await reg.client.post("/v1/meetings/no-such-meeting/list/close", headers=reg.auth("chair"))
    assert r.status_code == 404
    r = await reg.client.post(f"{base}/swap", json={"first_inscription_id": "a", "second_inscription_id": "a"},
                              headers=reg.auth("secretariat"))  # fmt: skip
    assert r.status_code == 422 and "two different" in r.json()["errors"][0]["message"]


# --- the floor ------------------------------------------------------------------------------------

FLOOR = {
    "call-next": CallNextSpeaker, "start": StartSpeech, "pause": PauseSpeech, "resume": ResumeSpeech,
    "extend": ExtendSpeech, "end": EndSpeech, "absent": MarkAbsent, "adjourn": AdjournMeeting,
    "resume-meeting": ResumeMeeting, "conclude": ConcludeMeeting,
}  # fmt: skip


async def test_floor_commands_by_the_chair_or_the_secretariat_only(reg):
    meeting_id = await reg.set_up()
    sent = {}
    for action, command_type in FLOOR.items():
        url = f"/v1/meetings/{meeting_id}/floor/{action}"
        for who in ("display", "Ireland"):
            assert (await reg.client.post(url, headers=reg.auth(who))).status_code == 403, (action, who)
        for who in ("chair", "secretariat"):
            r = await reg.client.post(url, headers=reg.auth(who))
            assert r.status_code == 202, (action, who, r.text)
            sent[r.json()["command_id"]] = (command_type, who)
    published = {c.message_id: c for c in await reg.commands() if c.meeting_id == meeting_id}
    for command_id, (command_type, who) in sent.items():
        assert isinstance(published[command_id], command_type)
        assert published[command_id].issued_by.role == who


async def test_extend_takes_seconds(reg):
    meeting_id = await reg.set_up()
    url = f"/v1/meetings/{meeting_id}/floor/extend"
    r = await reg.client.post(url, json={"seconds": 60}, headers=reg.auth("chair"))
    assert r.status_code == 202
    published = {c.message_id: c for c in await reg.commands() if c.meeting_id == meeting_id}
    assert published[r.json()["command_id"]].seconds == 60
    for bad in ({"seconds": 0}, {"seconds": 99999}, {"seconds": "long"}):
        r = await reg.client.post(url, json=bad, headers=reg.auth("chair"))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "seconds", r.text
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/floor/filibuster", headers=reg.auth("chair"))
    assert r.status_code == 404 and "call-next" in r.json()["detail"]
