"""deploy/docker-compose.yml is valid and runs what `make run` runs, on the same ports."""

import os
import re
import subprocess

import pytest
import yaml

from tests.support.stack import ROOT

COMPOSE = ROOT / "deploy/docker-compose.yml"
ENV = {
    "ROSTRUM_SMTP_HOST": "smtp.example.org",
    "ROSTRUM_MAIL_FROM": "list@example.org",
    "ROSTRUM_SPEAKERS_LIST_ADDRESS": "speakers-list@example.org",
    "ROSTRUM_PUBLIC_URL": "https://rostrum.example.org",
    "ROSTRUM_NOTIFIER_PUBLIC_URL": "https://live.rostrum.example.org",
}


@pytest.fixture(scope="module")
def resolved(tmp_path_factory):
    credentials = tmp_path_factory.mktemp("compose") / "credentials.json"
    credentials.write_text('{"credentials": []}')
    env = {**os.environ, **ENV, "ROSTRUM_CREDENTIALS_FILE": str(credentials)}
    check = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"], env=env, capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
    out = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config"], env=env, capture_output=True, check=True)
    return yaml.safe_load(out.stdout)


def make_run_services() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.search(r"^SERVICES := (.+)$", makefile, re.M).group(1).split())


def test_every_service_make_run_starts_is_in_compose(resolved):
    assert make_run_services() == {"queue", "notifier", "registration"}
    assert make_run_services() | {"kafka", "redis"} <= set(resolved["services"])


def container_port(port) -> int:
    # docker-compose prints a port either as a mapping or as "host:published:target/proto".
    return int(port["target"]) if isinstance(port, dict) else int(port.split("/")[0].rsplit(":", 1)[1])


def test_the_services_publish_the_default_ports(resolved):
    published = {
        name: {container_port(p) for p in svc.get("ports", [])} for name, svc in resolved["services"].items()
    }
    assert published["registration"] == {8000, 2525}
    assert published["queue"] == {8001}
    assert published["notifier"] == {8002}


def test_each_long_running_service_has_a_health_check_and_restarts(resolved):
    for name in ("kafka", "redis", "queue", "notifier", "registration"):
        svc = resolved["services"][name]
        assert svc["restart"] == "unless-stopped", name
        assert svc["healthcheck"]["test"], name


def test_kafka_is_the_official_image_in_kraft_mode_and_redis_keeps_an_aof(resolved):
    kafka, redis = resolved["services"]["kafka"], resolved["services"]["redis"]
    assert kafka["image"].startswith("apache/kafka:4.")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert any(v.split(":")[1] == "/data" for v in redis["volumes"])


def test_production_needs_its_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTRUM_")}
    check = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"], env=env, capture_output=True)
    assert check.returncode != 0
    assert b"set the" in check.stderr
