"""The service's own read of the events topic: inscription status, position and estimate, rejections with
their reason, deduplication by (meeting, seq); and swaps by consent, which need inscriptions on the list.
The events come from a stand-in for the queue publishing contract events on the real broker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.contracts import (
    CommandRejected,
    InscriptionAccepted,
    InscriptionWithdrawn,
    ListChanged,
    ListClosed,
    ListEntry,
    SpeakerCalled,
    SpeechEnded,
    SpeechRecord,
    SpeechStarted,
    SwapSpeakers,
)
from tests.integration.registration.conftest import T0, eventually, inscription

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def inscribe(reg, meeting_id: str, who: str) -> dict:
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/inscriptions", json={"speaker_name": f"Rep. of {who}"},
                              headers=reg.auth(who))  # fmt: skip
    assert r.status_code == 202, r.text
    return r.json()


async def accept(reg, meeting_id: str, answers: list[dict]) -> None:
    """What the queue would publish: each inscription accepted, then the list."""
    entries = []
    for position, answer in enumerate(answers, start=1):
        name = f"Rep. of {answer['delegation']}"
        ins = inscription(answer["inscription_id"], answer["delegation"], speaker_name=name)
        at = T0 + timedelta(minutes=3 * position)
        await reg.queue.emit(InscriptionAccepted, meeting_id, command_id=answer["command_id"], inscription=ins,
                             position=position, estimated_at=at)  # fmt: skip
        entries.append(ListEntry(position=position, inscription=ins, estimated_at=at))
    await reg.queue.emit(ListChanged, meeting_id, version=1, reason="inscribed", speakers=entries, closed=False)


async def status_of(reg, meeting_id: str, answer: dict, who: str = "secretariat") -> dict:
    r = await reg.client.get(f"/v1/meetings/{meeting_id}/inscriptions/{answer['inscription_id']}",
                             headers=reg.auth(who))  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()


async def until(reg, meeting_id, answer, predicate, what):
    async def check():
        found = await status_of(reg, meeting_id, answer)
        return predicate(found) and found

    return await eventually(check, what=what)


async def test_an_accepted_inscription_shows_its_place_and_estimate_kept_current(reg):
    meeting_id = await reg.set_up()
    ireland, ghana = await inscribe(reg, meeting_id, "Ireland"), await inscribe(reg, meeting_id, "Ghana")
    await accept(reg, meeting_id, [ireland, ghana])
    found = await until(reg, meeting_id, ghana, lambda s: s["status"] == "accepted", "Ghana accepted")
    assert found["position"] == 2 and found["estimated_at"].startswith("2017-09-06T14:56")
    assert found["details"]["speaker_name"] == "Rep. of Ghana" and found["likely_reached"] is True

    # The secretariat moved Ghana first: the queue's new list reorders both.
    g, i = inscription(ghana["inscription_id"], "Ghana"), inscription(ireland["inscription_id"], "Ireland")
    speakers = [ListEntry(position=1, inscription=g, estimated_at=T0),
                ListEntry(position=2, inscription=i, likely_reached=False)]  # fmt: skip
    await reg.queue.emit(ListChanged, meeting_id, version=2, reason="moved", closed=False, speakers=speakers)
    found = await until(reg, meeting_id, ireland, lambda s: s["position"] == 2, "Ireland second")
    assert found["estimated_at"] is None and found["likely_reached"] is False
    assert (await status_of(reg, meeting_id, ghana))["position"] == 1

    # Ireland withdraws; the list no longer holds it.
    await reg.queue.emit(InscriptionWithdrawn, meeting_id, command_id="w1", inscription_id=i.inscription_id,
                         delegation="Ireland")  # fmt: skip
    await reg.queue.emit(ListChanged, meeting_id, version=3, reason="withdrawn", closed=False,
                         speakers=[ListEntry(position=1, inscription=g)])  # fmt: skip
    found = await until(reg, meeting_id, ireland, lambda s: s["status"] == "withdrawn", "Ireland withdrawn")
    assert found["position"] is None
    r = await reg.client.delete(f"/v1/meetings/{meeting_id}/inscriptions/{ireland['inscription_id']}",
                                headers=reg.auth("Ireland"))  # fmt: skip
    assert r.status_code == 409 and "withdrawn" in r.json()["detail"]


async def test_a_refused_inscription_shows_the_queues_reason(reg):
    meeting_id = await reg.set_up()
    await reg.queue.emit(ListClosed, meeting_id)
    brazil = await inscribe(reg, meeting_id, "Brazil")
    # The queue names the command (and need not name the inscription): it is matched by command_id.
    await reg.queue.emit(CommandRejected, meeting_id, command_id=brazil["command_id"],
                         command_type="InscribeSpeaker", reason_code="list_closed",
                         reason="The list of speakers is closed.", delegation="Brazil")  # fmt: skip
    found = await until(reg, meeting_id, brazil, lambda s: s["status"] == "rejected", "Brazil rejected")
    assert found["reason_code"] == "list_closed" and found["reason"] == "The list of speakers is closed."
    command = await reg.client.get(f"/v1/meetings/{meeting_id}/commands/{brazil['command_id']}",
                                   headers=reg.auth("Brazil"))  # fmt: skip
    assert command.json()["status"] == "rejected" and command.json()["reason_code"] == "list_closed"
    assert (await reg.client.get(f"/v1/meetings/{meeting_id}", headers=reg.auth("Brazil"))).json()["closed"] is True


async def test_a_refused_floor_command_reaches_the_chair(reg):
    meeting_id = await reg.set_up()
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/floor/call-next", headers=reg.auth("chair"))
    command_id = r.json()["command_id"]
    await reg.queue.emit(CommandRejected, meeting_id, command_id=command_id, command_type="CallNextSpeaker",
                         reason_code="list_empty", reason="Nobody is waiting to speak.")  # fmt: skip

    async def rejected():
        r = await reg.client.get(f"/v1/meetings/{meeting_id}/commands/{command_id}", headers=reg.auth("chair"))
        return r.json()["status"] == "rejected" and r.json()

    found = await eventually(rejected, what="the rejection")
    assert found["reason"] == "Nobody is waiting to speak." and found["issued_by_role"] == "chair"
    r = await reg.client.get(f"/v1/meetings/{meeting_id}/commands/{command_id}", headers=reg.auth("Ireland"))
    assert r.status_code == 403
    r = await reg.client.get(f"/v1/meetings/{meeting_id}/commands/{command_id}", headers=reg.auth("display"))
    assert r.status_code == 403
    r = await reg.client.get(f"/v1/meetings/{meeting_id}/commands/nope", headers=reg.auth("chair"))
    assert r.status_code == 404


async def test_events_are_applied_once_by_meeting_and_seq(reg):
    meeting_id = await reg.set_up()
    france = await inscribe(reg, meeting_id, "France")
    await accept(reg, meeting_id, [france])
    await until(reg, meeting_id, france, lambda s: s["status"] == "accepted", "France accepted")
    f = inscription(france["inscription_id"], "France")
    # A replay of seq 3 (the first ListChanged) with other content changes nothing...
    await reg.queue.emit(ListChanged, meeting_id, seq=3, version=9, reason="replayed", closed=True,
                         speakers=[ListEntry(position=7, inscription=f)])  # fmt: skip
    # ...while the next seq does.
    await reg.queue.emit(SpeakerCalled, meeting_id, inscription=f, limit_seconds=180)
    found = await until(reg, meeting_id, france, lambda s: s["status"] == "called", "France called")
    assert found["position"] is None
    meeting = (await reg.client.get(f"/v1/meetings/{meeting_id}", headers=reg.auth("chair"))).json()
    assert meeting["closed"] is False and meeting["state"]["list_version"] == "1"

    await reg.queue.emit(SpeechStarted, meeting_id, inscription_id=f.inscription_id, limit_seconds=180,
                         deadline_at=T0, pre_warning_at=T0)  # fmt: skip
    await until(reg, meeting_id, france, lambda s: s["status"] == "speaking", "France speaking")
    record = SpeechRecord(inscription=f, called_at=T0, started_at=T0, ended_at=T0, limit_seconds=180,
                          duration_seconds=170.2, overrun_seconds=0)  # fmt: skip
    await reg.queue.emit(SpeechEnded, meeting_id, record=record)
    found = await until(reg, meeting_id, france, lambda s: s["status"] == "spoken", "France spoken")
    r = await reg.client.delete(f"/v1/meetings/{meeting_id}/inscriptions/{france['inscription_id']}",
                                headers=reg.auth("France"))  # fmt: skip
    assert r.status_code == 409


# --- swaps ---------------------------------------------------------------------------------------


async def test_delegations_swap_by_consent_of_both(reg):
    meeting_id = await reg.set_up()
    ireland, ghana = await inscribe(reg, meeting_id, "Ireland"), await inscribe(reg, meeting_id, "Ghana")
    await accept(reg, meeting_id, [ireland, ghana])
    await until(reg, meeting_id, ghana, lambda s: s["status"] == "accepted", "both accepted")
    url = f"/v1/meetings/{meeting_id}/list/swap"
    pair = {"first_inscription_id": ireland["inscription_id"], "second_inscription_id": ghana["inscription_id"]}
    reverse = {"first_inscription_id": ghana["inscription_id"], "second_inscription_id": ireland["inscription_id"]}

    assert (await reg.client.post(url, json=pair, headers=reg.auth("Brazil"))).status_code == 403
    assert (await reg.client.post(url, json=pair, headers=reg.auth("chair"))).status_code == 403
    assert (await reg.client.post(url, json=pair, headers=reg.auth("display"))).status_code == 403

    proposed = await reg.client.post(url, json=pair, headers=reg.auth("Ireland"))
    assert proposed.status_code == 202, proposed.text
    assert proposed.json()["status"] == "awaiting_consent" and proposed.json()["awaiting"] == "Ghana"
    assert not [c for c in await reg.commands() if isinstance(c, SwapSpeakers) and c.meeting_id == meeting_id]

    swaps = f"/v1/meetings/{meeting_id}/list/swaps"
    seen = (await reg.client.get(swaps, headers=reg.auth("Ghana"))).json()
    assert [p["proposed_by"] for p in seen] == ["Ireland"]
    assert (await reg.client.get(swaps, headers=reg.auth("France"))).json() == []
    assert len((await reg.client.get(swaps, headers=reg.auth("chair"))).json()) == 1

    again = await reg.client.post(url, json=pair, headers=reg.auth("Ireland"))  # asking twice changes nothing
    assert again.json()["status"] == "awaiting_consent"

    consent = await reg.client.post(url, json=reverse, headers=reg.auth("Ghana"))
    assert consent.status_code == 202 and consent.json()["status"] == "published", consent.text
    [swap] = [c for c in await reg.commands() if isinstance(c, SwapSpeakers) and c.meeting_id == meeting_id]
    assert swap.message_id == consent.json()["command_id"]
    assert (swap.first_inscription_id, swap.second_inscription_id) == (ireland["inscription_id"],
                                                                       ghana["inscription_id"])  # fmt: skip
    assert (await reg.client.get(swaps, headers=reg.auth("chair"))).json() == []


async def test_a_proposal_can_be_dropped_and_the_secretariat_swaps_directly(reg):
    meeting_id = await reg.set_up()
    ireland, ghana = await inscribe(reg, meeting_id, "Ireland"), await inscribe(reg, meeting_id, "Ghana")
    url = f"/v1/meetings/{meeting_id}/list/swap"
    pair = {"first_inscription_id": ireland["inscription_id"], "second_inscription_id": ghana["inscription_id"]}
    pending = await reg.client.post(url, json=pair, headers=reg.auth("Ireland"))
    assert pending.status_code == 409 and "not waiting" in pending.json()["detail"]  # not yet on the list

    await accept(reg, meeting_id, [ireland, ghana])
    await until(reg, meeting_id, ghana, lambda s: s["status"] == "accepted", "both accepted")
    proposal_id = (await reg.client.post(url, json=pair, headers=reg.auth("Ireland"))).json()["proposal_id"]
    drop = f"/v1/meetings/{meeting_id}/list/swaps/{proposal_id}"
    assert (await reg.client.delete(drop, headers=reg.auth("France"))).status_code == 403
    assert (await reg.client.delete(drop, headers=reg.auth("Ghana"))).json()["status"] == "dropped"
    assert (await reg.client.delete(drop, headers=reg.auth("Ghana"))).status_code == 404
    # Dropped: Ghana's post is now a new proposal, awaiting Ireland.
    answer = await reg.client.post(url, json=pair, headers=reg.auth("Ghana"))
    assert answer.json()["status"] == "awaiting_consent" and answer.json()["awaiting"] == "Ireland"

    direct = await reg.client.post(url, json=pair, headers=reg.auth("secretariat"))
    assert direct.status_code == 202 and direct.json()["status"] == "published"
    [swap] = [c for c in await reg.commands() if isinstance(c, SwapSpeakers) and c.meeting_id == meeting_id]
    assert swap.issued_by.role == "secretariat"
    # Publishing the swap retires the proposal for the same pair.
    assert (await reg.client.get(f"/v1/meetings/{meeting_id}/list/swaps", headers=reg.auth("chair"))).json() == []


async def test_no_swap_proposals_where_the_meeting_allows_no_swaps(reg):
    seed_ordering = {"precedence_by_level": False, "allow_swaps": False, "absent": {"action": "end_of_list"}}
    meeting_id = await reg.set_up(ordering=seed_ordering)
    ireland, ghana = await inscribe(reg, meeting_id, "Ireland"), await inscribe(reg, meeting_id, "Ghana")
    await accept(reg, meeting_id, [ireland, ghana])
    await until(reg, meeting_id, ghana, lambda s: s["status"] == "accepted", "both accepted")
    pair = {"first_inscription_id": ireland["inscription_id"], "second_inscription_id": ghana["inscription_id"]}
    r = await reg.client.post(f"/v1/meetings/{meeting_id}/list/swap", json=pair, headers=reg.auth("Ireland"))
    assert r.status_code == 409 and "does not allow swaps" in r.json()["detail"]
