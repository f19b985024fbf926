"""Estimates: when each waiting speaker is likely to speak, and who is unlikely to be reached."""

import random

from services.contracts import (
    CallNextSpeaker,
    Category,
    EndSpeech,
    EstimatesChanged,
    Inscription,
    InscriptionAccepted,
    Level,
    ListChanged,
    StartSpeech,
    TimeLimits,
    WithdrawInscription,
)
from services.queue.domain.clock import SECOND, to_datetime, to_instant
from services.queue.domain.estimates import Basis, RollingList, into_floor
from services.queue.domain.programme import Programme
from tests.unit.queue.helpers import Session, at, of_type, one, r2p_setup


def estimated(events) -> dict[str, tuple]:
    return {e.inscription.inscription_id: (e.estimated_at, e.likely_reached) for e in one(events, ListChanged).speakers}


def test_before_anyone_has_spoken_each_speaker_takes_the_limit_plus_the_changeover_from_the_opening_of_the_floor():
    s = Session()
    s.inscribe("Ireland")
    events = s.inscribe("Ghana")
    assert one(events, InscriptionAccepted).estimated_at == at(10, 53, 20)
    assert estimated(events) == {"ireland": (at(10, 50), True), "ghana": (at(10, 53, 20), True)}
    summary = one(events, EstimatesChanged)
    assert summary.average_speech_seconds == 180
    assert summary.estimated_end_at == at(10, 56, 20)
    assert summary.floor_closes_at == at(17, 55)


def test_the_fallback_is_each_speakers_own_category_limit():
    setup = r2p_setup(time_limits=TimeLimits(per_category={Category.civil_society: 120}))
    s = Session(setup)
    s.inscribe("Amnesty International", category=Category.civil_society)
    events = s.inscribe("Human Rights Watch", category=Category.civil_society)
    assert one(events, EstimatesChanged).estimated_end_at == at(10, 54, 20)  # 120 + 20 + 120 s


def test_once_speeches_are_heard_their_mean_duration_is_used():
    s = Session()
    for delegation in ("Ireland", "Ghana", "Chile", "Dominica"):
        s.inscribe(delegation)
    s.advance(at(10, 50))
    s.do(CallNextSpeaker, at(10, 50))
    s.do(StartSpeech, at(10, 50))
    s.do(EndSpeech, at(10, 52))  # 120 s
    s.do(CallNextSpeaker, at(10, 52, 20))
    s.do(StartSpeech, at(10, 52, 20))
    events = s.do(EndSpeech, at(10, 55, 20))  # 180 s
    assert one(events, EstimatesChanged).average_speech_seconds == 150
    # Reckoned from the next whole minute, then the mean speech and a changeover each.
    assert estimated(events) == {"chile": (at(10, 56), True), "dominica": (at(10, 58, 50), True)}
    # Chile is called: Dominica follows the mean speech and a changeover after the call.
    events = s.do(CallNextSpeaker, at(10, 56))
    assert estimated(events) == {"dominica": (at(10, 59), True)}  # 10:58:50, to the next minute
    # A speaker called but never heard does not count in the mean.
    assert one(s.do(EndSpeech, at(10, 57)), EstimatesChanged).average_speech_seconds == 150


def test_the_break_is_skipped_a_speaker_who_would_not_finish_before_it_speaks_after_it():
    s = Session()
    for delegation in ("Ireland", "Ghana", "Chile"):
        s.inscribe(delegation)
    s.advance(at(12, 50))  # and nobody called
    events = s.inscribe("Dominica", at(12, 50))
    assert estimated(events) == {
        "ireland": (at(12, 50), True),
        "ghana": (at(12, 53, 20), True),
        "chile": (at(12, 56, 40), True),  # ends 12:59:40
        "dominica": (at(15), True),
    }
    assert one(events, EstimatesChanged).estimated_end_at == at(15, 3)


def test_during_the_break_the_list_waits_for_the_afternoon():
    s = Session()
    s.inscribe("Ireland")
    s.advance(at(13, 30))
    assert one(s.inscribe("Ghana", at(13, 30)), InscriptionAccepted).estimated_at == at(15, 3, 20)


def test_speakers_who_would_not_finish_before_the_floor_closes_are_unlikely_to_be_reached():
    s = Session()
    for n in range(95):
        events = s.inscribe(f"Delegation {n}")
    # 130 min in the morning and 175 in the afternoon, 200 s a speaker: 39 + 52 speakers fit.
    flags = [e.likely_reached for e in one(events, ListChanged).speakers]
    assert flags == [True] * 91 + [False] * 4
    summary = one(events, EstimatesChanged)
    assert summary.not_reached == [f"delegation-{n}" for n in range(91, 95)]
    assert summary.oversubscription_minutes == round((95 * 200 - 305 * 60) / 60, 1)
    assert summary.oversubscription_minutes > 0
    events = s.do(WithdrawInscription, at(10, 40), inscription_id="delegation-0")
    assert one(events, EstimatesChanged).not_reached == [f"delegation-{n}" for n in range(92, 95)]


def test_spare_floor_time_shows_as_negative_oversubscription():
    s = Session()
    for n in range(81):
        events = s.inscribe(f"Delegation {n}")
    summary = one(events, EstimatesChanged)
    assert summary.not_reached == []
    assert summary.oversubscription_minutes == round((81 * 200 - 305 * 60) / 60, 1) < 0
    assert all(e.likely_reached for e in one(events, ListChanged).speakers)


def test_floor_time_left_counts_from_now_and_skips_the_break():
    s = Session()
    s.inscribe("Ireland")
    s.advance(at(16, 55))  # 60 min of floor left
    events = s.inscribe("Ghana", at(16, 55))
    assert one(events, EstimatesChanged).oversubscription_minutes == round((400 - 3600) / 60, 1)
    assert of_type(events, EstimatesChanged)[0].floor_closes_at == at(17, 55)


def test_a_place_reckoned_directly_is_the_place_the_walk_gives():
    """With one duration for all, a place is reckoned without walking the list; both must agree,
    inside the windows, across the break and past the close."""
    windows = Programme(r2p_setup().programme).floor_windows
    inscription = Inscription(
        inscription_id="x", delegation="X", category=Category.member_state, level=Level.other, inscribed_at=at(9)
    )
    ids = [f"x{n}" for n in range(120)]
    rng = random.Random(3)
    for _ in range(40):
        limits = TimeLimits(default_seconds=rng.randint(60, 600), changeover_seconds=rng.randint(0, 60))
        basis = Basis(
            start=into_floor(windows, to_instant(at(10, 40)) + rng.randint(0, 8 * 3600) * SECOND),
            average=rng.choice([None, rng.randint(30, 400) * SECOND]),
        )
        walked = RollingList(windows, limits).entries(ids, lambda _: inscription, basis)
        reckoned = RollingList(windows, limits)  # nothing walked: every place is reckoned directly
        places = [to_datetime(reckoned.estimate(ids, lambda _: inscription, basis, i)) for i in range(len(ids))]
        assert places == [entry.estimated_at for entry in walked]
