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
from services.notifier.view import apply, empty_view

T = datetime(2017, 9, 6, 15, 0, tzinfo=timezone.utc)
IRELAND = Inscription(
    inscription_id="i1", delegation="Ireland", category=Category.member_state, level=Level.other, inscribed_at=T
)


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
