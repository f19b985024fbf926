"""The inscription command is made from the validated request without validating its addresses a second
time: it must still be exactly what the contract itself accepts."""

import pytest
from pydantic import ValidationError

from services.contracts import Actor, Role, encode
from services.contracts.serialization import decode_command
from services.registration.api.inscriptions import inscription_command
from services.registration.schemas import InscriptionRequest

IRELAND = Actor(role=Role.delegation, delegation="Ireland")


def test_the_command_is_what_the_contract_accepts():
    body = InscriptionRequest.model_validate(
        {
            "delegation": "Ireland",
            "level": "minister",
            "speaker_name": " H.E. Mr. Brendan Ward ",
            "contact_emails": [f"Mission.{i}@UN.Example" for i in range(10)],
            "statement": "reply",
        }
    )
    command = inscription_command("ga-r2p-2017", body, "Ireland", IRELAND)
    assert decode_command(encode(command)) == command
    assert command.contact_emails == body.contact_emails


def test_the_contract_still_checks_what_the_request_did_not():
    body = InscriptionRequest.model_validate({})
    long_name = "x" * 201  # a delegation's name comes from its credential, not from the request
    with pytest.raises(ValidationError):
        inscription_command("ga-r2p-2017", body, long_name, Actor(role=Role.delegation, delegation=long_name))


def test_every_field_of_the_request_reaches_the_command():
    values = {
        "delegation": "Ireland",
        "category": "observer_state",
        "level": "minister",
        "speaker_name": "A",
        "speaker_title": "B",
        "on_behalf_of": "C",
        "contact_emails": ["a@un.example"],
        "statement": "reply",
    }
    body = InscriptionRequest.model_validate(values)
    assert set(values) == set(InscriptionRequest.model_fields)  # a new field: give it a value here
    command = inscription_command("ga-r2p-2017", body, "Ireland", IRELAND)
    assert {name: getattr(command, name) for name in values} == {name: getattr(body, name) for name in values}
