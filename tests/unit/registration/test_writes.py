"""The write path's decisions with Redis and the broker stood in for: when a plan is made, what is counted,
what is published (pure, no I/O)."""

import asyncio

import pytest

from services.contracts import Actor, CloseList, Role
from services.registration.batch import Batch
from services.registration.idempotency import IdempotencyRequest, IdempotencyStore, Record
from services.registration.publisher import BrokerUnavailable
from services.registration.ratelimit import PendingCount, RateLimited
from services.registration.writes import KeyInUse, KeyReused, Plan, Writes

CLOSE = CloseList(meeting_id="m", issued_by=Actor(role=Role.chair))


class StandIns:
    """Redis scripts, the records and the broker, in memory."""

    def __init__(self, count: int = 1, broker_down: bool = False):
        self.count = count
        self.broker_down = broker_down
        self.stored: dict[str, str] = {}
        self.calls: list[str] = []
        self.published: list[bytes] = []
        self.applied: list[list] = []
        self.leases: set[str] = set()

    async def begin(self, rate_key, record_key, window, limit):
        self.calls.append("begin")
        count = self.count if rate_key else 0
        over = limit and count > limit
        return count, (None if over else self.stored.get(record_key))

    async def claim(self, items):
        self.calls.append("claim")
        answers = []
        for lease, record_key, _lease_ms, plan, _ttl, rate_key, _window, limit in items:
            count = self.count if rate_key else 0
            if limit and count > limit:
                answers.append((count, False, None))
                continue
            leased = lease not in self.leases
            self.leases.add(lease)
            existing = self.stored.get(record_key)
            if leased and existing is None and plan:
                self.stored[record_key] = plan
            answers.append((count, leased, existing))
        return answers

    async def apply(self, commands):
        self.calls.append("apply")
        self.applied += commands
        for command in commands:
            if command[0] == "SET":
                self.stored[command[1]] = command[2]
            if command[0] == "DEL":
                self.leases.difference_update(command[1:])

    async def publish(self, commands):
        self.calls.append("publish")
        if self.broker_down:
            raise BrokerUnavailable("down")
        self.published += [value for _, value in commands]

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
    assert stand_ins.calls == (["claim", "publish", "apply"] if plan_first else ["begin", "claim", "publish", "apply"])
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
    await store.claim([(key(limit=None), Record(fingerprint="f", plan=plan.dump()))])  # then the broker failed
    await Batch().delete(store.lease_key(key(limit=None).slot)).run(stand_ins)  # the lease released
    outcome = await run.run(key(), planner([]), plan_first=True)
    assert not outcome.replayed and stand_ins.published == [plan.encoded]


async def test_the_same_key_for_another_request_is_refused():
    stand_ins = StandIns()
    run, _ = writes(stand_ins)
    await run.run(key(), planner([]))
    with pytest.raises(KeyReused):
        await run.run(IdempotencyRequest(scope="c", key="k", fingerprint="g"), planner([]), plan_first=True)


async def test_writes_that_arrive_together_are_claimed_published_and_recorded_together():
    stand_ins = StandIns()
    run, _ = writes(stand_ins)
    keys = [IdempotencyRequest(scope="c", key=f"k{n}", fingerprint="f") for n in range(5)]
    outcomes = await asyncio.gather(*(run.run(k, planner([]), plan_first=True) for k in keys),
                                    run.run(None, planner([])))  # fmt: skip
    assert all(not o.replayed for o in outcomes)
    assert stand_ins.calls == ["claim", "publish", "apply"]  # one of each for the six
    assert len(stand_ins.published) == 6


async def test_each_write_of_a_group_gets_its_own_answer():
    stand_ins = StandIns()
    run, _ = writes(stand_ins)
    await run.run(key(limit=None), planner([]))  # key k, done
    stand_ins.count = 11
    answers = await asyncio.gather(
        run.run(key(limit=None), planner([]), plan_first=True),  # the same request again: replayed
        run.run(IdempotencyRequest(scope="c", key="k", fingerprint="g"), planner([]), plan_first=True),
        run.run(key(limit=10), planner([]), plan_first=True),  # the 11th of a limit of 10
        run.run(IdempotencyRequest(scope="c", key="new", fingerprint="f"), planner([]), plan_first=True),
        return_exceptions=True,
    )
    assert answers[0].replayed and isinstance(answers[1], KeyReused) and isinstance(answers[2], RateLimited)
    assert not answers[3].replayed
    assert stand_ins.calls.count("claim") == 2  # the first request's, then the group's
    assert len(stand_ins.published) == 2  # the first request's and the new one's


async def test_a_broker_failure_refuses_the_group_and_frees_its_keys_for_a_retry():
    stand_ins = StandIns(broker_down=True)
    run, store = writes(stand_ins)
    answers = await asyncio.gather(*(run.run(IdempotencyRequest(scope="c", key=f"k{n}", fingerprint="f"),
                                             planner([]), plan_first=True) for n in range(3)),  # fmt: skip
                                   return_exceptions=True)
    assert all(isinstance(a, BrokerUnavailable) for a in answers)
    released = [c for c in stand_ins.applied if c[0] == "DEL"]
    assert sorted(c[1] for c in released) == sorted(store.lease_key(IdempotencyRequest(
        scope="c", key=f"k{n}", fingerprint="f").slot) for n in range(3))  # fmt: skip
    stand_ins.broker_down = False
    retry = await run.run(IdempotencyRequest(scope="c", key="k0", fingerprint="f"), planner([]), plan_first=True)
    assert not retry.replayed and len(stand_ins.published) == 1


async def test_of_two_requests_with_one_key_at_once_only_one_is_carried_out():
    stand_ins = StandIns()
    run, _ = writes(stand_ins)
    answers = await asyncio.gather(run.run(key(limit=None), planner([]), plan_first=True),
                                   run.run(key(limit=None), planner([]), plan_first=True), return_exceptions=True)
    assert not answers[0].replayed and isinstance(answers[1], KeyInUse)
    assert len(stand_ins.published) == 1 and stand_ins.leases == set()  # released once published
