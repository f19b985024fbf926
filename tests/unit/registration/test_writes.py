"""The write path's decisions with Redis and the broker stood in for: when a plan is made, what is counted,
what is published (pure, no I/O)."""

import asyncio

import pytest

from services.contracts import Actor, CloseList, Role
from services.registration.idempotency import IdempotencyRequest, IdempotencyStore, Record
from services.registration.ratelimit import PendingCount, RateLimited
from services.registration.writes import KeyReused, Plan, Writes

CLOSE = CloseList(meeting_id="m", issued_by=Actor(role=Role.chair))


class StandIns:
    """Redis scripts, the records and the broker, in memory."""

    def __init__(self, count: int = 1):
        self.count = count
        self.stored: dict[str, str] = {}
        self.calls: list[str] = []
        self.published: list[bytes] = []
        self.sends: list[int] = []  # how many commands each send to the broker carried

    async def begin(self, rate_key, record_key, state_key, window, limit):
        self.calls.append("begin")
        count = self.count if rate_key else 0
        if limit and count > limit:
            return count, None, ""
        return count, self.stored.get(record_key), self.stored.get(state_key, "")

    async def claim(self, state_key, record_key, lease_ms, plan, ttl, rate_key="", window=0, limit=0):
        self.calls.append("claim")
        count = self.count if rate_key else 0
        if limit and count > limit:
            return count, False, None, ""
        existing = self.stored.get(record_key)
        if existing is None and plan:
            self.stored[record_key] = plan
        if state_key in self.stored and existing is not None:
            return count, False, existing, self.stored[state_key]
        self.stored[state_key] = "leased"
        return count, True, existing, ""

    async def apply(self, commands):
        self.calls.append("apply")
        for command in commands:
            if command[0] == "SET":
                self.stored[command[1]] = command[2]
            if command[0] == "DEL":
                for k in command[1:]:
                    self.stored.pop(k, None)

    async def publish(self, commands):
        self.sends.append(len(commands))
        self.published.extend(value for _, value in commands)

    def after_publish(self, batch, command):
        pass


def writes(stand_ins: StandIns) -> tuple[Writes, IdempotencyStore]:
    store = IdempotencyStore(stand_ins, "p", ttl_seconds=60, lease_seconds=15)
    return Writes(stand_ins, stand_ins, store, stand_ins), store


def key(limit: int | None = 10) -> IdempotencyRequest:
    count = PendingCount(counter="p:rate:c:1", limit=limit, now=60.0) if limit else None
    return IdempotencyRequest(scope="c", key="k", fingerprint="f", count=count)


def planner(plans: list[Plan]):
    async def make_plan() -> Plan:
        plans.append(Plan(body={"n": len(plans)}, command=CLOSE))
        return plans[-1]

    return make_plan


@pytest.mark.parametrize("plan_first", [True, False])
async def test_a_key_is_counted_with_its_first_redis_call_and_planned_once(plan_first):
    stand_ins, plans = StandIns(), []
    run, _ = writes(stand_ins)
    first = await run.run(key(), planner(plans), plan_first=plan_first)
    assert stand_ins.calls == (["claim", "apply"] if plan_first else ["begin", "claim", "apply"])
    retry = key()
    again = await run.run(retry, planner(plans), plan_first=plan_first)
    assert again.replayed and again.body == first.body == {"n": 0}
    assert retry.count.verdict.allowed  # counted by the retry's first call
    assert len(stand_ins.published) == 1
    assert len(plans) == (2 if plan_first else 1)  # plan first: the retry's plan is made, then dropped


@pytest.mark.parametrize("plan_first", [True, False])
async def test_over_the_limit_nothing_is_stored_or_published(plan_first):
    stand_ins, plans = StandIns(count=11), []
    run, _ = writes(stand_ins)
    with pytest.raises(RateLimited):
        await run.run(key(limit=10), planner(plans), plan_first=plan_first)
    assert stand_ins.stored == {} and stand_ins.published == []


async def test_a_plan_stored_but_never_published_is_published_as_it_was():
    stand_ins = StandIns()
    run, store = writes(stand_ins)
    plan = Plan(body={"n": 0}, command=CLOSE)
    await store.claim(key(limit=None), Record(fingerprint="f", plan=plan.dump()))  # then the broker failed
    await store.release(key(limit=None))
    outcome = await run.run(key(), planner([]), plan_first=True)
    assert not outcome.replayed and stand_ins.published == [plan.encoded]


async def test_the_same_key_for_another_request_is_refused():
    stand_ins = StandIns()
    run, _ = writes(stand_ins)
    await run.run(key(), planner([]))
    with pytest.raises(KeyReused):
        await run.run(IdempotencyRequest(scope="c", key="k", fingerprint="g"), planner([]), plan_first=True)


async def test_writes_planned_together_are_published_and_recorded_together():
    stand_ins = StandIns()
    run, _ = writes(stand_ins)
    keys = [IdempotencyRequest(scope="c", key=f"k{i}", fingerprint="f") for i in range(5)]
    outcomes = await asyncio.gather(*(run.run(k, planner([]), plan_first=True) for k in keys))
    assert [o.status_code for o in outcomes] == [202] * 5
    assert stand_ins.sends == [5]  # one send to the broker for the five
    assert stand_ins.calls == ["claim"] * 5 + ["apply"]  # and one call to record them, keys marked done
    assert all(stand_ins.stored[f"p:idem-state:{k.slot}"] == "done" for k in keys)
