"""The meetings this service knows, in its own Redis keys."""

from __future__ import annotations

from redis.asyncio import Redis

from services.contracts import MeetingSetup


class MeetingDirectory:
    def __init__(self, redis: Redis, prefix: str):
        self._redis = redis
        self._prefix = prefix

    def _key(self, meeting_id: str) -> str:
        return f"{self._prefix}:meeting:{meeting_id}"

    async def exists(self, meeting_id: str) -> bool:
        return bool(await self._redis.exists(self._key(meeting_id)))

    async def save(self, meeting_id: str, setup: MeetingSetup) -> None:
        await self._redis.set(self._key(meeting_id), setup.model_dump_json())

    async def get(self, meeting_id: str) -> MeetingSetup | None:
        raw = await self._redis.get(self._key(meeting_id))
        return MeetingSetup.model_validate_json(raw) if raw else None
