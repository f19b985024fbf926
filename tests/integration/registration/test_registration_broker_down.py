"""Kafka down: writes are answered 503 with Retry-After (and e-mail 451), nothing is half-accepted, and a
retry succeeds once the broker is back. The shared broker must stay up for the other tests, so this runs
the service against a port where no broker listens, and against a second broker of its own that it stops
and starts again (tests/support/broker.py)."""

from __future__ import annotations

import asyncio
import time
import uuid
from email.message import EmailMessage

import aiosmtplib
import pytest

from services.contracts import InscribeSpeaker, MeetingSetUp, MeetingSetup
from services.registration.consumer import apply_event
from tests.integration.registration.conftest import T0, running, seed_meeting
from tests.support.broker import KafkaBroker
from tests.support.stack import free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")


def mail(meeting_id: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "ireland@un.example"
    message["To"] = "speakers-list@un.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@un.example>"
    message.set_content(f"Meeting: {meeting_id}\nSpeaker: H.E. Mr. Brendan Ward\n")
    return message


async def test_with_no_broker_every_write_is_503_and_nothing_is_recorded(tmp_path, mailbox):
    dead = f"127.0.0.1:{free_port()}"
    async with await running(tmp_path, mailbox, create=False, kafka_bootstrap=dead) as reg:
        started = time.monotonic()
        r = await reg.client.post("/v1/meetings", json=seed_meeting("down-meeting"), headers=reg.auth("secretariat"))
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "5" and "nothing was accepted" in r.json()["detail"]
        assert time.monotonic() - started < 10
        r = await reg.client.get("/v1/meetings/down-meeting", headers=reg.auth("secretariat"))
        assert r.status_code == 404  # not half set up

        # A meeting this service already knows (as if its MeetingSetUp had been read before the broker went).
        setup = MeetingSetup.model_validate(seed_meeting("known")["setup"])
        await apply_event(reg.app.state.records, MeetingSetUp(meeting_id="known", seq=1, occurred_at=T0, setup=setup))
        for method, path, body in [
            ("POST", "/v1/meetings/known/inscriptions", {"delegation": "Ghana"}),
            ("POST", "/v1/meetings/known/list/close", None),
            ("POST", "/v1/meetings/known/floor/call-next", None),
        ]:
            headers = {**reg.auth("secretariat"), "Idempotency-Key": uuid.uuid4().hex}
            r = await reg.client.request(method, path, json=body, headers=headers)
            assert r.status_code == 503 and r.headers["Retry-After"], (path, r.text)
        assert (await reg.client.get("/v1/meetings/known", headers=reg.auth("chair"))).status_code == 200

        with pytest.raises(aiosmtplib.SMTPDataError) as deferred:
            await aiosmtplib.send(mail("known", "while down"), hostname="127.0.0.1", port=reg.settings.intake_port)
        assert deferred.value.code == 451  # the sending server keeps the mail and tries again later

        health = await reg.client.get("/healthz")
        assert health.status_code == 503 and health.json()["kafka"] is False


async def test_a_write_refused_while_the_broker_is_down_succeeds_when_it_is_back(tmp_path, mailbox):
    broker = KafkaBroker(tmp_path / "kafka")
    await asyncio.to_thread(broker.start)
    try:
        async with await running(tmp_path, mailbox, kafka_bootstrap=broker.bootstrap, kafka_timeout_seconds=3) as reg:
            meeting_id = await reg.set_up()
            url = f"/v1/meetings/{meeting_id}/inscriptions"
            warm = await reg.client.post(url, json={}, headers=reg.auth("Brazil"))
            assert warm.status_code == 202, warm.text

            await asyncio.to_thread(broker.stop)
            keyed = {**reg.auth("Ireland"), "Idempotency-Key": uuid.uuid4().hex}
            body = {"speaker_name": "H.E. Mr. Brendan Ward"}
            down = await reg.client.post(url, json=body, headers=keyed)
            assert down.status_code == 503 and down.headers["Retry-After"] == "5", down.text
            keyless = await reg.client.post(url, json={}, headers=reg.auth("France"))
            assert keyless.status_code == 503
            late_mail = mail(meeting_id, "sent while the broker was down")
            with pytest.raises(aiosmtplib.SMTPDataError) as deferred:
                await aiosmtplib.send(late_mail, hostname="127.0.0.1", port=reg.settings.intake_port)
            assert deferred.value.code == 451
            status = await reg.client.get(f"/v1/meetings/{meeting_id}", headers=reg.auth("Ireland"))
            assert status.status_code == 200  # reads go on

            await asyncio.to_thread(broker.start)
            deadline = time.monotonic() + 60
            while True:  # as a client would: retry after Retry-After, with the same key
                retry = await reg.client.post(url, json=body, headers=keyed)
                if retry.status_code != 503 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
            assert retry.status_code == 202, retry.text
            again = await reg.client.post(url, json=body, headers=keyed)
            assert again.json() == retry.json() and again.headers["Idempotent-Replayed"] == "true"
            _, answer = await aiosmtplib.send(late_mail, hostname="127.0.0.1", port=reg.settings.intake_port)
            assert "Received: inscription" in answer

            inscriptions = [c for c in await reg.commands() if isinstance(c, InscribeSpeaker)]
            by_delegation = {}
            for command in inscriptions:
                by_delegation.setdefault(command.delegation, []).append(command)
            # Exactly once each: nothing from the refused attempts arrived late, the retries did not duplicate.
            assert sorted(by_delegation) == ["Brazil", "Ireland"], by_delegation
            assert [c.inscription_id for c in by_delegation["Brazil"]] == [warm.json()["inscription_id"]]
            ireland = by_delegation["Ireland"]
            assert len(ireland) == 2 and len({c.message_id for c in ireland}) == 2
            assert retry.json()["inscription_id"] in {c.inscription_id for c in ireland}
            assert {c.channel for c in ireland} == {"http", "email"}
    finally:
        await asyncio.to_thread(broker.stop)
