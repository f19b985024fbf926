from datetime import datetime, timezone

from services.contracts import (
    Category,
    Inscription,
    Level,
    ListChanged,
    ListClosed,
    ListEntry,
    SpeakerCalled,
    SpeechEnded,
    SpeechRecord,
    SpeechStarted,
)
from services.notifier.view import apply, clock_setting, empty_view, public_event, public_view
from tests.unit.notifier.factory import MeetingScript

T = datetime(2017, 9, 6, 15, 0, tzinfo=timezone.utc)
IRELAND = Inscription(
    inscription_id="i1", delegation="Ireland", category=Category.member_state, level=Level.other, inscribed_at=T
)


def fold(events, view=None):
    view = view or empty_view(events[0].meeting_id)
    for event in events:
        view = apply(view, event)
    return view


def test_events_fold_into_the_current_picture():
    view = empty_view("m")
    view = apply(view, ListChanged(meeting_id="m", seq=1, occurred_at=T, version=1, reason="inscribed",
                                   speakers=[ListEntry(position=1, inscription=IRELAND)], closed=False))  # fmt: skip
    view = apply(view, SpeakerCalled(meeting_id="m", seq=2, occurred_at=T, inscription=IRELAND, limit_seconds=180))
    view = apply(
        view,
        SpeechStarted(meeting_id="m", seq=3, occurred_at=T, inscription_id="i1", limit_seconds=180,
                      deadline_at=T, pre_warning_at=T),
    )  # fmt: skip
    assert view["seq"] == 3
    assert view["floor"]["state"] == "speaking"
    assert view["floor"]["inscription"]["delegation"] == "Ireland"
    assert view["list"]["speakers"][0]["inscription"]["delegation"] == "Ireland"

    record = SpeechRecord(inscription=IRELAND, called_at=T, started_at=T, ended_at=T, limit_seconds=180,
                          duration_seconds=170.0, overrun_seconds=0.0)  # fmt: skip
    view = apply(view, SpeechEnded(meeting_id="m", seq=4, occurred_at=T, record=record))
    assert view["floor"] is None
    assert [r["inscription"]["delegation"] for r in view["record"]] == ["Ireland"]


def test_a_replayed_event_changes_nothing():
    view = apply(empty_view("m"), ListClosed(meeting_id="m", seq=1, occurred_at=T))
    again = apply(view, ListClosed(meeting_id="m", seq=1, occurred_at=T))
    assert again is view
    assert view["list"]["closed"] is True


def test_the_view_passed_in_is_never_changed():
    m = MeetingScript()
    before = fold(m.set_up() + m.inscribe("Ireland"))
    snapshot = repr(before)
    fold(m.call_next() + m.start(), before)
    assert repr(before) == snapshot


def test_the_floor_through_a_speech_paused_resumed_and_extended():
    m = MeetingScript()
    view = fold(m.set_up() + m.open_floor() + m.inscribe("Ireland") + m.call_next())
    assert view["floor"]["state"] == "called" and view["floor"]["deadline_at"] is None
    view = fold(m.start(), view)
    deadline = view["floor"]["deadline_at"]
    assert view["floor"]["state"] == "speaking" and view["floor"]["started_at"] is not None
    view = fold(m.pause(100.0), view)
    assert view["floor"]["state"] == "paused"
    assert view["floor"]["remaining_seconds"] == 100.0 and view["floor"]["deadline_at"] is None
    m.advance(60)
    view = fold(m.resume(100.0), view)
    assert view["floor"]["state"] == "speaking" and view["floor"]["deadline_at"] != deadline
    view = fold(m.extend(30, m.now), view)
    assert view["floor"]["extended_seconds"] == 30
    view = fold(m.end(), view)
    assert view["floor"] is None and len(view["record"]) == 1


def test_status_follows_the_programme_and_the_chair():
    m = MeetingScript()
    view = fold(m.set_up())
    assert view["status"] == "not_started"
    view = fold(m.open_floor(), view)
    assert view["status"] == "in_session" and view["segment"]["kind"] == "floor"
    view = fold(m.conclude(), view)
    assert view["status"] == "concluded"


def test_nobody_s_address_leaves_the_service():
    m = MeetingScript()
    view = fold(m.set_up() + m.inscribe("Ireland", emails=["mission@ireland.example"]) + m.call_next())
    assert "mission@ireland.example" in repr(view)  # kept for the e-mails
    public = public_view(view)
    assert "@" not in repr(public)
    assert "delegation_addresses" not in public["setup"]
    assert public["floor"]["inscription"]["delegation"] == "Ireland"
    accepted = m.inscribe("Ghana", emails=["gh@example.org"])[0]
    assert "gh@example.org" not in repr(public_event(accepted))
    assert public_event(accepted)["inscription"]["delegation"] == "Ghana"


def test_clock_setting_is_read_from_the_setup():
    m = MeetingScript()
    assert clock_setting(None) is None
    assert clock_setting(fold(m.set_up()))["mode"] == "real"


def test_settings_read_from_the_environment(monkeypatch):
    from services.notifier.settings import NotifierSettings

    monkeypatch.setenv("ROSTRUM_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("ROSTRUM_MAIL_DUE_SOON_MINUTES", "10")
    monkeypatch.setenv("ROSTRUM_NOTIFIER_INSTANCE", "b")
    settings = NotifierSettings(topic_prefix="p", redis_prefix="r")
    assert settings.smtp_host == "smtp.example.org" and settings.mail_policy.due_soon_minutes == 10
    assert settings.consumer_group == "p.notifier.b" and settings.redis_keys == "r:notifier"
