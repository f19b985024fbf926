import json
from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from services.contracts import (
    Actor,
    CommandRejected,
    InscribeSpeaker,
    MeetingSetup,
    OrderingPolicy,
    Role,
    SetUpMeeting,
    decode,
    encode,
    message_key,
)
from services.contracts.base import SCHEMA_VERSION
from services.contracts.serialization import decode_command, decode_event
from tests.support.stack import ROOT

T = datetime(2017, 9, 6, 14, 0, tzinfo=timezone.utc)


def seed_setup() -> MeetingSetup:
    return MeetingSetup.model_validate(json.loads((ROOT / "deploy/meetings/ga-r2p-2017.json").read_text())["setup"])


def test_a_command_survives_the_wire_unchanged():
    command = InscribeSpeaker(
        meeting_id="ga-r2p-2017",
        inscription_id="i1",
        delegation="Ireland",
        contact_emails=["mission@ireland.example"],
        issued_by=Actor(role=Role.delegation, delegation="Ireland"),
    )
    assert decode(encode(command)) == command
    assert decode_command(encode(command)) == command
    assert json.loads(encode(command))["schema_version"] == SCHEMA_VERSION


def test_an_event_survives_the_wire_unchanged():
    event = CommandRejected(
        meeting_id="m", seq=4, occurred_at=T, command_id="c", command_type="InscribeSpeaker",
        reason_code="list_closed", reason="The list of speakers is closed.",
    )  # fmt: skip
    assert decode_event(encode(event)) == event


def test_every_message_is_keyed_by_its_meeting():
    assert message_key(SetUpMeeting(meeting_id="ga-r2p-2017", setup=seed_setup())) == b"ga-r2p-2017"


def test_messages_are_immutable():
    command = InscribeSpeaker(meeting_id="m", inscription_id="i", delegation="Ghana")
    with pytest.raises(ValidationError):
        command.delegation = "Togo"


def test_an_unknown_message_type_is_refused():
    with pytest.raises(ValidationError):
        decode(b'{"type": "DeleteEverything", "meeting_id": "m"}')


def test_the_2017_programme_loads_in_new_york_time():
    setup = seed_setup()
    assert [s.kind.value for s in setup.programme] == [
        "opening", "opening", "panel", "floor", "adjournment", "floor", "closing", "concluded",
    ]  # fmt: skip
    assert setup.programme[0].starts_at.isoformat() == "2017-09-06T10:00:00-04:00"
    assert setup.time_limits.limit_for("member_state") == 180
    assert setup.right_of_reply is False


def test_category_tiers_must_name_every_category_once():
    with pytest.raises(ValidationError, match="every category"):
        OrderingPolicy(category_tiers=[["member_state"]])


def test_a_programme_out_of_time_order_is_refused():
    data = seed_setup().model_dump()
    data["programme"] = list(reversed(data["programme"]))
    with pytest.raises(ValidationError, match="time order"):
        MeetingSetup.model_validate(data)
