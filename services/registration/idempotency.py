"""Idempotency-Key: a retried write gets the first answer again, and publishes nothing new.

Each key (per credential) keeps, in Redis, the request's fingerprint and the *plan* made for
it: the command to publish, with its ids, and the answer to give. The plan is stored before the
command is published, so a retry after a failure (503, a crash) publishes the same command
again, never a second one with new ids. Beside the record, its state: "leased" while a request
carries it out (one at a time), "done" once the command is published; a retry of a done request
is answered from the record. The state is a key of its own, so that marking the record done does
not write the record again.

The decision is pure (`decide`); the store is a thin Redis adapter."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import orjson
from pydantic_core import from_json

from services.registration.batch import Batch, Scripts
from services.registration.ratelimit import COUNTER_SECONDS, PendingCount

KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # visible ASCII, as the IETF draft's examples; a UUID is ideal


def fingerprint(method: str, path: str, body: Any) -> str:
    """What makes two requests 'the same': method, path and the body's content (not its formatting).

    The content is written as canonical JSON: keys sorted, no spaces, characters as they are. orjson writes it
    as json.dumps did before it, many times faster; but for floats: 1e-7 where json.dumps wrote 1e-07, and
    null for NaN and Infinity (which JSON does not have)."""
    try:
        canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # what orjson does not write: a lone surrogate, an integer beyond 64 bits
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        # surrogatepass: a lone surrogate ("\ud800" in the JSON) is the body validation's to refuse (422), not a 500
        canonical = text.encode(errors="surrogatepass")
    return hashlib.sha256(f"{method.upper()} {path}\n".encode() + canonical).hexdigest()


@dataclass(frozen=True)
class Record:
    fingerprint: str
    plan: dict[str, Any]  # {"command": <json>|None, "status_code": int, "body": {...}}
    done: bool = False  # kept apart, in the record's state (see IdempotencyStore)

    def dumps(self) -> str:
        return orjson.dumps({"fingerprint": self.fingerprint, "plan": self.plan}).decode()

    @classmethod
    def loads(cls, raw: str, state: str = "") -> Record:
        data = from_json(raw)
        return cls(fingerprint=data["fingerprint"], plan=data["plan"], done=state == DONE)


DONE = "done"  # the state of a record whose command is published


class Decision(Enum):
    NEW = "new"  # first time: make a plan, store it, carry it out
    REPLAY = "replay"  # done before: answer as the first time
    RESUME = "resume"  # planned but not confirmed (the broker failed, or the process died): carry out the same plan
    MISMATCH = "mismatch"  # the key was used for a different request: 422


def decide(existing: Record | None, request_fingerprint: str) -> Decision:
    if existing is None:
        return Decision.NEW
    if existing.fingerprint != request_fingerprint:
        return Decision.MISMATCH
    return Decision.REPLAY if existing.done else Decision.RESUME


@dataclass(frozen=True)
class IdempotencyRequest:
    """An Idempotency-Key as one caller sent it, with the fingerprint of the request it came with, and its
    count against the caller's rate limit if that is still to be made (made by the key's first Redis call)."""

    scope: str  # whose key: a credential (its hash) or an e-mail sender
    key: str
    fingerprint: str
    count: PendingCount | None = field(default=None, compare=False)
    slot: str = field(init=False, repr=False, compare=False)  # where the key's record and its state are kept

    def __post_init__(self) -> None:
        object.__setattr__(self, "slot", slot(self.scope, self.key))


def slot(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()[:40]


class IdempotencyStore:
    def __init__(self, scripts: Scripts, prefix: str, ttl_seconds: int, lease_seconds: float):
        self._scripts = scripts
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._lease_ms = int(lease_seconds * 1000)

    def record_key(self, slot: str) -> str:
        return f"{self._prefix}:idem:{slot}"

    def state_key(self, slot: str) -> str:
        return f"{self._prefix}:idem-state:{slot}"

    async def read(self, request: IdempotencyRequest) -> Record | None:
        """The key's record; the request is counted against its rate limit in the same call, if still to be
        (RateLimited if over: the record is then not read)."""
        count, counter, limit = _to_count(request)
        counted, raw, state = await self._scripts.begin(
            counter, self.record_key(request.slot), self.state_key(request.slot), COUNTER_SECONDS, limit
        )
        if count is not None:
            count.settle(counted)
        return Record.loads(raw, state) if raw else None

    async def claim(self, request: IdempotencyRequest, plan: Record | None) -> tuple[bool, Record | None]:
        """Takes the key's lease (one request with a key at a time) and stores `plan` unless a record is
        there already; returns (leased, the record that was there). The request is counted against its rate
        limit in the same call, if still to be (RateLimited if over: then nothing is taken or stored)."""
        count, counter, limit = _to_count(request)
        counted, leased, raw, state = await self._scripts.claim(
            self.state_key(request.slot), self.record_key(request.slot), self._lease_ms,
            plan.dumps() if plan else "", self._ttl, counter, COUNTER_SECONDS, limit,
        )  # fmt: skip
        if count is not None:
            count.settle(counted)
        return leased, (Record.loads(raw, state) if raw else None)

    def complete(self, batch, request: IdempotencyRequest) -> None:
        """Adds to `batch`: the record marked done (the lease it held ends with it), for the record's life."""
        batch.set(self.state_key(request.slot), DONE, ex=self._ttl)

    async def release(self, request: IdempotencyRequest) -> None:
        batch = Batch().delete(self.state_key(request.slot))
        await batch.run(self._scripts)


def _to_count(request: IdempotencyRequest) -> tuple[PendingCount | None, str, int]:
    """The request's count if still to be made, with the counter and limit to give a script ("" and 0: none)."""
    count = request.count
    if count is None or count.verdict is not None:
        return None, "", 0
    return count, count.counter, count.limit
