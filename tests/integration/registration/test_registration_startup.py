"""`python -m services.registration` outside development: no start without a real secret."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.stack import ROOT, free_port


def start(tmp_path, **env) -> subprocess.CompletedProcess:
    env = {**os.environ, "ROSTRUM_REGISTRATION_PORT": str(free_port()), "ROSTRUM_INTAKE_PORT": str(free_port()), **env}
    return subprocess.run([sys.executable, "-m", "services.registration"], cwd=ROOT, env=env, capture_output=True,
                          timeout=60, text=True)  # fmt: skip


@pytest.mark.parametrize("environment", ["test", "production"])
def test_no_start_with_the_default_or_a_missing_secret(tmp_path, environment):
    refused = start(tmp_path, ROSTRUM_ENVIRONMENT=environment)
    assert refused.returncode != 0 and "development credentials" in refused.stderr
    refused = start(tmp_path, ROSTRUM_ENVIRONMENT=environment, ROSTRUM_CREDENTIALS_FILE=str(tmp_path / "none.json"))
    assert refused.returncode != 0 and "missing" in refused.stderr


def test_no_start_with_an_empty_or_invalid_credentials_file(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text('{"credentials": []}')
    refused = start(tmp_path, ROSTRUM_ENVIRONMENT="production", ROSTRUM_CREDENTIALS_FILE=str(empty))
    assert refused.returncode != 0 and "holds no credentials" in refused.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    refused = start(tmp_path, ROSTRUM_ENVIRONMENT="production", ROSTRUM_CREDENTIALS_FILE=str(broken))
    assert refused.returncode != 0 and "not valid" in refused.stderr
