"""Every kind of e-mail renders from its templates, text and HTML, on the meeting's own clock."""

import email
import email.policy

import pytest

from services.notifier.mail.plan import KINDS, MailIntent
from services.notifier.mail.render import MailRenderer, build_message, mail_domain
from tests.unit.notifier.test_mail_plan import meeting

MEETING = {"meeting_id": "ga-r2p-2017", "title": "R2P dialogue", "venue": "Conference Room 4",
           "timezone": "America/New_York"}  # fmt: skip


@pytest.fixture(scope="module")
def renderer():
    return MailRenderer()


def intents_of_every_kind():
    m, run, ids = meeting(8)
    run.feed(m.reject("France", ["fr@example.org"]))
    run.feed(m.move(ids[2], 8) + m.speak(170) + m.speak(200) + m.close(not_reached=ids[-2:]) + m.conclude())
    by_kind = {}
    for mail in run.mails:
        by_kind.setdefault(mail.kind, mail)
    return by_kind


def test_every_kind_has_a_subject_a_text_and_an_html_part(renderer):
    by_kind = intents_of_every_kind()
    assert set(by_kind) == set(KINDS)
    for kind, intent in by_kind.items():
        mail = renderer.render(intent, MEETING)
        assert mail.subject and "\n" not in mail.subject, kind
        assert "R2P dialogue" in mail.subject and "R2P dialogue" in mail.text, kind
        assert mail.html.lstrip().startswith("<!doctype html>"), kind
        if intent.delegation:
            assert intent.delegation in mail.text and intent.delegation in mail.html, kind


def test_times_are_the_meeting_s_local_times(renderer):
    confirmed = intents_of_every_kind()["confirmed"]
    mail = renderer.render(confirmed, MEETING)
    # The script's meeting starts at 15:00 New York time; the first speaker is estimated 200 s later.
    assert "15:03 on 6 September 2017" in mail.text
    assert "America/New_York" in mail.text


def test_the_record_lists_start_duration_and_overrun(renderer):
    record = intents_of_every_kind()["statement_record"]
    text = renderer.render(record, MEETING).text
    assert "Duration:  2 min 50 s" in text and "Started:" in text


def test_names_cannot_inject_html_or_headers(renderer):
    intent = MailIntent(
        kind="next",
        key="next:x",
        to=("a@example.org",),
        context={"inscription": {"delegation": "<script>alert(1)</script>\r\nBcc: evil@example.org",
                                 "speaker_name": "", "speaker_title": "", "on_behalf_of": None,
                                 "inscription_id": "x", "category": "member_state"},
                 "speaking_now": None},
        delegation="x",
    )  # fmt: skip
    mail = renderer.render(intent, MEETING)
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "\n" not in mail.subject and "\r" not in mail.subject
    message = build_message("Rostrum <list@un.example>", ["a@example.org"], mail.subject, mail.text, mail.html,
                            "<id@un.example>", {"X-Rostrum-Mail": "next:x\r\nBcc: evil@example.org"})  # fmt: skip
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None
    assert parsed["Message-ID"] == "<id@un.example>"


def test_an_unknown_time_zone_falls_back_to_utc(renderer):
    confirmed = intents_of_every_kind()["confirmed"]
    mail = renderer.render(confirmed, {**MEETING, "timezone": "Mars/Olympus_Mons"})
    assert "19:03 on 6 September 2017" in mail.text


def test_mail_domain():
    assert mail_domain("Rostrum <speakers-list@un.example>") == "un.example"
    assert mail_domain("nobody") == "rostrum.local"
