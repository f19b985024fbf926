"""Every write goes through here: idempotency, publication (the answer comes after the broker has the
command) and what this service records once it has, in one place for the API and the e-mail intake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from services.contracts import Command, encode
from services.contracts.serialization import decode_command
from services.registration.batch import Batch, Scripts
from services.registration.idempotency import Decision, IdempotencyRequest, IdempotencyStore, Record, decide
from services.registration.publisher import CommandPublisher
from services.registration.records import Records


class KeyInUse(Exception):
    """Another request with this Idempotency-Key is being handled right now."""


class KeyReused(Exception):
    """This Idempotency-Key was used before for a different request."""


@dataclass
class Plan:
    """What a write will do: the command to publish (if any) and the answer to give once it is published."""

    body: dict[str, Any]
    command: Command | None = None
    status_code: int = 202

    @cached_property
    def encoded(self) -> bytes | None:
        return encode(self.command) if self.command is not None else None

    def dump(self) -> dict[str, Any]:
        command = self.encoded.decode() if self.encoded is not None else None
        return {"command": command, "status_code": self.status_code, "body": self.body}

    @classmethod
    def load(cls, data: dict[str, Any]) -> Plan:
        command = decode_command(data["command"]) if data.get("command") else None
        return cls(body=data["body"], command=command, status_code=data["status_code"])


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False
    command: Command | None = field(default=None, compare=False)


class Writes:
    def __init__(self, records: Records, publisher: CommandPublisher, idempotency: IdempotencyStore,
                 scripts: Scripts):  # fmt: skip
        self._scripts = scripts
        self._records = records
        self._publisher = publisher
        self._idempotency = idempotency

    async def run(self, key: IdempotencyRequest | None, make_plan: Callable[[], Awaitable[Plan]]) -> Outcome:
        """Carries out a write. `make_plan` checks the request against the current state (raising
        HTTPException to refuse) and says what to publish; with a key it runs at most once per key."""
        if key is None:
            plan = await make_plan()
            await self._carry_out(plan, None, None)
            return Outcome(plan.status_code, plan.body, command=plan.command)

        record = key.record
        decision = decide(record, key.fingerprint)
        if decision == Decision.REPLAY:
            return _replay(record)
        if decision == Decision.MISMATCH:
            raise KeyReused()
        ours = None
        if decision == Decision.NEW:
            plan = await make_plan()
            ours = Record(fingerprint=key.fingerprint, plan=plan.dump())
        leased, found = await self._idempotency.claim(key, ours)
        if found is not None:  # planned before (a failed attempt, or a request racing this one)
            decision = decide(found, key.fingerprint)
            if decision != Decision.RESUME or not leased:
                if leased:
                    await self._idempotency.release(key)
                if decision == Decision.REPLAY:
                    return _replay(found)
                if decision == Decision.MISMATCH:
                    raise KeyReused()
        if not leased:
            raise KeyInUse()
        record = found or ours
        plan = Plan.load(record.plan) if found is not None else plan
        try:
            await self._carry_out(plan, key, record)
        except BaseException:
            await self._idempotency.release(key)
            raise
        return Outcome(plan.status_code, plan.body, command=plan.command)

    async def _carry_out(self, plan: Plan, key: IdempotencyRequest | None, record: Record | None) -> None:
        if plan.command is not None:
            await self._publisher.publish(plan.command, plan.encoded)
        batch = Batch()
        if plan.command is not None:
            self._records.after_publish(batch, plan.command)
        if key is not None and record is not None:
            self._idempotency.complete(batch, key, record)
        await batch.run(self._scripts)


def _replay(record: Record) -> Outcome:
    return Outcome(record.plan["status_code"], record.plan["body"], replayed=True)
