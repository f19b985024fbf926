"""How the worker treats what the SMTP server says: sent, retried with backoff, or failed for good."""

import asyncio

import aiosmtplib
import pytest

from services.notifier.mail.outbox import Claimed, Job, mask
from services.notifier.mail.worker import MailWorker, PermanentFailure, TemporaryFailure, backoff, classify


def job(**kw) -> Job:
    return Job(job_id="j1", meeting_id="m", key="next:i1", kind="next", to=["a@example.org"], subject="s",
               text="t", html="<p>h</p>", message_id="<j1@x>", created_at="2017-09-06T15:00", **kw)  # fmt: skip


class FakeOutbox:
    def __init__(self):
        self.calls = []

    async def committing(self, job):
        pass

    async def uncertain(self, job, now, error):
        self.calls.append(("uncertain", job.job_id, error))

    async def sent(self, job, now, refused=None):
        self.calls.append(("sent", job.job_id, refused))

    async def retry(self, job, now, delay, error):
        self.calls.append(("retry", job.job_id, round(delay, 3), error))

    async def failed(self, job, now, error):
        self.calls.append(("failed", job.job_id, error))


class FakeSender:
    def __init__(self, outcome):
        self.outcome = outcome

    async def send(self, job, on_commit=None):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        await on_commit()
        return self.outcome


def worker(outcome, max_attempts=3):
    outbox = FakeOutbox()
    w = MailWorker(outbox, FakeSender(outcome), lease_seconds=60, poll_seconds=1, retry_base=2, retry_max=60,
                   max_attempts=max_attempts)  # fmt: skip
    return w, outbox


def test_classify():
    assert isinstance(classify(aiosmtplib.SMTPDataError(451, "try later")), TemporaryFailure)
    assert isinstance(classify(aiosmtplib.SMTPDataError(554, "no")), PermanentFailure)
    assert isinstance(classify(aiosmtplib.SMTPSenderRefused(553, "bad sender", "x@y")), PermanentFailure)
    assert isinstance(classify(aiosmtplib.SMTPConnectError("refused")), TemporaryFailure)
    assert isinstance(classify(aiosmtplib.SMTPServerDisconnected("gone")), TemporaryFailure)
    assert isinstance(classify(TimeoutError()), TemporaryFailure)
    assert isinstance(classify(ConnectionRefusedError()), TemporaryFailure)
    all_refused = aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "no such user", "a@x")])
    assert isinstance(classify(all_refused), PermanentFailure)
    busy = aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(450, "busy", "a@x")])
    assert isinstance(classify(busy), TemporaryFailure)


def test_backoff_grows_and_is_capped():
    delays = [backoff(n, 2, 60, jitter=0) for n in range(1, 9)]
    assert delays == [2, 4, 8, 16, 32, 60, 60, 60]
    assert 1.6 <= backoff(1, 2, 60) <= 2.4


@pytest.mark.parametrize(
    "outcome, attempts, expected",
    [
        ({}, 1, ("sent", "j1", {})),
        ({"b@example.org": "550 no"}, 1, ("sent", "j1", {"b@example.org": "550 no"})),
        (TemporaryFailure("451 later"), 1, ("retry", "j1", 2.0, "451 later")),
        (TemporaryFailure("451 later"), 3, ("failed", "j1", "gave up after 3 attempts: 451 later")),
        (PermanentFailure("550 no"), 1, ("failed", "j1", "550 no")),
        # Lost after DATA began, no answer: maybe delivered, never sent twice.
        (TemporaryFailure("disconnected", committed=True), 1, ("uncertain", "j1", "disconnected")),
    ],
)
async def test_deliver(outcome, attempts, expected, monkeypatch):
    monkeypatch.setattr("services.notifier.mail.worker.random.uniform", lambda a, b: 1.0)
    w, outbox = worker(outcome)
    await w.deliver(Claimed(job=job(), attempts=attempts))
    assert outbox.calls == [expected]


def test_addresses_are_masked_where_they_are_shown():
    assert mask("ie-mission@example.org") == "ie…@example.org"
    assert mask("nonsense") == "…"


def test_addresses_in_server_messages_are_masked():
    from services.notifier.mail.outbox import mask_text

    text = "all recipients refused: nobody@example.org: 550 no"
    assert mask_text(text) == "all recipients refused: no…@example.org: 550 no"
    assert mask_text(None) is None


class HangingSender:
    def __init__(self, commit_first: bool):
        self.commit_first = commit_first

    async def send(self, job, on_commit=None):
        if self.commit_first:
            await on_commit()
        await asyncio.sleep(60)


@pytest.mark.parametrize("commit_first, outcome", [(False, "retry"), (True, "uncertain")])
async def test_a_send_that_outlasts_its_lease_is_given_up(commit_first, outcome):
    outbox = FakeOutbox()
    w = MailWorker(outbox, HangingSender(commit_first), lease_seconds=0.2, poll_seconds=1, retry_base=2,
                   retry_max=60, max_attempts=3)  # fmt: skip
    await w.deliver(Claimed(job=job(), attempts=1))
    assert outbox.calls[0][0] == outcome
