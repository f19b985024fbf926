"""The e-mail outbox in Redis. E-mails are enqueued by the event's commit (services/notifier/store.py) and
sent by the worker (services/notifier/mail/worker.py), never by the consumer: SMTP never holds up a stream.

    {p}:mail:due              zset job id -> when it may next be tried (epoch seconds); while a worker sends
                              it, the end of the worker's lease
    {p}:mail:job:{job id}     hash: job (JSON: recipients, subject, text, HTML...), meeting, state (pending |
                              sending | committing | retrying | sent | failed | uncertain), attempts, last_error...
                              Its existence is the deduplication: a job id is derived from (meeting, e-mail key).
    {p}:mail:failed:{meeting} zset job id -> time: permanent failures, uncertain deliveries, refused recipients
    {p}:mail:stats:{meeting}  hash: queued, sent, failed, uncertain, retries, refused

Exactly once: a job is enqueued once per key, ever (the event's commit); a worker claims it with a lease and
sends it. Before DATA the job is marked `committing`; once the server answers 250 it is marked `sent`. A failure
before DATA, or an explicit 4xx answer, is retried with backoff: the server did not take the message. A worker
that dies before DATA leaves the job `sending`: it is sent again when the lease ends. One that dies after DATA
began (or a connection lost without an answer) leaves it unknown whether the server took it: SMTP cannot tell.
Such a job is never sent again but recorded as `uncertain`, visible with the failures, so that no e-mail is ever
sent twice (mail_resend_uncertain=true chooses the other way: sent again, with the same Message-ID)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis

_CLAIM = """
-- KEYS: 1 due zset
-- ARGV: 1 now, 2 lease end, 3 how many, 4 job key prefix, 5 resend uncertain (1 or 0), 6 outbox key prefix
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local key = ARGV[4] .. id
  local job = redis.call('HGET', key, 'job')
  local state = redis.call('HGET', key, 'state')
  if not job then
    redis.call('ZREM', KEYS[1], id)
  elseif state == 'committing' and ARGV[5] == '0' then
    -- Its worker stopped while the server was taking it: maybe delivered. Never sent twice: recorded instead.
    local meeting = redis.call('HGET', key, 'meeting')
    redis.call('ZREM', KEYS[1], id)
    redis.call('HSET', key, 'state', 'uncertain', 'failed_at', ARGV[1],
               'last_error', 'the notifier stopped while the SMTP server was taking it: maybe delivered')
    redis.call('ZADD', ARGV[6] .. 'failed:' .. meeting, ARGV[1], id)
    redis.call('HINCRBY', ARGV[6] .. 'stats:' .. meeting, 'uncertain', 1)
  else
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    local attempts = redis.call('HINCRBY', key, 'attempts', 1)
    redis.call('HSET', key, 'state', 'sending')
    table.insert(out, id)
    table.insert(out, attempts)
    table.insert(out, job)
  end
