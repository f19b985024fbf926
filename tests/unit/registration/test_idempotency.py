"""Idempotency decisions and the rate limit's window: pure."""

import hashlib
import json

import pytest

from services.registration.idempotency import DONE, Decision, IdempotencyRequest, Record, decide, fingerprint, slot
from services.registration.ratelimit import PendingCount, RateLimited, RateLimiter, verdict


def test_the_fingerprint_ignores_formatting_but_not_content():
    a = fingerprint("post", "/v1/meetings/m/inscriptions", {"delegation": "Ireland", "level": "minister"})
    b = fingerprint("POST", "/v1/meetings/m/inscriptions", {"level": "minister", "delegation": "Ireland"})
    assert a == b
    assert a != fingerprint("POST", "/v1/meetings/m/inscriptions", {"delegation": "Ghana", "level": "minister"})
    assert a != fingerprint("POST", "/v1/meetings/other/inscriptions", {"delegation": "Ireland", "level": "minister"})
    assert a != fingerprint("DELETE", "/v1/meetings/m/inscriptions", {"delegation": "Ireland", "level": "minister"})


def test_the_fingerprint_is_the_one_json_dumps_gave():
    # Keys stored before the fingerprint was written by orjson still match their retries.
    body = {"speaker_name": "S.E. M. Émile «Ü» \u2028", "contact_emails": ["a@b.example"], "level": "minister",
            "nested": {"b": [1, 2.5, None, True, 1e16], "a": "\"quoted\"\n\t\u0001\x7f"}}  # fmt: skip
    for content in (body, {**body, "big": 2**70}):  # an integer orjson does not write: json.dumps writes it
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        before = hashlib.sha256(f"POST /v1/x\n{canonical}".encode()).hexdigest()
        assert fingerprint("post", "/v1/x", content) == before


def test_a_fingerprint_is_made_of_what_orjson_will_not_write():
    lone_surrogate = {"speaker_name": "\ud800"}  # refused by the body's validation (422), after this
    assert fingerprint("POST", "/v1/x", lone_surrogate) != fingerprint("POST", "/v1/x", {"speaker_name": "?"})


def test_decisions():
    record = Record(fingerprint="f", plan={"command": None, "status_code": 202, "body": {}})
    assert decide(None, "f") == Decision.NEW
    assert decide(record, "g") == Decision.MISMATCH
    assert decide(record, "f") == Decision.RESUME  # planned, never confirmed: publish the same command again
    done = Record(fingerprint="f", plan=record.plan, done=True)
    assert decide(done, "f") == Decision.REPLAY
    assert decide(done, "g") == Decision.MISMATCH


def test_a_record_survives_storage_and_is_done_by_its_state():
    planned = Record(fingerprint="f", plan={"command": '{"a": "\\"x\\""}', "status_code": 202, "body": {"x": "é"}})
    assert Record.loads(planned.dumps()) == planned
    assert Record.loads(planned.dumps(), "leased") == planned  # being carried out: not done
    assert Record.loads(planned.dumps(), DONE) == Record(fingerprint="f", plan=planned.plan, done=True)


def test_keys_are_per_credential():
    a = IdempotencyRequest(scope="cred-a", key="k", fingerprint="f")
    b = IdempotencyRequest(scope="cred-b", key="k", fingerprint="f")
    assert a.slot != b.slot
    assert a.slot == slot("cred-a", "k")


def test_the_rate_limit_window():
    assert verdict(1, 10, now=120.0).allowed
    assert verdict(10, 10, now=120.0).remaining == 0
    refused = verdict(11, 10, now=125.0)
    assert not refused.allowed and refused.retry_after == 55


def test_a_pending_count_is_settled_by_the_count_redis_answers():
    pending = PendingCount(counter="p:rate:c:2", limit=10, now=125.0)
    assert pending.settle(10).allowed and pending.verdict.remaining == 0
    with pytest.raises(RateLimited) as over:
        PendingCount(counter="p:rate:c:2", limit=10, now=125.0).settle(11)
    assert over.value.verdict.retry_after == 55


class CountingScripts:
    def __init__(self, count: int):
        self.count, self.calls = count, []

    async def begin(self, rate_key, record_key, state_key, window, limit):
        self.calls.append((rate_key, record_key, state_key, window, limit))
        return self.count, None, ""


async def test_a_pending_count_is_made_once():
    scripts = CountingScripts(count=3)
    limiter = RateLimiter(scripts, "p", per_minute=3)
    pending = limiter.pending("c" * 64)
    assert pending.counter.startswith("p:rate:" + "c" * 32 + ":")
    await limiter.count(pending)
    await limiter.count(pending)  # counted already (by a claim, or here): not again
    assert len(scripts.calls) == 1 and pending.verdict.allowed
    scripts.count = 4
    with pytest.raises(RateLimited):
        await limiter.hit("c" * 64)
    assert RateLimiter(scripts, "p", per_minute=0).pending("c" * 64) is None  # no limit: nothing to count


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
