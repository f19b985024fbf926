"""With the real queue: registration, queue and notifier as processes (tests/support/stack.py) on their own
topics. Inscriptions by HTTP and by e-mail reach the list; the list's refusals (list closed, a delegation
inscribed twice) reach whoever asked, with the reason; swaps by consent, withdrawals and the floor."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
import httpx
import pytest

from tests.integration.registration.conftest import Mailbox, seed_meeting, text_of
from tests.support.stack import Stack, free_port, wait_for

ADDRESS = "speakers-list@un.example"


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, mailbox):
    intake = free_port()
    stack = Stack(
        tmp_path_factory.mktemp("with-queue"),
        ROSTRUM_INTAKE_PORT=str(intake),
        ROSTRUM_SMTP_PORT=str(mailbox.port),
        ROSTRUM_SPEAKERS_LIST_ADDRESS=ADDRESS,
        ROSTRUM_MAIL_FROM=f"Rostrum <{ADDRESS}>",
    )
    for delegation in ("Ireland", "Ghana", "Brazil", "France", "Togo"):
        stack.tokens.delegation(delegation)
    stack.intake_port = intake
    stack.start()
    yield stack
    stack.stop()


def live_meeting(meeting_id: str | None = None) -> dict:
    """The 2017 meeting on a simulated clock that reads 10:50 (the floor opens) now."""
    meeting = seed_meeting(meeting_id or f"q-{uuid.uuid4().hex[:8]}")
    meeting["setup"]["clock"] = {"mode": "simulated", "starts_at": "2017-09-06T10:50:00-04:00",
                                 "anchor": datetime.now(UTC).isoformat(), "rate": 1}  # fmt: skip
    return meeting


class Client:
    def __init__(self, stack: Stack):
        self.stack, self.url = stack, stack["registration"].url
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def auth(self, who: str) -> dict[str, str]:
        tokens = self.stack.tokens
        token = getattr(tokens, who) if who in ("secretariat", "chair", "display") else tokens.delegation(who)
        return tokens.header(token)

    def set_up(self) -> str:
        meeting = live_meeting()
        r = self.http.post("/v1/meetings", json=meeting, headers=self.auth("secretariat"))
        assert r.status_code == 202, r.text
        meeting_id = meeting["meeting_id"]
        wait_for(lambda: self.http.get(f"/v1/meetings/{meeting_id}", headers=self.auth("chair")).json()["confirmed"],
                 what="the queue's MeetingSetUp")  # fmt: skip
        return meeting_id

    def inscribe(self, meeting_id: str, who: str, **body) -> dict:
        r = self.http.post(f"/v1/meetings/{meeting_id}/inscriptions", json=body, headers=self.auth(who))
        assert r.status_code == 202, r.text
        return r.json()

    def status(self, meeting_id: str, answer: dict, until=None, what="status") -> dict:
        def get():
            found = self.http.get(answer["follow"], headers=self.auth("secretariat")).json()
            return (until is None or until(found)) and found

        return wait_for(get, timeout=30, what=what)

    def post(self, path: str, who: str, json=None) -> httpx.Response:
        return self.http.post(path, json=json, headers=self.auth(who))

    def rolling_list(self, meeting_id: str) -> list[dict]:
        r = httpx.get(f"{self.stack['notifier'].url}/v1/meetings/{meeting_id}/list", timeout=10)
        return r.json()["speakers"] if r.status_code == 200 else []


@pytest.fixture(scope="module")
def client(stack):
    return Client(stack)


def test_an_inscription_is_accepted_with_its_place_and_estimate(client):
    meeting_id = client.set_up()
    ireland = client.inscribe(meeting_id, "Ireland", speaker_name="H.E. Mr. Brendan Ward")
    ghana = client.inscribe(meeting_id, "Ghana")
    found = client.status(meeting_id, ghana, until=lambda s: s["status"] == "accepted", what="Ghana accepted")
    assert found["position"] == 2 and found["estimated_at"], found
    first = client.status(meeting_id, ireland)
    assert first["position"] == 1 and first["estimated_at"] < found["estimated_at"]
    names = wait_for(lambda: [e["inscription"]["delegation"] for e in client.rolling_list(meeting_id)] or None,
                     what="the rolling list")  # fmt: skip
    assert names[:2] == ["Ireland", "Ghana"]


def test_the_lists_refusals_reach_the_asker_with_the_reason(client):
    meeting_id = client.set_up()
    first = client.inscribe(meeting_id, "Brazil")
    client.status(meeting_id, first, until=lambda s: s["status"] == "accepted", what="Brazil accepted")
    twice = client.inscribe(meeting_id, "Brazil")
    refused = client.status(meeting_id, twice, until=lambda s: s["status"] == "rejected", what="the second refused")
    assert refused["reason_code"] == "already_inscribed" and refused["reason"]

    assert client.post(f"/v1/meetings/{meeting_id}/list/close", "chair").status_code == 202
    late = client.inscribe(meeting_id, "France")
    refused = client.status(meeting_id, late, until=lambda s: s["status"] == "rejected", what="France refused")
    assert refused["reason_code"] == "list_closed" and "closed" in refused["reason"].lower()
    command = client.http.get(f"/v1/meetings/{meeting_id}/commands/{late['command_id']}",
                              headers=client.auth("France")).json()  # fmt: skip
    assert command["status"] == "rejected" and command["reason_code"] == "list_closed"


def test_swap_by_consent_withdrawal_and_the_floor(client):
    meeting_id = client.set_up()
    ireland, ghana, togo = (client.inscribe(meeting_id, d) for d in ("Ireland", "Ghana", "Togo"))
    client.status(meeting_id, togo, until=lambda s: s["status"] == "accepted", what="all accepted")
    pair = {"first_inscription_id": ireland["inscription_id"], "second_inscription_id": ghana["inscription_id"]}
    proposed = client.post(f"/v1/meetings/{meeting_id}/list/swap", "Ireland", pair).json()
    assert proposed["status"] == "awaiting_consent"
    consent = client.post(f"/v1/meetings/{meeting_id}/list/swap", "Ghana", pair).json()
    assert consent["status"] == "published"
    client.status(meeting_id, ghana, until=lambda s: s["position"] == 1, what="Ghana first")
    assert client.status(meeting_id, ireland)["position"] == 2

    r = client.http.delete(togo["follow"], headers=client.auth("Togo"))
    assert r.status_code == 202
    client.status(meeting_id, togo, until=lambda s: s["status"] == "withdrawn", what="Togo withdrawn")

    floor = f"/v1/meetings/{meeting_id}/floor"
    assert client.post(f"{floor}/call-next", "chair").status_code == 202
    client.status(meeting_id, ghana, until=lambda s: s["status"] == "called", what="Ghana called")
    assert client.post(f"{floor}/start", "chair").status_code == 202
    client.status(meeting_id, ghana, until=lambda s: s["status"] == "speaking", what="Ghana speaking")
    assert client.post(f"{floor}/end", "secretariat").status_code == 202
    client.status(meeting_id, ghana, until=lambda s: s["status"] == "spoken", what="Ghana spoken")
    # The queue publishes the list at most once a second: Ireland moves up when it does.
    client.status(meeting_id, ireland, until=lambda s: s["position"] == 1, what="Ireland next")
    refused = client.post(f"{floor}/end", "chair").json()  # nobody on the floor now
    wait_for(lambda: client.http.get(refused["follow"], headers=client.auth("chair")).json()["status"] == "rejected",
             what="the refusal of a second end")  # fmt: skip


def send(stack, message: EmailMessage | bytes, **kwargs):
    return asyncio.run(aiosmtplib.send(message, hostname="127.0.0.1", port=stack.intake_port, timeout=15, **kwargs))


def mail(sender: str, body: str, subject: str = "Request to speak") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ADDRESS, subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@un.example>"
    message.set_content(body)
    return message


def test_mail_registrations_reach_the_list_and_the_others_get_their_answer(stack, client, mailbox):
    meeting_id = client.set_up()
    form = f"Meeting: {meeting_id}\nSpeaker: H.E. Mr. Brendan Ward\nLevel: head of delegation\n"
    _, answer = send(stack, mail("ireland@un.example", form))
    inscription_id = re.search(r"inscription (\w+)", answer).group(1)
    letter = (
        "Dear colleagues,\n\nThe Permanent Mission of Ghana has the honour to request that H.E. Ms. Martha Ama "
        "Akyaa Pobee, Permanent Representative, be inscribed on the list of speakers.\n\nBest regards\n"
    )
    send(stack, mail("ghana@un.example", letter, subject=f"Inscription {meeting_id}"))
    send(stack, mail("stranger@example.org", form))  # unknown sender
    malformed = (f"From: brazil@un.example\r\nTo: {ADDRESS}\r\nSubject: {meeting_id}\r\nMIME-Version: 1.0\r\n"
                 "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\nno parts\r\n").encode()  # fmt: skip
    send(stack, malformed, sender="brazil@un.example", recipients=[ADDRESS])
    with pytest.raises(aiosmtplib.SMTPResponseException) as oversized:
        send(stack, mail("france@un.example", form + "x" * 600_000))
    assert oversized.value.code == 552

    def listed():
        speakers = client.rolling_list(meeting_id)
        return len(speakers) >= 2 and speakers

    speakers = wait_for(listed, timeout=30, what="both e-mail registrations on the rolling list")
    assert [(e["inscription"]["delegation"], e["inscription"]["channel"]) for e in speakers] == [
        ("Ireland", "email"), ("Ghana", "email")]  # fmt: skip
    assert speakers[0]["inscription"]["inscription_id"] == inscription_id
    assert speakers[1]["inscription"]["speaker_name"] == "H.E. Ms. Martha Ama Akyaa Pobee"

    def replies(address, text):
        return [m for m in mailbox.to(address) if text in text_of(m)]

    assert wait_for(lambda: replies("ireland@un.example", inscription_id), what="Ireland's acknowledgement")
    assert wait_for(lambda: replies("ghana@un.example", "has been received"), what="Ghana's acknowledgement")
    assert wait_for(lambda: replies("stranger@example.org", "not registered for any delegation"), what="refusal")
    assert wait_for(lambda: replies("brazil@un.example", "MIME structure is broken"), what="malformed")
    assert not mailbox.to("france@un.example") or not replies("france@un.example", "has been received")
    status = client.http.get(f"/v1/meetings/{meeting_id}/inscriptions/{inscription_id}",
                             headers=client.auth("Ireland")).json()  # fmt: skip
    assert status["status"] == "accepted" and status["position"] == 1


def test_a_right_of_reply_is_refused_in_an_informal_dialogue(client):
    meeting_id = client.set_up()  # the 2017 dialogue: informal, no right of reply
    r = client.post(f"/v1/meetings/{meeting_id}/inscriptions", "Ghana", {"statement": "rebuttal"})
    assert r.status_code == 422 and "statement" in r.text
    asked = client.inscribe(meeting_id, "Ghana", statement="reply")
    refused = client.status(meeting_id, asked, until=lambda s: s["status"] == "rejected", what="the reply refused")
    assert refused["reason_code"] == "no_right_of_reply" and "informal dialogue" in refused["reason"]
