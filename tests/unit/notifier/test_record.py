"""The record of a meeting: speeches, speakers not reached, totals by category; JSON and CSV."""

import csv
import io

from services.contracts import Category
from services.notifier.record import build_record, record_csv
from services.notifier.view import apply, empty_view
from tests.unit.notifier.factory import MeetingScript


def played():
    m = MeetingScript()
    events = m.set_up() + m.open_floor()
    events += m.inscribe("Ireland", speaker_name="H.E. Mr. Brendan Ward")
    events += m.inscribe("European Union", category=Category.observer_entity)
    events += m.inscribe('=HYPERLINK("http://evil")', category=Category.civil_society)
    events += m.inscribe("Ghana", on_behalf_of="the African Group", category=Category.group)
    events += m.speak(170) + m.speak(200) + m.speak(90)
    return m, events


def fold(events):
    view = empty_view(events[0].meeting_id)
    for event in events:
        view = apply(view, event)
    return view


def test_every_speech_with_its_times_and_the_totals():
    m, events = played()
    record = build_record(fold(events))
    assert [s["delegation"] for s in record["speeches"]] == ["Ireland", "European Union", '=HYPERLINK("http://evil")']
    first = record["speeches"][0]
    assert first["speaker"] == "H.E. Mr. Brendan Ward" and first["category"] == "member_state"
    assert first["started_at"] == "2017-09-06T15:00:10-04:00"  # the meeting's time zone
    assert first["duration_seconds"] == 170.0 and first["overrun_seconds"] == 0.0
    assert record["speeches"][1]["overrun_seconds"] == 20.0
    assert record["totals"]["all"] == {"speeches": 3, "duration_seconds": 460.0, "average_seconds": 153.3,
                                       "overrun_seconds": 20.0, "overruns": 1}  # fmt: skip
    assert list(record["totals"]) == ["member_state", "observer_entity", "civil_society", "all"]
    # Not concluded: those not reached so far are the ones still waiting.
    assert record["final"] is False
    assert [(n["delegation"], n["on_behalf_of"]) for n in record["not_reached"]] == [("Ghana", "the African Group")]


def test_after_the_meeting_those_not_reached_are_final():
    m, events = played()
    record = build_record(fold(events + m.conclude()))
    assert record["final"] is True and record["status"] == "concluded"
    assert [n["delegation"] for n in record["not_reached"]] == ["Ghana"]


def test_csv_has_a_row_per_speech_per_speaker_not_reached_and_per_total():
    m, events = played()
    text = record_csv(build_record(fold(events)))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["row"] for r in rows] == ["speech"] * 3 + ["not_reached"] + ["total"] * 4
    assert rows[0]["delegation"] == "Ireland" and rows[0]["duration_seconds"] == "170.0"
    assert rows[2]["delegation"].startswith("'=")  # not run as a formula by a spreadsheet
    assert rows[3]["delegation"] == "Ghana" and rows[3]["order"] == "1"
    assert rows[-1]["category"] == "all" and rows[-1]["speeches"] == "3"
    assert "@" not in text


def test_an_empty_meeting():
    m = MeetingScript()
    record = build_record(fold(m.set_up()))
    assert record["speeches"] == [] and record["totals"] == {"all": {"speeches": 0, "duration_seconds": 0,
                                                                     "average_seconds": 0.0, "overrun_seconds": 0,
                                                                     "overruns": 0}}  # fmt: skip
    assert record_csv(record).splitlines()[0].startswith("row,order,delegation")
