"""The stream's messages: one JSON shape for SSE and WebSocket, with seq and the time on both clocks."""

import json
from datetime import UTC, datetime, timedelta

from services.contracts import ClockSetting
from services.notifier.clock import meeting_time, now_fields
from services.notifier.stream.protocol import (
    event_body,
    event_frame,
    parse_last_event_id,
    resync_frame,
    snapshot_body,
    snapshot_frame,
    stamp,
    tick_frame,
)
from services.notifier.view import apply, empty_view
from tests.unit.notifier.factory import START, MeetingScript

REAL = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


def parse_sse(frame: bytes) -> dict:
    fields = {}
    assert frame.endswith(b"\n\n")
    for line in frame.decode().strip("\n").split("\n"):
        name, _, value = line.partition(": ")
        fields[name] = value
    return fields


def test_an_event_frame_carries_its_seq_type_and_both_clocks():
    m = MeetingScript()
    m.set_up()
    [called] = m.inscribe("Ireland", emails=["ie@example.org"])[:1]
    frame = event_frame(event_body(called), called.seq, called.type, now_fields(None, REAL))
    sse = parse_sse(frame.sse)
    assert sse["id"] == str(called.seq) and sse["event"] == "InscriptionAccepted"
    data = json.loads(sse["data"])
    assert data == json.loads(frame.text)
    assert data["seq"] == called.seq and data["type"] == "InscriptionAccepted"
    assert data["server_time"] == "2026-05-04T12:00:00.000Z" and data["meeting_time"] == data["server_time"]
    assert data["clock_rate"] == 1.0
    assert data["event"]["inscription"]["delegation"] == "Ireland"
    assert "ie@example.org" not in frame.text


def test_a_simulated_clock_is_reported_as_the_meeting_reads_it():
    clock = ClockSetting(mode="simulated", starts_at=START, anchor=REAL, rate=60).model_dump(mode="json")
    assert meeting_time(clock, REAL + timedelta(seconds=2)) == START + timedelta(minutes=2)
    fields = now_fields(clock, REAL + timedelta(seconds=2))
    assert fields["meeting_time"] == "2017-09-06T19:02:00.000Z" and fields["clock_rate"] == 60.0


def test_a_snapshot_is_the_public_view_with_the_clock_and_why():
    m = MeetingScript()
    view = empty_view(m.meeting_id)
    for event in m.set_up() + m.inscribe("Ireland", emails=["ie@example.org"]):
        view = apply(view, event)
    frame = snapshot_frame(snapshot_body(m.seq, view), m.seq, "connect", now_fields(None, REAL))
    sse = parse_sse(frame.sse)
    assert sse["id"] == str(m.seq) and sse["event"] == "snapshot"
    data = json.loads(sse["data"])
    assert data["reason"] == "connect" and data["seq"] == m.seq and data["clock"]["mode"] == "real"
    assert data["view"]["list"]["speakers"][0]["inscription"]["delegation"] == "Ireland"
    assert "@" not in frame.text


def test_ticks_and_resyncs_have_no_sse_id():
    tick = parse_sse(tick_frame(7, now_fields(None, REAL)).sse)
    assert "id" not in tick and tick["event"] == "tick" and json.loads(tick["data"])["seq"] == 7
    resync = parse_sse(resync_frame(7, "slow_client", now_fields(None, REAL)).sse)
    assert "id" not in resync and json.loads(resync["data"])["reason"] == "slow_client"


def test_stamp_puts_the_time_first():
    assert json.loads(stamp('{"a":1}', {"server_time": "x"})) == {"server_time": "x", "a": 1}


def test_last_event_id():
    assert parse_last_event_id("12") == 12
    assert parse_last_event_id(" 12 ") == 12
    for bad in (None, "", "abc", "-1", "1.5", "²", "9" * 40):
        assert parse_last_event_id(bad) is None
