"""Idempotency decisions and the rate limit's window: pure."""

from services.registration.idempotency import Decision, IdempotencyRequest, Record, decide, fingerprint
from services.registration.ratelimit import verdict


def test_the_fingerprint_ignores_formatting_but_not_content():
    a = fingerprint("post", "/v1/meetings/m/inscriptions", {"delegation": "Ireland", "level": "minister"})
    b = fingerprint("POST", "/v1/meetings/m/inscriptions", {"level": "minister", "delegation": "Ireland"})
    assert a == b
    assert a != fingerprint("POST", "/v1/meetings/m/inscriptions", {"delegation": "Ghana", "level": "minister"})
    assert a != fingerprint("POST", "/v1/meetings/other/inscriptions", {"delegation": "Ireland", "level": "minister"})
    assert a != fingerprint("DELETE", "/v1/meetings/m/inscriptions", {"delegation": "Ireland", "level": "minister"})


def test_decisions():
    record = Record(fingerprint="f", plan={"command": None, "status_code": 202, "body": {}})
    assert decide(None, "f") == Decision.NEW
    assert decide(record, "g") == Decision.MISMATCH
    assert decide(record, "f") == Decision.RESUME  # planned, never confirmed: publish the same command again
    done = Record(fingerprint="f", plan=record.plan, done=True)
    assert decide(done, "f") == Decision.REPLAY
    assert decide(done, "g") == Decision.MISMATCH


def test_a_record_survives_storage():
    record = Record(fingerprint="f", plan={"command": '{"a": 1}', "status_code": 202, "body": {"x": "y"}}, done=True)
    assert Record.loads(record.dumps()) == record


def test_keys_are_per_credential():
    a = IdempotencyRequest(scope="cred-a", key="k", fingerprint="f")
    b = IdempotencyRequest(scope="cred-b", key="k", fingerprint="f")
    assert a.slot != b.slot


def test_the_rate_limit_window():
    assert verdict(1, 10, now=120.0).allowed
    assert verdict(10, 10, now=120.0).remaining == 0
    refused = verdict(11, 10, now=125.0)
    assert not refused.allowed and refused.retry_after == 55


def test_a_token_issued_a_moment_ago_is_known_at_once(tmp_path):
    import json

    from services.registration.credentials import CredentialStore, hash_token

    path = tmp_path / "credentials.json"
    path.write_text(json.dumps({"credentials": [{"role": "chair", "sha256": hash_token("a")}]}))
    store = CredentialStore(path)
    assert store.actor_for("a").role == "chair" and store.actor_for("b") is None
    ghana = {"role": "delegation", "delegation": "Ghana", "sha256": hash_token("b")}
    path.write_text(json.dumps({"credentials": [{"role": "chair", "sha256": hash_token("a")}, ghana]}))
    assert store.actor_for("b").delegation == "Ghana"
    assert store.delegations_for_address("nobody@x.org") == set()
