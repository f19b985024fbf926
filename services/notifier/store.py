"""The read model in Redis, every key under <prefix>:notifier (settings.redis_keys):

    {p}:meeting:{id}      hash: seq, view (JSON), told (JSON: what each delegation has been told by e-mail)
    {p}:log:{id}          stream: the last events as the live stream sends them, entry id "<seq>-0",
                          capped at stream_log_size, for clients resuming with Last-Event-ID
    {p}:meetings          set of the meetings seen
    {p}:mail:...          the e-mail outbox (services/notifier/mail/outbox.py)

One Lua script applies an event: it checks the seq, then writes the view, what delegations were told, the
log entry and the event's e-mails into the outbox, all or nothing. So a replayed event (seq not above the
stored one) changes nothing and enqueues no e-mail, and an e-mail key already enqueued is never enqueued
again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

from services.notifier.mail.outbox import Job, OutboxKeys

_COMMIT = """
-- KEYS: 1 meeting hash, 2 log stream, 3 meetings set, 4 outbox due zset, 5 outbox stats, 6.. job hashes
-- ARGV: 1 seq, 2 view, 3 told, 4 log body, 5 log max length, 6 meeting id, 7 score, 8 event type,
--       9.. job id, job json
local seq = tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if current >= seq then return -1 end
redis.pcall('XADD', KEYS[2], 'MAXLEN', ARGV[5], ARGV[1] .. '-0', 't', ARGV[8], 'b', ARGV[4])
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'view', ARGV[2], 'told', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[6])
local queued = 0
for i = 6, #KEYS do
  local a = 9 + (i - 6) * 2
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('HSET', KEYS[i], 'job', ARGV[a + 1], 'meeting', ARGV[6], 'state', 'pending', 'attempts', 0)
    redis.call('ZADD', KEYS[4], tonumber(ARGV[7]) + queued * 0.00001, ARGV[a])
    queued = queued + 1
  end
end
if queued > 0 then redis.call('HINCRBY', KEYS[5], 'queued', queued) end
return queued
"""


def connect(url: str, max_connections: int = 64) -> Redis:
    """A client whose callers wait for a free connection rather than fail when many displays connect at once."""
    pool = BlockingConnectionPool.from_url(url, decode_responses=True, max_connections=max_connections, timeout=10)
    return Redis.from_pool(pool)


@dataclass
class MeetingState:
    seq: int
    view: dict[str, Any]
    told: dict[str, Any]


@dataclass
class Replay:
    current_seq: int
    oldest_seq: int | None  # the oldest event the log still holds
    entries: list[tuple[int, str, str]]  # (seq, type, body) after the asked seq


class Store:
    def __init__(self, redis: Redis, prefix: str, log_size: int = 5000):
        self._redis = redis
        self._prefix = prefix
        self._log_size = log_size
        self.outbox_keys = OutboxKeys(prefix)
        self._commit = redis.register_script(_COMMIT)

    def meeting_key(self, meeting_id: str) -> str:
        return f"{self._prefix}:meeting:{meeting_id}"

    def log_key(self, meeting_id: str) -> str:
        return f"{self._prefix}:log:{meeting_id}"

    # --- the writer (the Kafka consumer) ------------------------------------------------------
    async def load(self, meeting_id: str) -> MeetingState | None:
        seq, view, told = await self._redis.hmget(self.meeting_key(meeting_id), ["seq", "view", "told"])
        if seq is None or view is None:
            return None
        return MeetingState(int(seq), json.loads(view), json.loads(told) if told else {})

    async def commit(
        self, state: MeetingState, meeting_id: str, type_: str, body: str, jobs: list[Job], score: float
    ) -> int | None:
        """Writes the state after one event, its log entry and its e-mails, atomically.

        Returns how many e-mails were enqueued, or None if the stored seq is already at or above the event's."""
        keys = [
            self.meeting_key(meeting_id),
            self.log_key(meeting_id),
            f"{self._prefix}:meetings",
            self.outbox_keys.due,
            self.outbox_keys.stats(meeting_id),
            *(self.outbox_keys.job(job.job_id) for job in jobs),
        ]
        args: list[Any] = [
            state.seq,
            json.dumps(state.view, separators=(",", ":")),
            json.dumps(state.told, separators=(",", ":")),
            body,
            self._log_size,
            meeting_id,
            repr(score),
            type_,
        ]
        for job in jobs:
            args += [job.job_id, job.to_json()]
        result = int(await self._commit(keys=keys, args=args))
        return None if result < 0 else result

    # --- readers ------------------------------------------------------------------------------
    async def snapshot(self, meeting_id: str) -> tuple[int, dict[str, Any]] | None:
        seq, view = await self._redis.hmget(self.meeting_key(meeting_id), ["seq", "view"])
        if seq is None or view is None:
            return None
        return int(seq), json.loads(view)

    async def seq(self, meeting_id: str) -> int:
        return int(await self._redis.hget(self.meeting_key(meeting_id), "seq") or 0)

    async def replay(self, meeting_id: str, after: int) -> Replay:
        """The logged events after seq `after`, with the meeting's current seq and the oldest logged seq."""
        log = self.log_key(meeting_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hget(self.meeting_key(meeting_id), "seq")
            pipe.xrange(log, "-", "+", count=1)
            pipe.xrange(log, f"{after + 1}-0", "+", count=self._log_size * 2)
            current, oldest, entries = await pipe.execute()
        return Replay(
            current_seq=int(current or 0),
            oldest_seq=_seq(oldest[0][0]) if oldest else None,
            entries=[(_seq(entry_id), fields["t"], fields["b"]) for entry_id, fields in entries],
        )


def _seq(entry_id: str | bytes) -> int:
    if isinstance(entry_id, bytes):
        entry_id = entry_id.decode()
    return int(entry_id.split("-", 1)[0])
