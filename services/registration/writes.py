"""Every write goes through here: idempotency, publication (the answer comes after the broker has the
command) and what this service records once it has, in one place for the API and the e-mail intake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from services.contracts import Command, encode
from services.contracts.serialization import decode_command
from services.registration.batch import Batch, Coalescer, Scripts
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
    encoded: bytes | None = field(default=None, repr=False, compare=False)  # the command as published

    def __post_init__(self) -> None:
        if self.encoded is None and self.command is not None:
            self.encoded = encode(self.command)

    def dump(self) -> dict[str, Any]:
        command = self.encoded.decode() if self.encoded is not None else None
        return {"command": command, "status_code": self.status_code, "body": self.body}

    @classmethod
    def load(cls, data: dict[str, Any]) -> Plan:
        """The plan as stored: its command is published again exactly as it was written."""
        if not data.get("command"):
            return cls(body=data["body"], status_code=data["status_code"])
        encoded = data["command"].encode()
        return cls(body=data["body"], command=decode_command(encoded), status_code=data["status_code"], encoded=encoded)


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
        # Writes planned while others are on their way to the broker wait, then go together: one send to the
        # broker, one Redis call to record what was published. A request waits once for both, not at each
        # step: under load each wait cost a request more than its share of the calls.
        self._carry_out = Coalescer(self._carry_out_together)

    async def run(self, key: IdempotencyRequest | None, make_plan: Callable[[], Awaitable[Plan]], *,
                  plan_first: bool = False) -> Outcome:  # fmt: skip
        """Carries out a write. `make_plan` checks the request against the current state (raising
        HTTPException to refuse) and says what to publish; with a key it runs at most once per key.

        With a key, its record is read first and a plan made only if there is none. With `plan_first`, for a
        make_plan that reads nothing, refuses nothing and changes nothing, the plan is made first and stored by
        the call that reads the record: one Redis call fewer (a retry's plan is made, then dropped)."""
        if key is None:
            plan = await make_plan()
            await self._carry_out((plan, None))
            return Outcome(plan.status_code, plan.body, command=plan.command)

        ours = None
        if plan_first:
            plan = await make_plan()
            ours = Record(fingerprint=key.fingerprint, plan=plan.dump())
        else:
            record = await self._idempotency.read(key)
            decision = decide(record, key.fingerprint)
            if decision == Decision.REPLAY:
                return _replay(record)
            if decision == Decision.MISMATCH:
                raise KeyReused()
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
        plan = Plan.load(found.plan) if found is not None else plan
        try:
            await self._carry_out((plan, key))
        except BaseException:
            await self._idempotency.release(key)
            raise
        return Outcome(plan.status_code, plan.body, command=plan.command)

    async def _carry_out_together(self, writes: list[tuple[Plan, IdempotencyRequest | None]]) -> list[None]:
        """Publishes the writes' commands; once the broker has them, records them and marks their keys done."""
        if commands := [(plan.command, plan.encoded) for plan, _ in writes if plan.command is not None]:
            await self._publisher.publish(commands)
        batch = Batch()
        for plan, key in writes:
            if plan.command is not None:
                self._records.after_publish(batch, plan.command)
            if key is not None:
                self._idempotency.complete(batch, key)
        await batch.run(self._scripts)
        return [None] * len(writes)


def _replay(record: Record) -> Outcome:
    return Outcome(record.plan["status_code"], record.plan["body"], replayed=True)
