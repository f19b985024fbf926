"""E-mail intake: a real SMTP client sends registrations to the intake; replies arrive at a real SMTP server.

Good requests are published like the API's (channel=email, the sender among the contacts) and acknowledged;
unknown senders, malformed and invalid mail get a reply saying why; oversized mail and relaying are refused
with SMTP codes. That good mail reaches the list itself is in test_registration_with_queue.py."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import pytest

from services.contracts import InscribeSpeaker
from tests.integration.registration.conftest import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

NOTE_VERBALE = """Dear Sir/Madam,

The Permanent Mission of Ghana to the United Nations presents its compliments to the General Assembly
Affairs Branch and has the honour to request that H.E. Ms. Martha Ama Akyaa Pobee, Permanent
Representative, be inscribed on the list of speakers for the informal interactive dialogue on the
Responsibility to Protect, on behalf of the Group of Friends of the Responsibility to Protect.

Best regards,
Ms. Abena Mensah
"""


def mail(sender: str, body: str, subject: str = "Request to speak", to: str = "speakers-list@un.example",
         **headers) -> EmailMessage:  # fmt: skip
    message = EmailMessage()
    message["From"] = f"Mission <{sender}>"
    message["To"] = to
    message["Cc"] = "gaab@un.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="un.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


async def send(reg, message, **kwargs):
    return await aiosmtplib.send(message, hostname="127.0.0.1", port=reg.settings.intake_port, timeout=15, **kwargs)


async def published(reg, meeting_id: str) -> list[InscribeSpeaker]:
    return [c for c in await reg.commands() if isinstance(c, InscribeSpeaker) and c.meeting_id == meeting_id]


async def test_a_form_from_a_registered_address_is_published_and_acknowledged(reg):
    meeting_id = await reg.set_up()
    form = (f"Meeting: {meeting_id}\nDelegation: Ireland\nSpeaker: H.E. Mr. Brendan Ward\n"
            "Title: Deputy Permanent Representative\nLevel: head of delegation\nContact: pr@ireland.example\n")
    message = mail("ireland@un.example", form)
    _, answer = await send(reg, message)
    inscription_id = re.search(r"inscription (\w+)", answer).group(1)

    [command] = await published(reg, meeting_id)
    assert command.inscription_id == inscription_id and command.channel == "email"
    assert command.delegation == "Ireland" and command.issued_by.delegation == "Ireland"
    assert command.speaker_name == "H.E. Mr. Brendan Ward" and command.level == "head_of_delegation"
    assert command.contact_emails == ["ireland@un.example", "pr@ireland.example"]

    [reply] = await reg.mailbox.wait_for("ireland@un.example")
    assert reply["Subject"].startswith("Received") and inscription_id in reply["Subject"]
    assert reply["Auto-Submitted"] == "auto-replied" and reply["In-Reply-To"] == message["Message-ID"]
    text = reply.get_content()
    assert inscription_id in text and "H.E. Mr. Brendan Ward" in text and "confirmation with your place" in text

    r = await reg.client.get(f"/v1/meetings/{meeting_id}/inscriptions/{inscription_id}", headers=reg.auth("Ireland"))
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["channel"] == "email"


async def test_a_plain_language_note_is_read(reg):
    meeting_id = await reg.set_up()
    await send(reg, mail("ghana@un.example", NOTE_VERBALE, subject=f"Inscription, R2P dialogue ({meeting_id})"))
    [command] = await published(reg, meeting_id)
    assert command.delegation == "Ghana"
    assert command.speaker_name == "H.E. Ms. Martha Ama Akyaa Pobee"
    assert command.speaker_title == "Permanent Representative" and command.level == "head_of_delegation"
    assert command.on_behalf_of == "Group of Friends of the Responsibility to Protect"
    assert command.category == "group"
    await reg.mailbox.wait_for("ghana@un.example")


async def test_the_meeting_may_be_named_in_the_address(reg):
    meeting_id = await reg.set_up()
    await send(reg, mail("brazil@un.example", "Brazil asks to speak.", to=f"speakers-list+{meeting_id}@un.example"))
    [command] = await published(reg, meeting_id)
    assert command.delegation == "Brazil"


async def test_an_unknown_sender_gets_a_refusal_and_nothing_is_published(reg):
    meeting_id = await reg.set_up()
    _, answer = await send(reg, mail("stranger@example.org", f"Meeting: {meeting_id}\nDelegation: Ireland\n"))
    assert "not registered" in answer
    [reply] = await reg.mailbox.wait_for("stranger@example.org")
    assert reply["Subject"].startswith("Not registered")
    text = reply.get_content()
    assert "stranger@example.org is not registered for any delegation" in text and "Delegation:" in text
    assert await published(reg, meeting_id) == []


async def test_an_invalid_form_gets_every_error_and_the_form(reg):
    meeting_id = await reg.set_up()
    await send(reg, mail("france@un.example", f"Meeting: {meeting_id}\nLevel: emperor\nCategory: planet\n"))
    [reply] = await reg.mailbox.wait_for("france@un.example")
    text = reply.get_content()
    assert "level: 'emperor' is not one of" in text and "category: 'planet' is not one of" in text
    assert "head of delegation" in text and "Meeting: " + meeting_id in text
    assert await published(reg, meeting_id) == []


async def test_a_sender_cannot_register_another_delegation(reg):
    meeting_id = await reg.set_up()
    await send(reg, mail("ireland@un.example", f"Meeting: {meeting_id}\nDelegation: France\n", subject="for France"))
    replies = await eventually(lambda: [m for m in reg.mailbox.to("ireland@un.example") if "for France" in
                                        m.get_content()], what="the refusal")  # fmt: skip
    assert "registered for Ireland, not for 'France'" in replies[0].get_content()
    assert await published(reg, meeting_id) == []


async def test_malformed_mime_gets_a_reply_never_a_crash(reg):
    meeting_id = await reg.set_up()
    broken = (
        "From: Brazil <brazil@un.example>\r\nTo: speakers-list@un.example\r\nSubject: broken\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"missing\"\r\n\r\n"
        f"Meeting: {meeting_id}\r\nno boundary ever starts here\r\n"
    ).encode()
    _, answer = await aiosmtplib.send(broken, sender="brazil@un.example", recipients=["speakers-list@un.example"],
                                      hostname="127.0.0.1", port=reg.settings.intake_port)  # fmt: skip
    assert "Received, but unreadable" in answer
    [reply] = await eventually(lambda: [m for m in reg.mailbox.to("brazil@un.example") if "broken" in
                                        m.get_content()], what="the reply")  # fmt: skip
    assert "MIME structure is broken" in reply.get_content()

    for garbage in (b"\x00\xff\xfe" * 50, b"Subject: =?utf-8?q?=FF?=\r\nFrom: =?x?q?bad?=\r\n\r\n\xff\xfe"):
        _, answer = await aiosmtplib.send(garbage, sender="brazil@un.example", recipients=["speakers-list@un.example"],
                                          hostname="127.0.0.1", port=reg.settings.intake_port)  # fmt: skip
        assert "Received" in answer, answer
    assert await published(reg, meeting_id) == []
    assert (await reg.client.get("/healthz")).status_code == 200


async def test_oversized_mail_is_refused_with_552(reg):
    message = mail("ireland@un.example", "x" * (reg.settings.max_mail_bytes + 1000))
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await send(reg, message)
    assert refused.value.code == 552
    # A client that ignores the SIZE advertised is stopped at DATA.
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=reg.settings.intake_port)
    await client.connect()
    await client.ehlo()
    await client.mail("ireland@un.example")
    await client.rcpt("speakers-list@un.example")
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        await client.data(b"Subject: big\r\n\r\n" + b"y" * 70 + b"\r\n" * 1 + (b"z" * 998 + b"\r\n") * 600)
    assert refused.value.code == 552
    await client.quit()


async def test_relaying_is_refused_with_550(reg):
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send(reg, mail("ireland@un.example", "hello", to="someone@elsewhere.example"))
    assert [e.code for e in refused.value.recipients] == [550, 550]  # To and Cc: neither is ours
    assert "Relaying denied" in refused.value.recipients[0].message
    # One recipient refused, ours accepted: the mail is taken for the speakers-list address only.
    message = mail("ireland@un.example", "hello", to="speakers-list@un.example, someone@elsewhere.example")
    errors, _ = await send(reg, message)
    assert errors["someone@elsewhere.example"].code == 550


async def test_the_same_message_delivered_twice_registers_once(reg):
    meeting_id = await reg.set_up()
    message = mail("france@un.example", f"Meeting: {meeting_id}\nSpeaker: Mr. Nicolas de Rivière\n", subject="dup")
    _, first = await send(reg, message)
    _, second = await send(reg, message)
    assert first == second
    assert len(await published(reg, meeting_id)) == 1


async def test_automatic_mail_is_never_answered(reg):
    meeting_id = await reg.set_up()
    before = len(reg.mailbox.messages)
    _, answer = await send(reg, mail("stranger2@example.org", "Out of office", Auto_Submitted="auto-replied"))
    assert "not answered" in answer
    bounce = mail("mailer-daemon@example.org", "Delivery failed")
    await aiosmtplib.send(bounce, sender="", recipients=["speakers-list@un.example"], hostname="127.0.0.1",
                          port=reg.settings.intake_port)  # fmt: skip
    later = mail("ireland@un.example", f"Meeting: {meeting_id}\n", subject="after")  # this one is answered
    await send(reg, later)
    await eventually(lambda: any(m["In-Reply-To"] == later["Message-ID"] for m in reg.mailbox.to("ireland@un.example")),
                     what="the later reply")  # fmt: skip
    assert not reg.mailbox.to("stranger2@example.org") and not reg.mailbox.to("mailer-daemon@example.org")
    assert len(reg.mailbox.messages) > before
