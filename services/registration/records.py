"""This service's own records in Redis (keys under <prefix>:registration): meetings, inscriptions,
commands and swap proposals, kept current from the events topic (see projection.py).

Key layout (p = settings.redis_keys):
  p:meetings                     set of meeting ids
  p:meeting:<m>                  the meeting's set-up (JSON)
  p:meeting-state:<m>            hash: confirmed, status, closed, list_version, waiting, estimates
  p:seq:<m>                      highest event seq applied for the meeting
  p:insc:<m>:<id>                hash: an inscription's status, position, estimate, reason...
  p:waiting:<m>                  set of inscription ids on the list (the last ListChanged)
  p:cmd:<m>:<command_id>         hash: a command's status (published / rejected) and reason
  p:swaps:<m>                    hash: proposal id -> pending swap proposal (JSON)
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from services.contracts import Command, InscribeSpeaker, MeetingSetup, SetUpMeeting, SwapSpeakers

INSCRIPTION_FIELDS = {"delegation", "category", "level", "speaker_name", "speaker_title", "on_behalf_of",
                      "contact_emails", "channel"}  # fmt: skip


def swap_proposal_id(first: str, second: str) -> str:
    a, b = sorted((first, second))
    return f"{a}~{b}"


class Records:
    def __init__(self, redis: Redis, prefix: str, ttl_seconds: int):
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl_seconds
        self._known_meetings: set[str] = set()  # meetings are never removed: a positive answer can be kept

    # keys
    def meeting_key(self, meeting_id: str) -> str:
        return f"{self.prefix}:meeting:{meeting_id}"

    def meeting_state_key(self, meeting_id: str) -> str:
        return f"{self.prefix}:meeting-state:{meeting_id}"

    def meetings_key(self) -> str:
        return f"{self.prefix}:meetings"

    def seq_key(self, meeting_id: str) -> str:
        return f"{self.prefix}:seq:{meeting_id}"

    def inscription_key(self, meeting_id: str, inscription_id: str) -> str:
        return f"{self.prefix}:insc:{meeting_id}:{inscription_id}"

    def waiting_key(self, meeting_id: str) -> str:
        return f"{self.prefix}:waiting:{meeting_id}"

    def command_key(self, meeting_id: str, command_id: str) -> str:
        return f"{self.prefix}:cmd:{meeting_id}:{command_id}"

    def swaps_key(self, meeting_id: str) -> str:
        return f"{self.prefix}:swaps:{meeting_id}"

    # meetings
    async def meeting_exists(self, meeting_id: str) -> bool:
        if meeting_id in self._known_meetings:
            return True
        if await self.redis.exists(self.meeting_key(meeting_id)):
            self._known_meetings.add(meeting_id)
            return True
        return False

    async def meeting(self, meeting_id: str) -> tuple[MeetingSetup, dict[str, str]] | None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(self.meeting_key(meeting_id))
            pipe.hgetall(self.meeting_state_key(meeting_id))
            raw, state = await pipe.execute()
        if not raw:
            return None
        return MeetingSetup.model_validate_json(raw), state

    async def meetings(self) -> dict[str, tuple[MeetingSetup, dict[str, str]]]:
        ids = sorted(await self.redis.smembers(self.meetings_key()))
        found = {}
        for meeting_id in ids:
            entry = await self.meeting(meeting_id)
            if entry is not None:
                found[meeting_id] = entry
        return found

    # inscriptions and commands
    async def inscription(self, meeting_id: str, inscription_id: str) -> dict[str, str] | None:
        found = await self.redis.hgetall(self.inscription_key(meeting_id, inscription_id))
        return found or None

    async def command(self, meeting_id: str, command_id: str) -> dict[str, str] | None:
        found = await self.redis.hgetall(self.command_key(meeting_id, command_id))
        return found or None

    def after_publish(self, pipe, command: Command) -> None:
        """Adds to `pipe` what this service records once the broker has a command.

        Only fields the events cannot contradict are set unconditionally; a status is set only if
        none is there yet, since the events consumer may already have recorded a later one."""
        m = command.meeting_id
        actor = command.issued_by
        ckey = self.command_key(m, command.message_id)
        pipe.hsetnx(ckey, "status", "published")
        fields = {
            "command_id": command.message_id,
            "meeting_id": m,
            "type": command.type,
            "issued_at": command.issued_at.isoformat(),
            "issued_by_role": actor.role.value,
            "issued_by_delegation": actor.delegation or "",
        }
        if inscription_id := getattr(command, "inscription_id", None):
            fields["inscription_id"] = inscription_id
        pipe.hset(ckey, mapping=fields)
        pipe.expire(ckey, self.ttl)
        match command:
            case SetUpMeeting():
                # Provisional until the queue's MeetingSetUp confirms it; the first set-up wins.
                pipe.set(self.meeting_key(m), command.setup.model_dump_json(), nx=True)
                pipe.sadd(self.meetings_key(), m)
                pipe.hsetnx(self.meeting_state_key(m), "confirmed", "0")
            case InscribeSpeaker():
                ikey = self.inscription_key(m, command.inscription_id)
                pipe.hsetnx(ikey, "status", "pending")
                pipe.hset(
                    ikey,
                    mapping={
                        "inscription_id": command.inscription_id,
                        "meeting_id": m,
                        "delegation": command.delegation,
                        "command_id": command.message_id,
                        "channel": command.channel.value,
                        "inscription": command.model_dump_json(include=INSCRIPTION_FIELDS),
                    },
                )  # fmt: skip
                pipe.expire(ikey, self.ttl)
            case SwapSpeakers():
                pipe.hdel(
                    self.swaps_key(m), swap_proposal_id(command.first_inscription_id, command.second_inscription_id)
                )

    # swap proposals
    async def swap_proposals(self, meeting_id: str) -> dict[str, dict[str, Any]]:
        raw = await self.redis.hgetall(self.swaps_key(meeting_id))
        return {pid: json.loads(value) for pid, value in raw.items()}

    async def save_swap_proposal(self, meeting_id: str, proposal: dict[str, Any]) -> None:
        key = self.swaps_key(meeting_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, proposal["proposal_id"], json.dumps(proposal))
            pipe.expire(key, self.ttl)
            await pipe.execute()

    async def drop_swap_proposal(self, meeting_id: str, proposal_id: str) -> bool:
        return bool(await self.redis.hdel(self.swaps_key(meeting_id), proposal_id))