end
return out
"""


@dataclass
class Job:
    job_id: str
    meeting_id: str
    key: str
    kind: str
    to: list[str]
    subject: str
    text: str
    html: str
    message_id: str
    created_at: str
    inscription_id: str | None = None
    delegation: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Job:
        return cls(**json.loads(raw))


def job_id(meeting_id: str, key: str) -> str:
    return hashlib.sha256(f"{meeting_id}\n{key}".encode()).hexdigest()[:32]


@dataclass
class Claimed:
    job: Job
    attempts: int


class OutboxKeys:
    def __init__(self, prefix: str):
        self.prefix = f"{prefix}:mail"
        self.due = f"{self.prefix}:due"
        self.job_prefix = f"{self.prefix}:job:"

    def job(self, job_id: str) -> str:
        return self.job_prefix + job_id

    def failed(self, meeting_id: str) -> str:
        return f"{self.prefix}:failed:{meeting_id}"

    def stats(self, meeting_id: str) -> str:
        return f"{self.prefix}:stats:{meeting_id}"


class Outbox:
    def __init__(self, redis: Redis, prefix: str, keep_seconds: int):
        self._redis = redis
        self.keys = OutboxKeys(prefix)
        self._keep = keep_seconds
        self._claim = redis.register_script(_CLAIM)

    async def claim(self, now: float, lease_seconds: float, limit: int = 1, resend_uncertain: bool = False):
        """Up to `limit` due e-mails, each leased to this worker until now + lease_seconds."""
        args = [repr(now), repr(now + lease_seconds), limit, self.keys.job_prefix, int(resend_uncertain),
                self.keys.prefix + ":"]  # fmt: skip
        raw = await self._claim(keys=[self.keys.due], args=args)
        claimed = []
        for i in range(0, len(raw), 3):
            claimed.append(Claimed(job=Job.from_json(raw[i + 2]), attempts=int(raw[i + 1])))
        return claimed

    async def committing(self, job: Job) -> None:
        """The envelope is accepted and DATA begins: from now on the server may take the message."""
        await self._redis.hset(self.keys.job(job.job_id), "state", "committing")

    async def uncertain(self, job: Job, now: float, error: str) -> None:
        """Lost after DATA began, with no answer from the server: maybe delivered, so not sent again."""
        await self._give_up(job, now, error, "uncertain")

    async def sent(self, job: Job, now: float, refused: dict[str, str] | None = None) -> None:
        key = self.keys.job(job.job_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.keys.due, job.job_id)
            pipe.hset(key, mapping={"state": "sent", "sent_at": repr(now)})
            pipe.hincrby(self.keys.stats(job.meeting_id), "sent", 1)
            if refused:
                pipe.hset(key, "refused", json.dumps(refused))
                pipe.zadd(self.keys.failed(job.meeting_id), {job.job_id: now})
                pipe.hincrby(self.keys.stats(job.meeting_id), "refused", 1)
            pipe.expire(key, self._keep)
            await pipe.execute()

    async def retry(self, job: Job, now: float, delay: float, error: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self.keys.job(job.job_id),
                mapping={"state": "retrying", "last_error": error[:500], "next_attempt_at": repr(now + delay)},
            )
            pipe.zadd(self.keys.due, {job.job_id: now + delay})
            pipe.hincrby(self.keys.stats(job.meeting_id), "retries", 1)
            await pipe.execute()

    async def failed(self, job: Job, now: float, error: str) -> None:
        await self._give_up(job, now, error, "failed")

    async def _give_up(self, job: Job, now: float, error: str, state: str) -> None:
        """No more attempts: recorded with its error among the meeting's failures, counted under `state`."""
        key = self.keys.job(job.job_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.keys.due, job.job_id)
            pipe.hset(key, mapping={"state": state, "last_error": error[:500], "failed_at": repr(now)})
            pipe.zadd(self.keys.failed(job.meeting_id), {job.job_id: now})
            pipe.hincrby(self.keys.stats(job.meeting_id), state, 1)
            pipe.expire(key, self._keep)
            await pipe.execute()

    # --- what the secretariat sees ------------------------------------------------------------
    async def stats(self, meeting_id: str) -> dict[str, int]:
        raw = await self._redis.hgetall(self.keys.stats(meeting_id))
        stats = {k: int(raw.get(k, 0)) for k in ("queued", "sent", "failed", "uncertain", "retries", "refused")}
        stats["pending"] = max(0, stats["queued"] - stats["sent"] - stats["failed"] - stats["uncertain"])
        return stats

    async def failures(self, meeting_id: str, limit: int = 200) -> list[dict[str, Any]]:
        ids = await self._redis.zrevrange(self.keys.failed(meeting_id), 0, limit - 1, withscores=True)
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for job_id, _ in ids:
                pipe.hgetall(self.keys.job(job_id))
            rows = await pipe.execute()
        out = []
        for (job_id, at), row in zip(ids, rows, strict=True):
            if not row or "job" not in row:
                continue
            job = Job.from_json(row["job"])
            out.append(
                {
                    "job_id": job_id,
                    "kind": job.kind,
                    "key": job.key,
                    "inscription_id": job.inscription_id,
                    "delegation": job.delegation,
                    "to": [mask(a) for a in job.to],
                    "subject": job.subject,
                    "state": row.get("state"),
                    "attempts": int(row.get("attempts", 0)),
                    "error": mask_text(row.get("last_error")),
                    "refused": {mask(a): mask_text(e) for a, e in json.loads(row.get("refused") or "{}").items()},
                    "at": at,
                }
            )
        return out

    async def job_state(self, job_id: str) -> dict[str, str]:
        return await self._redis.hgetall(self.keys.job(job_id))


_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def mask_text(text: str | None) -> str | None:
    """Every address in a server's message masked."""
    return None if text is None else _ADDRESS.sub(lambda m: mask(m.group(0)), text)


def mask(address: str) -> str:
    """'ie-mission@example.org' -> 'ie…@example.org': enough to recognise, not enough to harvest."""
    local, at, domain = address.partition("@")
    return f"{local[:2]}…{at}{domain}" if at else "…"
