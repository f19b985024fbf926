"""One event in: the view folded, the e-mails planned and rendered, all stored at once, then the live
streams told. The order matters: a client that subscribes and then reads Redis misses nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from services.contracts import Event
from services.notifier.mail.outbox import Job, job_id
from services.notifier.mail.plan import MailIntent, plan
from services.notifier.mail.policy import MailPolicy
from services.notifier.mail.render import MailRenderer, mail_domain
from services.notifier.store import MeetingState, Store
from services.notifier.stream.hub import Hub
from services.notifier.stream.protocol import event_body
from services.notifier.view import apply, clock_setting, empty_view

log = logging.getLogger(__name__)

MAX_CACHED_MEETINGS = 500


class EventProcessor:
    def __init__(
        self,
        store: Store,
        hub: Hub,
        policy: MailPolicy,
        renderer: MailRenderer,
        mail_from: str,
        on_mail: Callable[[], None] = lambda: None,
        mail_enabled: bool = True,
    ):
        self._store, self._hub, self._policy, self._renderer = store, hub, policy, renderer
        self._domain = mail_domain(mail_from)
        self._on_mail = on_mail
        self._mail_enabled = mail_enabled
        # The meetings this process writes: only the consumer owning a meeting's partition writes its state,
        # so the cache is right until the partitions move (then `forget`); the commit's seq check guards it.
        self._cache: dict[str, MeetingState] = {}

    def forget(self) -> None:
        self._cache.clear()

    async def _state(self, meeting_id: str) -> MeetingState:
        state = self._cache.get(meeting_id)
        if state is None:
            state = await self._store.load(meeting_id) or MeetingState(0, empty_view(meeting_id), {})
            if len(self._cache) >= MAX_CACHED_MEETINGS:
                self._cache.clear()
            self._cache[meeting_id] = state
        return state

    async def handle(self, event: Event) -> bool:
        """Applies one event; False if it was already applied (a replay after a restart or a rebalance)."""
        meeting_id = event.meeting_id
        state = await self._state(meeting_id)
        if event.seq <= state.seq:
            return False
        view = apply(state.view, event)
        told, jobs = state.told, []
        if self._mail_enabled:
            try:
                told, intents = plan(state.view, view, state.told, event, self._policy)
            except Exception:  # a planning bug must not stop the read model
                log.exception("no e-mail planned for %s seq %s", event.type, event.seq)
                told, intents = state.told, []
            for intent in intents:
                try:
                    jobs.append(self._job(meeting_id, view, intent))
                except Exception:  # nor a template bug
                    log.exception("e-mail %s for %s could not be rendered", intent.key, meeting_id)
        body = event_body(event)
        new = MeetingState(event.seq, view, told)
        queued = await self._store.commit(new, meeting_id, event.type, body, jobs, score=time.time())
        # None: another writer stored this seq first (partitions moved, or another notifier replica reading every
        # partition). The fold is deterministic, so what it stored is `new`; and this process's clients get it.
        self._cache[meeting_id] = new
        await self._hub.publish(meeting_id, event.seq, event.type, body, clock_setting(view))
        if queued:
            self._on_mail()
        return queued is not None

    def _job(self, meeting_id: str, view: dict, intent: MailIntent) -> Job:
        setup = view.get("setup") or {}
        meeting = {
            "meeting_id": meeting_id,
            "title": setup.get("title"),
            "venue": setup.get("venue"),
            "timezone": setup.get("timezone"),
        }
        mail = self._renderer.render(intent, meeting)
        jid = job_id(meeting_id, intent.key)
        return Job(
            job_id=jid,
            meeting_id=meeting_id,
            key=intent.key,
            kind=intent.kind,
            to=list(intent.to),
            subject=mail.subject,
            text=mail.text,
            html=mail.html,
            message_id=f"<{jid}@{self._domain}>",
            created_at=datetime.now(UTC).isoformat(),
            inscription_id=intent.inscription_id,
            delegation=intent.delegation,
            headers={"X-Rostrum-Meeting": meeting_id, "X-Rostrum-Mail": intent.key},
        )
