"""Idempotency-Key: a retried write gets the first answer again, and publishes nothing new.

Each key (per credential) keeps, in Redis, the request's fingerprint and the *plan* made for
it: the command to publish, with its ids, and the answer to give. The plan is stored before the
command is published, so a retry after a failure (503, a crash) publishes the same command
again, never a second one with new ids; once published the record is marked done and a retry
is answered from it.

The decision is pure (`decide`); the store is a thin Redis adapter."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any

from pydantic_core import from_json, to_json

from services.registration.batch import Batch, Scripts

KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # visible ASCII, as the IETF draft's examples; a UUID is ideal


def fingerprint(method: str, path: str, body: Any) -> str:
    """What makes two requests 'the same': method, path and the body's content (not its formatting)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    # surrogatepass: a lone surrogate ("\ud800" in the JSON) is the body validation's to refuse (422), not a 500 here
    return hashlib.sha256(f"{method.upper()} {path}\n{canonical}".encode(errors="surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Record:
    fingerprint: str
    plan: dict[str, Any]  # {"command": <json>|None, "status_code": int, "body": {...}}
    done: bool = False

    def dumps(self) -> str:
        return to_json({"fingerprint": self.fingerprint, "plan": self.plan, "done": self.done}).decode()

    @classmethod
    def loads(cls, raw: str) -> Record:
        data = from_json(raw)
        return cls(fingerprint=data["fingerprint"], plan=data["plan"], done=data["done"])


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
    """An Idempotency-Key as one caller sent it, with the fingerprint of the request it came with and
    the record found for it when the request came in (read with the rate count, in one round trip)."""

    scope: str  # whose key: a credential (its hash) or an e-mail sender
    key: str
    fingerprint: str
    record: Record | None = None

    @cached_property
    def slot(self) -> str:
        return slot(self.scope, self.key)


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

    def lease_key(self, slot: str) -> str:
        return f"{self._prefix}:idem-lease:{slot}"

    async def read(self, scope: str, key: str) -> Record | None:
        _, raw = await self._scripts.begin("", self.record_key(slot(scope, key)), 0, 0)
        return Record.loads(raw) if raw else None

    async def claim(self, request: IdempotencyRequest, plan: Record | None) -> tuple[bool, Record | None]:
        """Takes the key's lease (one request with a key at a time) and stores `plan` unless a record is
        there already; returns (leased, the record that was there)."""
        leased, raw = await self._scripts.claim(
            self.lease_key(request.slot), self.record_key(request.slot), self._lease_ms,
            plan.dumps() if plan else "", self._ttl,
        )  # fmt: skip
        return leased, (Record.loads(raw) if raw else None)

    def complete(self, batch, request: IdempotencyRequest, record: Record) -> None:
        """Adds to `batch`: the record marked done, the lease released."""
        done = Record(fingerprint=record.fingerprint, plan=record.plan, done=True)
        batch.set(self.record_key(request.slot), done.dumps(), ex=self._ttl)
        batch.delete(self.lease_key(request.slot))

    async def release(self, request: IdempotencyRequest) -> None:
        batch = Batch().delete(self.lease_key(request.slot))
        await batch.run(self._scripts)
