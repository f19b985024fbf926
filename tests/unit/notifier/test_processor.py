"""One event in: folded, its e-mails planned and rendered, stored at once, then streamed. A replayed event
changes nothing and sends nothing again."""

from services.notifier.mail.policy import MailPolicy
from services.notifier.mail.render import MailRenderer
from services.notifier.processor import EventProcessor
from services.notifier.stream.hub import Hub
from tests.unit.notifier.factory import MeetingScript
from tests.unit.notifier.fakes import FakeWriterStore


def processor(store, hub=None, **kwargs):
    woken = []
    p = EventProcessor(store, hub or Hub(), MailPolicy(), MailRenderer(), "Rostrum <list@un.example>",
                       on_mail=lambda: woken.append(1), **kwargs)  # fmt: skip
    return p, woken


async def test_events_are_stored_with_their_e_mails_and_streamed():
    store, hub = FakeWriterStore(), Hub()
    p, woken = processor(store, hub)
    m = MeetingScript()
    subscriber = hub.subscribe(m.meeting_id)
    for event in m.set_up() + m.inscribe("Ireland", emails=["ie@example.org"]):
        assert await p.handle(event) is True
    assert store.states[m.meeting_id].seq == 3
    [job] = store.jobs.values()
    assert job.kind == "confirmed" and job.to == ["ie@example.org"] and job.message_id.endswith("@un.example>")
    assert "Ireland" in job.subject and job.html.lstrip().startswith("<!doctype html>")
    assert woken == [1]
    assert [f.seq for f in subscriber.take()] == [1, 2, 3]


async def test_a_replay_after_a_restart_changes_nothing():
    store = FakeWriterStore()
    m = MeetingScript()
    events = m.set_up() + m.inscribe("Ireland") + m.inscribe("Ghana")
    p, _ = processor(store)
    for event in events:
        await p.handle(event)
    commits, jobs = store.commits, dict(store.jobs)
    restarted, woken = processor(store)  # a new process: nothing cached, the store has it all
    for event in events:
        assert await restarted.handle(event) is False
    assert store.commits == commits and store.jobs == jobs and woken == []


async def test_another_writer_first_still_streams_and_enqueues_nothing_twice():
    store, hub = FakeWriterStore(), Hub()
    m = MeetingScript()
    events = m.set_up() + m.inscribe("Ireland")
    first, _ = processor(store)
    second, woken = processor(store, hub)
    subscriber = hub.subscribe(m.meeting_id)
    await second.handle(events[0])
    for event in events[1:]:
        await first.handle(event)  # the other replica stores these first...
    for event in events[1:]:
        assert await second.handle(event) is False  # ...this one finds them stored...
    assert [f.seq for f in subscriber.take()] == [1, 2, 3]  # ...and still streams them to its clients
    assert len(store.jobs) == 1 and woken == []


async def test_with_e_mail_off_nothing_is_planned():
    store = FakeWriterStore()
    p, _ = processor(store, mail_enabled=False)
    m = MeetingScript()
    for event in m.set_up() + m.inscribe("Ireland"):
        await p.handle(event)
    assert store.jobs == {} and store.states[m.meeting_id].seq == 3
