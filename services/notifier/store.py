"""The read model in Redis (keys under <prefix>:notifier): each meeting's latest view."""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from services.contracts import Event
from services.notifier.view import apply, empty_view


class ViewStore:
    def __init__(self, redis: Redis, prefix: str):
        self._redis = redis
        self._prefix = prefix

    def _key(self, meeting_id: str) -> str:
        return f"{self._prefix}:view:{meeting_id}"

    async def get(self, meeting_id: str) -> dict[str, Any] | None:
        raw = await self._redis.get(self._key(meeting_id))
        return json.loads(raw) if raw else None

    async def apply(self, event: Event) -> bool:
        """Folds the event into the stored view; False if it was a duplicate (seq already applied).

        Only the consumer owning the meeting's partition writes its view, so read-then-write is safe."""
        view = await self.get(event.meeting_id) or empty_view(event.meeting_id)
        new = apply(view, event)
        if new is view:
            return False
        await self._redis.set(self._key(event.meeting_id), json.dumps(new))
        return True
