"""The read API on a real notifier process: the rolling list, the snapshot, the record as JSON and CSV, the
e-mail failures; public, read only, nobody's address; bad input is a 4xx, never a 500."""

import csv
import io

import httpx
import pytest

from services.contracts import Category
from tests.integration.notifier.support import eventually, produce, start_notifier
from tests.unit.notifier.factory import MeetingScript


@pytest.fixture(scope="module")
def notifier(tmp_path_factory):
    n = start_notifier(tmp_path_factory.mktemp("api"))
    yield n
    n.stop()


@pytest.fixture(scope="module")
async def meeting(notifier):
    m = MeetingScript()
    events = m.set_up() + m.open_floor()
    events += m.inscribe("Ireland", emails=["ie@example.org"], speaker_name="H.E. Mr. Brendan Ward")
    events += m.inscribe("European Union", emails=["eu@example.org"], category=Category.observer_entity)
    events += m.inscribe("Ghana", emails=["gh@example.org"], on_behalf_of="the African Group",
                         category=Category.group)  # fmt: skip
    events += m.inscribe("Chile")
    events += m.speak(170) + m.speak(200) + m.call_next() + m.start()
    await produce(notifier.topic, events)
    await eventually(lambda: notifier.get(f"/v1/meetings/{m.meeting_id}/list").json().get("seq") == m.seq,
                     what="the meeting loaded")  # fmt: skip
    return m


async def test_the_rolling_list(notifier, meeting):
    body = notifier.get(f"/v1/meetings/{meeting.meeting_id}/list").json()
    assert body["seq"] == meeting.seq and body["status"] == "in_session"
    assert body["floor"]["state"] == "speaking" and body["floor"]["inscription"]["delegation"] == "Ghana"
    assert body["floor"]["deadline_at"]
    assert [s["inscription"]["delegation"] for s in body["speakers"]] == ["Chile"]
    assert body["speakers"][0]["estimated_at"]


async def test_the_snapshot_is_the_whole_picture(notifier, meeting):
    body = notifier.get(f"/v1/meetings/{meeting.meeting_id}/snapshot").json()
    assert body["seq"] == meeting.seq and body["server_time"] and body["meeting_time"]
    view = body["view"]
    assert len(view["record"]) == 2 and view["setup"]["title"] and view["floor"]["state"] == "speaking"


async def test_the_record_as_json_and_csv(notifier, meeting):
    record = notifier.get(f"/v1/meetings/{meeting.meeting_id}/record").json()
    assert [s["delegation"] for s in record["speeches"]] == ["Ireland", "European Union"]
    first, second = record["speeches"]
    assert first["speaker"] == "H.E. Mr. Brendan Ward" and first["duration_seconds"] == 170.0
    assert second["overrun_seconds"] == 20.0 and second["category"] == "observer_entity"
    assert first["called_at"] and first["started_at"] and first["ended_at"]
    assert record["totals"]["all"]["speeches"] == 2
    assert [n["delegation"] for n in record["not_reached"]] == ["Chile"]  # waiting, not concluded yet

    for response in (
        notifier.get(f"/v1/meetings/{meeting.meeting_id}/record", params={"format": "csv"}),
        notifier.get(f"/v1/meetings/{meeting.meeting_id}/record", headers={"Accept": "text/csv"}),
        notifier.get(f"/v1/meetings/{meeting.meeting_id}/record.csv"),
    ):
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [r["row"] for r in rows].count("speech") == 2 and rows[0]["delegation"] == "Ireland"


async def test_nobody_s_address_is_public(notifier, meeting):
    for path in ("list", "snapshot", "record", "record.csv"):
        text = notifier.get(f"/v1/meetings/{meeting.meeting_id}/{path}").text
        assert "@example.org" not in text, path


async def test_unknown_meetings_and_bad_input_are_4xx(notifier, meeting):
    mid = meeting.meeting_id
    cases = [
        ("/v1/meetings/no-such-meeting/list", 404),
        ("/v1/meetings/no-such-meeting/record", 404),
        ("/v1/meetings/no-such-meeting/snapshot", 404),
        ("/v1/meetings/no-such-meeting/mail-failures", 404),
        ("/v1/meetings/UPPER_case/list", 422),
        ("/v1/meetings/" + "a" * 300 + "/list", 422),
        (f"/v1/meetings/{mid}/record?format=xml", 422),
        (f"/v1/meetings/{mid}/mail-failures?limit=0", 422),
        (f"/v1/meetings/{mid}/mail-failures?limit=abc", 422),
        (f"/v1/meetings/{mid}/stream?last_event_id=" + "9" * 100, 422),
        ("/v1/meetings/%00%ff/list", 422),
    ]
    for path, status in cases:
        assert notifier.get(path).status_code == status, path
    assert httpx.post(f"{notifier.url}/v1/meetings/{mid}/list").status_code == 405


async def test_health_and_stats(notifier):
    health = notifier.get("/healthz").json()
    assert health["status"] == "ok" and health["consuming"] is True and health["redis"] is True
    stats = notifier.get("/v1/stats").json()
    assert stats["events_applied"] >= 1 and "stream_clients" in stats and "resyncs" in stats
