"""The Redis work of the write path, in as few calls as possible.

Each request needs up to three things from Redis: to *begin* (count it against its credential's rate
limit, read the record of its Idempotency-Key and its state), to *claim* a key (take its lease, store
the plan; and count the request, for a write that did not begin), and to *apply* what it records once
the broker has its command. Each is a Lua script, so one call does what would otherwise be several
commands; and the calls of concurrent requests are coalesced: while one call is on its way to Redis the
next ones wait, and go together in the next call. Under load that is one Redis call for many requests
instead of several per request: the client's cost per call, not Redis, was most of this service's cost
per request. A lone request goes at once.

A Batch collects the commands one request applies, run atomically (with those of the requests that
share its call)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic_core import from_json, to_json
from redis.asyncio import Redis

log = logging.getLogger(__name__)

# The scripts answer in one JSON string: the client reads one value per call rather than two per request
# (its reply parser, in Python, cost more than the scripts themselves).

# ARGV[1]: JSON list of [rate key or "", record key or "", state key, window seconds, limit (0: none)].
# Returns [[count, record, state], ...] (record and state "" when none, or when over the limit).
_BEGIN = """
local out = {}
for _, item in ipairs(cjson.decode(ARGV[1])) do
  local count, record, state = 0, '', ''
  if item[1] ~= '' then
    count = redis.call('INCR', item[1])
    if count == 1 then redis.call('EXPIRE', item[1], item[4]) end
  end
  if item[2] ~= '' and (item[5] == 0 or count <= item[5]) then
    record = redis.call('GET', item[2]) or ''
    state = redis.call('GET', item[3]) or ''
  end
  out[#out + 1] = {count, record, state}
end
return cjson.encode(out)
"""

# ARGV[1]: JSON list of [state key, record key, lease ms, plan record or "", ttl seconds, rate key or "",
# window seconds, limit (0: none)]. Counts the request (unless rate key is ""); unless that is over the limit,
# takes the lease (the state "leased") and stores the plan unless a record is there. A state without its
# record (a "done" outliving the record it marked by the moment between their writes) is taken over.
# Returns [[count, leased (0 or 1), the record that was there before or "", its state or ""], ...]
# (not leased and "" when over the limit).
_CLAIM = """
local out = {}
for _, item in ipairs(cjson.decode(ARGV[1])) do
  local count, leased, existing, state = 0, 0, '', ''
  if item[6] ~= '' then
    count = redis.call('INCR', item[6])
    if count == 1 then redis.call('EXPIRE', item[6], item[7]) end
  end
  if item[8] == 0 or count <= item[8] then
    existing = redis.call('GET', item[2]) or ''
    if existing == '' then
      redis.call('SET', item[1], 'leased', 'PX', item[3])
      leased = 1
      if item[4] ~= '' then redis.call('SET', item[2], item[4], 'EX', item[5]) end
    else
      leased = redis.call('SET', item[1], 'leased', 'NX', 'PX', item[3]) and 1 or 0
      if leased == 0 then state = redis.call('GET', item[1]) or '' end
    end
  end
  out[#out + 1] = {count, leased, existing, state}
end
return cjson.encode(out)
"""

# ARGV[1]: a JSON list of commands, e.g. [["HSET", "k", "f", "v"], ["EXPIRE", "k", 60]].
_APPLY = """
for _, command in ipairs(cjson.decode(ARGV[1])) do
  redis.call(unpack(command))
end
return 1
"""


class Coalescer:
    """Calls made while one is in flight wait and go together in the next (at most `limit` at once)."""

    def __init__(self, run: Callable[[list[Any]], Awaitable[list[Any]]], limit: int = 1000):
        self._run = run
        self._limit = limit
        self._waiting: list[tuple[Any, asyncio.Future]] = []
        self._in_flight = False

    async def __call__(self, item: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if not self._in_flight:
            self._in_flight = True
            asyncio.get_running_loop().call_soon(self._next)  # after this turn: whoever else arrives joins
        return await future

    def _next(self) -> None:
        if not self._waiting:
            self._in_flight = False
            return
        items, self._waiting = self._waiting[: self._limit], self._waiting[self._limit :]
        task = asyncio.ensure_future(self._flush(items))
        task.add_done_callback(lambda _: self._next())

    async def _flush(self, items: list[tuple[Any, asyncio.Future]]) -> None:
        try:
            results = await self._run([item for item, _ in items])
        except BaseException as e:  # every caller of this call gets the error (503 for a Redis outage)
            for _, future in items:
                if not future.done():
                    future.set_exception(e)
            if not isinstance(e, Exception):
                raise
            return
        for (_, future), result in zip(items, results, strict=True):
            if not future.done():
                future.set_result(result)


class Scripts:
    def __init__(self, redis: Redis):
        begin, claim, apply = (redis.register_script(s) for s in (_BEGIN, _CLAIM, _APPLY))

        async def begin_many(items: list[list[Any]]) -> list[tuple[int, str | None, str]]:
            answers = from_json(await begin(args=[to_json(items)]))
            return [(count, record or None, state) for count, record, state in answers]

        async def claim_many(items: list[list[Any]]) -> list[tuple[int, bool, str | None, str]]:
            answers = from_json(await claim(args=[to_json(items)]))
            return [(count, leased == 1, record or None, state) for count, leased, record, state in answers]

        async def apply_many(batches: list[list[list[Any]]]) -> list[None]:
            commands = [command for batch in batches for command in batch]
            await apply(args=[to_json(commands)])
            return [None] * len(batches)

        self._begin = Coalescer(begin_many)
        self._claim = Coalescer(claim_many)
        self._apply = Coalescer(apply_many)

    async def begin(self, rate_key: str, record_key: str, state_key: str, window: int,
                    limit: int) -> tuple[int, str | None, str]:  # fmt: skip
        """Counts the request (unless rate_key is "") and reads the record and its state (unless over the limit)."""
        return await self._begin([rate_key, record_key, state_key, window, limit])

    async def claim(self, state: str, record: str, lease_ms: int, plan: str, ttl: int, rate_key: str = "",
                    window: int = 0, limit: int = 0) -> tuple[int, bool, str | None, str]:  # fmt: skip
        """Counts the request (unless rate_key is ""); unless over the limit, takes the lease and stores `plan`
        unless a record is there. Returns (count, leased, the record there before, its state if not leased)."""
        return await self._claim([state, record, lease_ms, plan, ttl, rate_key, window, limit])

    async def apply(self, commands: list[list[Any]]) -> None:
        if commands:
            await self._apply(commands)


class Batch:
    """Redis commands one request applies, atomically (the subset the write path needs)."""

    def __init__(self) -> None:
        self.commands: list[list[Any]] = []

    def __len__(self) -> int:
        return len(self.commands)

    def _add(self, *command: Any) -> Batch:
        self.commands.append(list(command))
        return self

    def hset(self, key: str, mapping: dict[str, Any]) -> Batch:
        return self._add("HSET", key, *(part for pair in mapping.items() for part in pair))

    def hsetnx(self, key: str, field: str, value: Any) -> Batch:
        return self._add("HSETNX", key, field, value)

    def hdel(self, key: str, *fields: str) -> Batch:
        return self._add("HDEL", key, *fields)

    def expire(self, key: str, seconds: int) -> Batch:
        return self._add("EXPIRE", key, int(seconds))

    def set(self, key: str, value: Any, *, ex: int | None = None, nx: bool = False) -> Batch:
        return self._add("SET", key, value, *(["EX", int(ex)] if ex else []), *(["NX"] if nx else []))

    def delete(self, *keys: str) -> Batch:
        return self._add("DEL", *keys)

    def sadd(self, key: str, *members: str) -> Batch:
        return self._add("SADD", key, *members)

    async def run(self, scripts: Scripts) -> None:
        await scripts.apply(self.commands)
