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
from services.registration.publisher import BrokerUnavailable, CommandPublisher
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


@dataclass(frozen=True)
class _Write:
    """A write handed to be carried out: its plan, and its key with the record to store under it."""

    plan: Plan
    key: IdempotencyRequest | None = None
    record: Record | None = None  # the plan as stored under the key, if none is there yet


class Writes:
    def __init__(self, records: Records, publisher: CommandPublisher, idempotency: IdempotencyStore,
                 scripts: Scripts):  # fmt: skip
        self._scripts = scripts
        self._records = records
        self._publisher = publisher
        self._idempotency = idempotency
        # The writes that arrive while others are carried out wait, then go together: one Redis call to claim
        # their keys, one send to the broker, one Redis call to record them. Each request waits once, not at
        # each step: under load, a request's waits cost it more than its own work. Two groups at a time, so
        # that one is handled while the other waits for the broker.
        self._carry_out = Coalescer(self._carry_out_together, calls=2)

    async def run(self, key: IdempotencyRequest | None, make_plan: Callable[[], Awaitable[Plan]], *,
                  plan_first: bool = False) -> Outcome:  # fmt: skip
        """Carries out a write. `make_plan` checks the request against the current state (raising
        HTTPException to refuse) and says what to publish; with a key it runs at most once per key.

        With a key, its record is read first and a plan made only if there is none. With `plan_first`, for a
        make_plan that reads nothing, refuses nothing and changes nothing, the plan is made first and stored by
        the call that claims the key: one Redis call fewer (a retry's plan is made, then dropped)."""
        if key is None:
            write = _Write(await make_plan())
        elif plan_first:
            plan = await make_plan()
            write = _Write(plan, key, Record(fingerprint=key.fingerprint, plan=plan.dump()))
        else:
            record = await self._idempotency.read(key)
            decision = decide(record, key.fingerprint)
            if decision == Decision.REPLAY:
                return _replay(record)
            if decision == Decision.MISMATCH:
                raise KeyReused()
            if decision == Decision.NEW:
                plan = await make_plan()
                record = Record(fingerprint=key.fingerprint, plan=plan.dump())
            else:  # planned before, never confirmed: carried out as planned
                plan = Plan.load(record.plan)
            write = _Write(plan, key, record)
        outcome = await self._carry_out(write)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _carry_out_together(self, writes: list[_Write]) -> list[Outcome | Exception]:
        """Claims the writes' keys, publishes their commands, records what was published; answers each
        write with its outcome or the exception to raise for it."""
        answers: list[Outcome | Exception | None] = [None] * len(writes)
        after = Batch()  # what is recorded once the broker has the commands
        plans: dict[int, tuple[Plan, Record | None]] = {}
        keyed = [i for i, write in enumerate(writes) if write.key is not None]
        claims = await self._idempotency.claim([(writes[i].key, writes[i].record) for i in keyed]) if keyed else []
        for i, claim in zip(keyed, claims, strict=True):
            write = writes[i]
            if isinstance(claim, Exception):
                answers[i] = claim
                continue
            if claim.found is not None:  # planned before (a failed attempt, or a request racing this one)
                decision = decide(claim.found, write.key.fingerprint)
                if decision != Decision.RESUME or not claim.leased:
                    if claim.leased:
                        self._idempotency.release(after, write.key)
                    if decision == Decision.REPLAY:
                        answers[i] = _replay(claim.found)
                        continue
                    if decision == Decision.MISMATCH:
                        answers[i] = KeyReused()
                        continue
            if not claim.leased:
                answers[i] = KeyInUse()
                continue
            found = claim.found
            plans[i] = (Plan.load(found.plan), found) if found is not None else (write.plan, write.record)
        for i, write in enumerate(writes):
            if write.key is None:
                plans[i] = (write.plan, None)

        if publishing := [i for i, (plan, _) in plans.items() if plan.command is not None]:
            try:
                await self._publisher.publish([(plans[i][0].command, plans[i][0].encoded) for i in publishing])
            except BrokerUnavailable as e:  # nothing was accepted: the keys are free for a retry
                for i in publishing:
                    answers[i] = e
                    if writes[i].key is not None:
                        self._idempotency.release(after, writes[i].key)
                    del plans[i]
        for i, (plan, record) in plans.items():
            if plan.command is not None:
                self._records.after_publish(after, plan.command)
            if record is not None:
                self._idempotency.complete(after, writes[i].key, record)
            answers[i] = Outcome(plan.status_code, plan.body, command=plan.command)
        await after.run(self._scripts)
        return answers


def _replay(record: Record) -> Outcome:
    return Outcome(record.plan["status_code"], record.plan["body"], replayed=True)
