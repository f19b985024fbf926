"""E-mail on the real broker, Redis and an aiosmtpd server: every kind, exactly once; an SMTP server that
fails then recovers; a permanent failure recorded and visible, never holding up the rolling list."""

import asyncio

from services.notifier.mail.outbox import job_id
from tests.integration.notifier.support import eventually, expected_mails, produce
from tests.unit.notifier.factory import MeetingScript


def a_whole_meeting():
    m = MeetingScript()
    events = m.set_up() + m.open_floor()
    ids = []
    for i in range(8):
        batch = m.inscribe(f"Delegation {i}", emails=[f"d{i}@example.org", f"d{i}-copy@example.org"])
        ids.append(batch[0].inscription.inscription_id)
        events += batch
    events += m.reject("France", ["fr@example.org"])
    events += m.move(ids[2], 8) + m.speak(170) + m.call_next() + m.absent() + m.speak(200)
    events += m.close(not_reached=ids[-2:]) + m.speak(120) + m.conclude()
    return m, events


async def test_every_kind_of_e_mail_arrives_once_text_and_html(notifier, smtp):
    m, events = a_whole_meeting()
    expected = expected_mails(events)
    kinds = {key.split(":")[0] for key in expected}
    assert kinds == {"confirmed", "rejected", "position", "due_soon", "next", "unlikely", "record"}
    await produce(notifier.topic, events)
    await eventually(lambda: len(smtp.catcher.for_meeting(m.meeting_id)) >= sum(expected.values()),
                     what="every e-mail")  # fmt: skip
    await asyncio.sleep(1.5)  # anything sent twice would have come by now
    assert smtp.catcher.keys(m.meeting_id) == expected

    by_key = {mail["X-Rostrum-Mail"]: mail for mail in smtp.catcher.for_meeting(m.meeting_id)}
    for key, mail in by_key.items():
        assert mail.get_body(("plain",)) is not None and mail.get_body(("html",)) is not None, key
        assert mail["Message-ID"] == f"<{job_id(m.meeting_id, key)}@rostrum.local>", key
        assert "speakers-list@rostrum.local" in mail["From"]
    confirmed = next(mail for key, mail in by_key.items() if key.startswith("confirmed:"))
    assert confirmed["To"] == "d0@example.org, d0-copy@example.org"
    assert "Place on the list: 1" in confirmed.get_body(("plain",)).get_content()
    rejected = next(mail for key, mail in by_key.items() if key.startswith("rejected:"))
    assert rejected["To"] == "fr@example.org"
    assert "The list of speakers is closed." in rejected.get_body(("plain",)).get_content()
    record = next(mail for key, mail in by_key.items() if key.startswith("record:"))
    assert "Duration:" in record.get_body(("plain",)).get_content()

    counts = notifier.get(f"/v1/meetings/{m.meeting_id}/mail-failures").json()["counts"]
    assert counts["sent"] == sum(expected.values()) and counts["pending"] == 0 and counts["failed"] == 0


async def test_an_smtp_server_that_fails_then_recovers(notifier, smtp):
    smtp.catcher.fail_data = 4  # 451 to the next four attempts
    m = MeetingScript()
    events = m.set_up()
    for i in range(3):
        events += m.inscribe(f"Delegation {i}")
    await produce(notifier.topic, events)
    await eventually(lambda: len(smtp.catcher.for_meeting(m.meeting_id)) >= 3, what="the three confirmations")
    await asyncio.sleep(1.5)
    assert smtp.catcher.keys(m.meeting_id) == expected_mails(events)
    assert smtp.catcher.fail_data == 0
    body = notifier.get(f"/v1/meetings/{m.meeting_id}/mail-failures").json()
    assert body["counts"]["retries"] >= 1 and body["counts"]["failed"] == 0 and body["failures"] == []


async def test_a_permanent_failure_is_recorded_and_visible_and_holds_up_nothing(notifier, smtp):
    smtp.catcher.refuse = {"nobody@example.org"}
    smtp.catcher.delay = 2.0  # and a slow server besides
    try:
        m = MeetingScript()
        events = m.set_up()
        events += m.inscribe("Atlantis", emails=["nobody@example.org"])
        events += m.inscribe("Ghana", emails=["ghana@example.org", "nobody@example.org"])
        await produce(notifier.topic, events)
        await eventually(lambda: notifier.get(f"/v1/meetings/{m.meeting_id}/list").json().get("seq") == m.seq,
                         what="the rolling list")  # fmt: skip
        # The list is there while the e-mail is still under way: it never waits for SMTP.
        counts = notifier.get(f"/v1/meetings/{m.meeting_id}/mail-failures").json()["counts"]
        assert counts["pending"] >= 1 and counts["sent"] == 0

        def failures():
            body = notifier.get(f"/v1/meetings/{m.meeting_id}/mail-failures").json()
            return len(body["failures"]) == 2 and body

        body = await eventually(failures, what="both failures recorded")
        by_delegation = {f["delegation"]: f for f in body["failures"]}
        atlantis, ghana = by_delegation["Atlantis"], by_delegation["Ghana"]
        assert atlantis["state"] == "failed" and atlantis["attempts"] == 1  # 5xx: not retried
        assert "550" in atlantis["error"] and atlantis["to"] == ["no…@example.org"]
        assert ghana["state"] == "sent" and list(ghana["refused"]) == ["no…@example.org"]
        assert body["counts"]["failed"] == 1 and body["counts"]["refused"] == 1
        assert [mail["To"] for mail in smtp.catcher.for_meeting(m.meeting_id)] == [
            "ghana@example.org, nobody@example.org"
        ]
        assert "nobody@example.org" not in str(notifier.get(f"/v1/meetings/{m.meeting_id}/mail-failures").json())
    finally:
        smtp.catcher.refuse = set()
        smtp.catcher.delay = 0.0
