"""Exactly once across a crash: the notifier is killed (SIGKILL) in the middle of a burst of events and
e-mails, then started again; every e-mail arrives once, and the read model and the streams carry on.

The kill comes from inside the SMTP server, so that it lands exactly where it matters: with an e-mail in
flight, before its DATA (it must be sent again) or after the server took it but before the notifier heard
the answer (it must not be sent again: it is recorded as uncertain instead)."""

import asyncio
import os
import signal
import time

import httpx
import pytest

from tests.integration.notifier.support import SseReader, eventually, expected_mails, produce, start_notifier
from tests.unit.notifier.factory import MeetingScript


@pytest.fixture(scope="module")
def notifier(tmp_path_factory, smtp):
    # One e-mail in flight at a time: the kill point is then exact.
    n = start_notifier(tmp_path_factory.mktemp("restart"), smtp, ROSTRUM_MAIL_CONCURRENCY="1")
    yield n
    n.stop()


def burst():
    m = MeetingScript()
    events = m.set_up() + m.open_floor()
    ids = []
    for i in range(20):
        batch = m.inscribe(f"Delegation {i}")
        ids.append(batch[0].inscription.inscription_id)
        events += batch
    events += m.move(ids[3], 18) + m.speak(150) + m.speak(190) + m.call_next() + m.absent()
    events += m.close(not_reached=ids[-4:]) + m.speak(100) + m.conclude()
    return m, events


async def trickle(topic, events, every: int = 6, pause: float = 0.05):
    """The burst as it comes from the queue: a few events at a time."""
    for start in range(0, len(events), every):
        await produce(topic, events[start : start + every])
        await asyncio.sleep(pause)


async def crash_and_recover(notifier, smtp, phase: str, at: int):
    m, events = burst()
    expected = expected_mails(events)
    total = sum(expected.values())
    killed = []

    def hook(current_phase, received):
        if current_phase == phase and received >= at and not killed and notifier.process.proc.poll() is None:
            killed.append(received)
            os.kill(notifier.process.proc.pid, signal.SIGKILL)

    smtp.catcher.hook = hook
    try:
        producing = asyncio.create_task(trickle(notifier.topic, events))
        await eventually(lambda: killed, what="the kill")
        await producing
        notifier.process.proc.wait(10)
        before = smtp.catcher.keys(m.meeting_id)
        assert sum(before.values()) < total, "the burst was over before the kill: nothing was tested"
        smtp.catcher.hook = None
        notifier.restart()
        await eventually(lambda: len(smtp.catcher.for_meeting(m.meeting_id)) >= total, timeout=60,
                         what="every e-mail after the restart")  # fmt: skip
        await asyncio.sleep(2)  # a duplicate would have come by now
        assert smtp.catcher.keys(m.meeting_id) == expected
    finally:
        smtp.catcher.hook = None
    listed = notifier.wait_seq(m.meeting_id, m.seq)
    assert listed["status"] == "concluded"
    record = notifier.get(f"/v1/meetings/{m.meeting_id}/record").json()
    assert len(record["speeches"]) == 3  # each speech once: the events replayed after the kill changed nothing
    return m


async def test_killed_before_an_e_mail_s_data_it_is_sent_again_once(notifier, smtp):
    m = await crash_and_recover(notifier, smtp, "rcpt", at=8)
    failures = notifier.get(f"/v1/meetings/{m.meeting_id}/mail-failures").json()
    assert failures["failures"] == [] and failures["counts"]["pending"] == 0


async def test_killed_after_the_server_took_an_e_mail_it_is_not_sent_twice(notifier, smtp):
    m = await crash_and_recover(notifier, smtp, "data", at=8)
    failures = await eventually(
        lambda: (body := notifier.get(f"/v1/meetings/{m.meeting_id}/mail-failures").json())["failures"] and body,
        what="the uncertain e-mail recorded",
    )
    [uncertain] = failures["failures"]
    assert uncertain["state"] == "uncertain" and "maybe delivered" in uncertain["error"]
    assert failures["counts"]["uncertain"] == 1 and failures["counts"]["pending"] == 0


async def test_a_display_resumes_after_the_restart_without_gap_or_duplicate(notifier):
    m = MeetingScript()
    await produce(notifier.topic, m.set_up() + m.inscribe("Ireland"))
    notifier.wait_seq(m.meeting_id, m.seq)
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("GET", f"{notifier.url}/v1/meetings/{m.meeting_id}/stream") as response:
            first = await SseReader(response).next()
    assert first.event == "snapshot" and first.id == "3"

    notifier.process.kill()
    await produce(notifier.topic, m.inscribe("Ghana") + m.inscribe("Japan"))
    started = time.monotonic()
    notifier.restart()
    notifier.wait_seq(m.meeting_id, m.seq, timeout=60)
    async with httpx.AsyncClient(timeout=10) as client:
        headers = {"Last-Event-ID": "3"}
        async with client.stream("GET", f"{notifier.url}/v1/meetings/{m.meeting_id}/stream", headers=headers) as r:
            reader = SseReader(r)
            got = [await reader.next() for _ in range(4)]
    assert [(g.event, g.id) for g in got] == [("InscriptionAccepted", "4"), ("ListChanged", "5"),
                                              ("InscriptionAccepted", "6"), ("ListChanged", "7")]  # fmt: skip
    assert time.monotonic() - started < 60
