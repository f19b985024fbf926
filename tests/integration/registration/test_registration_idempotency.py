"""Idempotency-Key (kept in Redis) and the rate limit per credential, on the real broker and Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from services.contracts import InscribeSpeaker
from services.registration.credentials import hash_token
from services.registration.idempotency import DONE, IdempotencyRequest
from tests.integration.registration.conftest import running, seed_meeting

pytestmark = pytest.mark.asyncio(loop_scope="session")


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def test_a_retry_gets_the_first_answer_and_publishes_nothing_new(reg):
    meeting_id = await reg.set_up()
    url, headers = f"/v1/meetings/{meeting_id}/inscriptions", {**reg.auth("Brazil"), **key()}
    first = await reg.client.post(url, json={"speaker_name": "H.E. Mr. Mauro Vieira"}, headers=headers)
    again = await reg.client.post(url, json={"speaker_name": "H.E. Mr. Mauro Vieira"}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.headers["Location"] == first.headers["Location"]
    inscriptions = [c for c in await reg.commands() if isinstance(c, InscribeSpeaker) and c.meeting_id == meeting_id]
    assert [c.inscription_id for c in inscriptions] == [first.json()["inscription_id"]]


async def test_the_same_key_with_a_different_body_is_422(reg):
    meeting_id = await reg.set_up()
    url, headers = f"/v1/meetings/{meeting_id}/inscriptions", {**reg.auth("Brazil"), **key()}
    assert (await reg.client.post(url, json={"level": "minister"}, headers=headers)).status_code == 202
    r = await reg.client.post(url, json={"level": "other"}, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "header.Idempotency-Key"
    # Formatting is not content: the same body written differently is the same request.
    r = await reg.client.post(url, content=b'{ "level" :"minister" }',
                              headers={**headers, "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 202 and r.headers["Idempotent-Replayed"] == "true"


async def test_keys_are_per_credential_and_cover_every_write(reg):
    meeting_id = await reg.set_up()
    shared = key()
    ireland = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={},
                                    headers={**reg.auth("Ireland"), **shared})  # fmt: skip
    ghana = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={},
                                  headers={**reg.auth("Ghana"), **shared})  # fmt: skip
    assert ireland.json()["inscription_id"] != ghana.json()["inscription_id"]

    base = f"/v1/meetings/{meeting_id}"
    withdraw = f"{base}/inscriptions/{ireland.json()['inscription_id']}"
    for method, path in [("POST", f"{base}/list/close"), ("POST", f"{base}/floor/call-next"), ("DELETE", withdraw)]:
        headers = {**reg.auth("secretariat"), **key()}
        first = await reg.client.request(method, path, headers=headers)
        second = await reg.client.request(method, path, headers=headers)
        assert first.status_code == 202 and second.json() == first.json(), (path, first.text, second.text)
        assert second.headers["Idempotent-Replayed"] == "true"

    # A retried set-up is answered as the first time, though the meeting now exists (not 409).
    meeting = {"meeting_id": "idem-" + uuid.uuid4().hex[:8], "setup": seed_meeting()["setup"]}
    headers = {**reg.auth("secretariat"), **key()}
    first = await reg.client.post("/v1/meetings", json=meeting, headers=headers)
    retry = await reg.client.post("/v1/meetings", json=meeting, headers=headers)
    assert first.status_code == retry.status_code == 202 and retry.json() == first.json()
    fresh = await reg.client.post("/v1/meetings", json=meeting, headers={**reg.auth("secretariat"), **key()})
    assert fresh.status_code == 409


async def test_concurrent_requests_with_one_key_publish_once(reg):
    meeting_id = await reg.set_up()
    url, headers = f"/v1/meetings/{meeting_id}/inscriptions", {**reg.auth("France"), **key()}
    answers = await asyncio.gather(*(reg.client.post(url, json={}, headers=headers) for _ in range(8)))
    codes = sorted(a.status_code for a in answers)
    assert set(codes) <= {202, 409} and 202 in codes, codes
    for a in answers:
        if a.status_code == 409:
            assert a.headers["Retry-After"] == "1"
    ids = {a.json()["inscription_id"] for a in answers if a.status_code == 202}
    assert len(ids) == 1
    published = [c for c in await reg.commands() if isinstance(c, InscribeSpeaker) and c.meeting_id == meeting_id]
    assert len(published) == 1


async def test_a_key_whose_record_has_expired_is_free_again(reg):
    """A key's state ("done") is written a moment after its record, so it can outlive the record by that
    moment: the key is then free for a new request, not held as in use (409)."""
    meeting_id = await reg.set_up()
    url, headers = f"/v1/meetings/{meeting_id}/inscriptions", {**reg.auth("Chile"), **key()}
    first = await reg.client.post(url, json={}, headers=headers)
    assert first.status_code == 202
    store, redis = reg.app.state.idempotency, reg.app.state.redis
    scope = hash_token(reg.tokens.delegation("Chile"))
    slot = IdempotencyRequest(scope=scope, key=headers["Idempotency-Key"], fingerprint="").slot
    assert await redis.get(store.state_key(slot)) == DONE
    await redis.delete(store.record_key(slot))  # as when its time to live ends
    again = await reg.client.post(url, json={}, headers=headers)
    assert again.status_code == 202 and "Idempotent-Replayed" not in again.headers
    assert again.json()["inscription_id"] != first.json()["inscription_id"]


async def test_an_invalid_key_is_named(reg):
    meeting_id = await reg.set_up()
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={},
                              headers={**reg.auth("Ireland"), "Idempotency-Key": "two words"})  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "header.Idempotency-Key"
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={},
                              headers={**reg.auth("Ireland"), "Idempotency-Key": "k" * 256})  # fmt: skip
    assert r.status_code == 422


async def test_a_body_that_is_not_unicode_is_named_with_a_key_too(reg):
    meeting_id = await reg.set_up()
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", content=b'{"speaker_name": "\\ud800"}',
                              headers={**reg.auth("Ireland"), **key(), "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "speaker_name"


async def test_the_rate_limit_is_per_credential(tmp_path, mailbox):
    async with await running(tmp_path, mailbox, rate_limit_per_minute=5) as reg:
        meeting_id = await reg.set_up()  # one request
        url = f"/v1/meetings/{meeting_id}"
        answers = [await reg.client.get(url, headers=reg.auth("secretariat")) for _ in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
        refused = answers[-1]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "5 requests" in refused.json()["detail"]
        r = await reg.client.post(f"{url}/inscriptions", json={}, headers=reg.auth("secretariat"))
        assert r.status_code == 429  # writes too
        assert (await reg.client.get(url, headers=reg.auth("chair"))).status_code == 200  # another credential


async def test_writes_with_a_key_are_counted_even_when_refused(tmp_path, mailbox):
    # A write with a key is counted by its key's first Redis call; one refused before that, where it is refused.
    async with await running(tmp_path, mailbox, rate_limit_per_minute=5) as reg:
        meeting_id = await reg.set_up()  # the secretariat's credential
        url = f"/v1/meetings/{meeting_id}/inscriptions"
        ghana = reg.auth("Ghana")
        refusals = [
            await reg.client.post(url, json={"level": "nobody"}, headers={**ghana, **key()}),
            await reg.client.post(url, json={"delegation": "Ireland"}, headers={**ghana, **key()}),
            await reg.client.post("/v1/meetings/no-such-meeting/inscriptions", json={}, headers={**ghana, **key()}),
        ]
        assert [r.status_code for r in refusals] == [422, 403, 404]
        retried = {**ghana, **key()}
        assert (await reg.client.post(url, json={}, headers=retried)).status_code == 202
        assert (await reg.client.post(url, json={}, headers=retried)).status_code == 202  # the 5th: a replay
        # Over the limit: 429, whatever the request would have been answered otherwise, and nothing is done.
        for headers, body in [(retried, {}), ({**ghana, **key()}, {}), ({**ghana, **key()}, {"level": "nobody"}),
                              ({**ghana, **key()}, {"delegation": "Ireland"})]:  # fmt: skip
            r = await reg.client.post(url, json=body, headers=headers)
            assert r.status_code == 429, r.text
            assert 1 <= int(r.headers["Retry-After"]) <= 60 and r.headers["RateLimit-Limit"] == "5"
            assert "5 requests" in r.json()["detail"]
        published = [c for c in await reg.commands() if isinstance(c, InscribeSpeaker) and c.meeting_id == meeting_id]
        assert len(published) == 1
        # A role that may not write at all is refused (403) and counted all the same.
        answers = [await reg.client.post(url, json={}, headers={**reg.auth("display"), **key()}) for _ in range(6)]
        assert [a.status_code for a in answers] == [403] * 5 + [429]
