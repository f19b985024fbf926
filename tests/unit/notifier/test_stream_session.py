"""One client's stream: a snapshot or what it missed, then live, without gap or duplicate; a slow client is
dropped to a resync without holding back the others."""

import json

from services.notifier.stream.hub import Hub
from services.notifier.stream.session import Snapshots, StreamSession
from tests.unit.notifier.factory import MeetingScript
from tests.unit.notifier.fakes import FakeStore, publish


def setup(buffer: int = 256, log_size: int = 1000):
    store, hub, m = FakeStore(log_size), Hub(buffer_size=buffer), MeetingScript()
    return store, hub, m, Snapshots(store)


def seqs(frames):
    return [(f.type, f.seq) for f in frames]


async def open_session(store, hub, snapshots, m, last=None):
    session = StreamSession(store, hub, snapshots, m.meeting_id)
    first = await session.open(last)
    return session, first


async def test_a_new_client_gets_a_snapshot_then_every_event_once():
    store, hub, m, snapshots = setup()
    await publish(store, hub, m.set_up() + m.inscribe("Ireland"))
    session, first = await open_session(store, hub, snapshots, m)
    [snapshot] = first
    assert snapshot.type == "snapshot" and snapshot.seq == 3
    assert json.loads(snapshot.text)["reason"] == "connect"
    await publish(store, hub, m.inscribe("Ghana"))
    assert seqs(await session.next()) == [("InscriptionAccepted", 4), ("ListChanged", 5)]
    session.close()
    assert hub.subscribers() == 0


async def test_resume_with_last_event_id_gets_exactly_what_was_missed():
    store, hub, m, snapshots = setup()
    await publish(store, hub, m.set_up() + m.inscribe("Ireland") + m.inscribe("Ghana") + m.inscribe("Japan"))
    session, first = await open_session(store, hub, snapshots, m, last=4)
    assert seqs(first) == [("ListChanged", 5), ("InscriptionAccepted", 6), ("ListChanged", 7)]
    await publish(store, hub, m.call_next())
    assert seqs(await session.next()) == [("SpeakerCalled", 8), ("ListChanged", 9)]


async def test_resume_when_nothing_was_missed_tells_the_time():
    store, hub, m, snapshots = setup()
    await publish(store, hub, m.set_up() + m.inscribe("Ireland"))
    _, first = await open_session(store, hub, snapshots, m, last=3)
    assert seqs(first) == [("tick", 3)]


async def test_resume_from_before_the_log_gets_a_snapshot_saying_so():
    store, hub, m, snapshots = setup(log_size=10)
    events = m.set_up()
    for i in range(10):
        events += m.inscribe(f"D{i}")
    await publish(store, hub, events)
    _, first = await open_session(store, hub, snapshots, m, last=2)
    assert first[0].type == "snapshot" and json.loads(first[0].text)["reason"] == "too_old"
    assert first[0].seq == m.seq


async def test_resume_from_the_future_gets_a_snapshot_saying_so():
    store, hub, m, snapshots = setup()
    await publish(store, hub, m.set_up())
    _, first = await open_session(store, hub, snapshots, m, last=99)
    assert json.loads(first[0].text)["reason"] == "unknown_position" and first[0].seq == 1


async def test_events_stored_while_subscribing_are_neither_lost_nor_doubled():
    store, hub, m, snapshots = setup()
    await publish(store, hub, m.set_up())
    session = StreamSession(store, hub, snapshots, m.meeting_id)
    session._subscriber = hub.subscribe(m.meeting_id)  # subscribed...
    for event in m.inscribe("Ireland"):  # ...an event stored but not yet published, as the consumer does
        store.add(event)
    snapshot = await session.snapshot("connect")
    assert snapshot.seq == 3  # the snapshot has it
    await publish(store, hub, m.inscribe("Ghana"))
    # The hub missed seq 2-3 (stored before the publish loop ran): none of it is sent twice, nothing skipped.
    assert seqs(await session.next()) == [("InscriptionAccepted", 4), ("ListChanged", 5)]


async def test_a_gap_in_the_live_stream_is_filled_from_the_log():
    store, hub, m, snapshots = setup()
    await publish(store, hub, m.set_up())
    session, _ = await open_session(store, hub, snapshots, m)
    for event in m.inscribe("Ireland"):
        store.add(event)  # stored, never published to this hub
    await publish(store, hub, m.inscribe("Ghana"))
    assert seqs(await session.next()) == [("InscriptionAccepted", 2), ("ListChanged", 3),
                                          ("InscriptionAccepted", 4), ("ListChanged", 5)]  # fmt: skip


async def test_a_slow_client_is_dropped_to_a_resync_and_the_others_get_everything():
    store, hub, m, snapshots = setup(buffer=4)
    await publish(store, hub, m.set_up())
    slow, _ = await open_session(store, hub, snapshots, m)
    quick, _ = await open_session(store, hub, snapshots, m)
    got = []
    for i in range(5):
        await publish(store, hub, m.inscribe(f"D{i}"))
        got += await quick.next()
    assert [f.seq for f in got] == list(range(2, 12))
    frames = await slow.next()
    assert [f.type for f in frames] == ["resync", "snapshot"]
    assert json.loads(frames[1].text)["reason"] == "resync" and frames[1].seq == 11
    assert hub.drops >= 1
    await publish(store, hub, m.inscribe("Late"))
    assert seqs(await slow.next()) == [("InscriptionAccepted", 12), ("ListChanged", 13)]


async def test_ticks_tell_the_time_only_when_in_step():
    store, hub, m, snapshots = setup()
    await publish(store, hub, m.set_up())
    session, _ = await open_session(store, hub, snapshots, m)
    await hub.tick()
    [tick] = await session.next()
    assert tick.type == "tick" and tick.seq == 1
    assert set(json.loads(tick.text)) >= {"server_time", "meeting_time", "clock_rate", "seq"}


async def test_ticks_go_round_a_tenth_of_the_clients_at_a_time():
    store, hub, m, snapshots = setup()
    await publish(store, hub, m.set_up())
    sessions = [(await open_session(store, hub, snapshots, m))[0] for _ in range(20)]
    await hub.tick(3)
    told = [s for s in sessions if s._subscriber.pending()]
    assert len(told) == 2


async def test_one_snapshot_read_for_many_clients():
    store, hub, m, snapshots = setup()
    await publish(store, hub, m.set_up() + m.inscribe("Ireland"))
    for _ in range(50):
        await open_session(store, hub, snapshots, m)
    assert store.reads == 1
    await publish(store, hub, m.inscribe("Ghana"))
    await open_session(store, hub, snapshots, m)
    assert store.reads == 2


async def test_missing_more_than_the_picture_is_worth_gets_a_snapshot():
    store, hub, m, snapshots = setup()
    events = m.set_up()
    for i in range(20):
        events += m.inscribe(f"D{i}")
    await publish(store, hub, events)
    session = StreamSession(store, hub, snapshots, m.meeting_id)
    session.replay_limit = 5000
    first = await session.open(1)
    assert first[0].type == "snapshot" and json.loads(first[0].text)["reason"] == "too_far_behind"
