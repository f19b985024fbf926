"""Outside development the service refuses to start with the development credentials or none at all."""

import json

import pytest
from pydantic import ValidationError

from services.registration.credentials import CredentialError, CredentialStore
from services.registration.settings import RegistrationSettings


@pytest.mark.parametrize("environment", ["test", "production"])
def test_outside_development_the_default_or_a_missing_secret_is_refused(environment, tmp_path):
    with pytest.raises(ValidationError, match="development credentials"):
        RegistrationSettings(environment=environment)
    with pytest.raises(ValidationError, match="missing"):
        RegistrationSettings(environment=environment, credentials_file=tmp_path / "absent.json")
    real = tmp_path / "credentials.json"
    real.write_text('{"credentials": []}')
    assert RegistrationSettings(environment=environment, credentials_file=real).credentials_file == real


def test_development_allows_the_generated_file():
    assert RegistrationSettings(environment="development").environment == "development"


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ROSTRUM_INTAKE_PORT", "2626")
    monkeypatch.setenv("ROSTRUM_SPEAKERS_LIST_ADDRESS", "list@un.example")
    monkeypatch.setenv("ROSTRUM_SMTP_PORT", "2025")
    settings = RegistrationSettings()
    assert (settings.intake_port, settings.speakers_list_address, settings.smtp_port) == (2626, "list@un.example", 2025)
    assert settings.consumer_group == f"{settings.topic_prefix}.registration"


def test_an_invalid_credentials_file_is_refused(tmp_path):
    path = tmp_path / "credentials.json"
    for content in ("not json", '{"credentials": [{"role": "delegation", "sha256": "' + "a" * 64 + '"}]}',
                    '{"credentials": [{"role": "emperor", "sha256": "x"}]}'):  # fmt: skip
        path.write_text(content)
        with pytest.raises(CredentialError):
            CredentialStore(path).load()
    path.write_text(json.dumps({"credentials": [{"role": "system", "sha256": "b" * 64}]}))
    with pytest.raises(CredentialError):
        CredentialStore(path).load()
