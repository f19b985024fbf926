"""The first meeting served, played through: the General Assembly's informal interactive dialogue
on the Responsibility to Protect, 6 September 2017, with its record 81 speakers."""

import random
from datetime import timedelta

from services.contracts import (
    CallNextSpeaker,
    Category,
    CommandRejected,
    EndSpeech,
    EstimatesChanged,
    ListChanged,
    MarkAbsent,
    MeetingAdjourned,
    MeetingConcluded,
    MeetingResumed,
    PreWarningGiven,
    SegmentBegan,
    SpeakerAbsent,
    StartSpeech,
    TimeUp,
)
from tests.unit.queue.helpers import Session, at, of_type, one

OBSERVER_STATES = ["Holy See", "State of Palestine"]
CIVIL_SOCIETY = [
    "Global Centre for the Responsibility to Protect",
    "International Coalition for the Responsibility to Protect",
    "Asia Pacific Centre for the Responsibility to Protect",
    "Stanley Foundation",
    "World Federalist Movement",
]
CHANGEOVER = timedelta(seconds=20)


class Chair:
    """Calls the next speaker while the floor is open, but nobody who could not finish before the
    break; speeches last two and a half to three and a third minutes. Member State 07 is out of
    the room when first called."""

    def __init__(self, s: Session):
        self.s = s
        self.lengths = random.Random(2017)

    def preside_until(self, until) -> None:
        s = self.s
        when = s.meeting.now
        while when < until and not s.meeting.concluded:
            next_due = s.meeting.next_deadline()  # a programme change (or a publication held back)
            if next_due is not None and next_due - when < timedelta(seconds=200):
                s.advance(next_due)
                when = next_due
                continue
            if of_type(s.do(CallNextSpeaker, when), CommandRejected):
                if next_due is None or next_due > until:
                    return
                s.advance(next_due)
                when = next_due
                continue
            when += CHANGEOVER
            if s.meeting.floor.inscription.delegation == "Member State 07" and not of_type(s.events, SpeakerAbsent):
                s.do(MarkAbsent, when)
                continue
            when = self.speak(when, self.lengths.randint(150, 200))

    def speak(self, when, seconds: int):
        self.s.do(StartSpeech, when)
        end = when + timedelta(seconds=seconds)
        while (due := self.s.meeting.next_deadline()) is not None and due < end:
            self.s.advance(due)
        self.s.do(EndSpeech, end)
        return end


def inscribe_81(s: Session, chair: Chair) -> list[tuple[str, Category]]:
    """Requests arrive by e-mail over the day before, a few more during the morning session;
    civil society and observers are among the first to write."""
    arrivals: list[tuple[str, Category]] = [(f"Member State {n:02d}", Category.member_state) for n in range(1, 74)]
    arrivals[3:3] = [(name, Category.civil_society) for name in CIVIL_SOCIETY[:3]]
    arrivals[20:20] = [(OBSERVER_STATES[0], Category.observer_state), ("European Union", Category.observer_entity)]
    arrivals[40:40] = [(name, Category.civil_society) for name in CIVIL_SOCIETY[3:]]
    arrivals[55:55] = [(OBSERVER_STATES[1], Category.observer_state)]
    assert len(arrivals) == 81
    for n, (delegation, category) in enumerate(arrivals):
        if n < 70:
            when = at(9, day=5) + timedelta(minutes=7 * n)
        else:  # the last eleven write during the morning's first speeches
            when = at(10, 55) + timedelta(minutes=5 * (n - 70))
        chair.preside_until(when)
        assert not of_type(s.inscribe(delegation, when, category=category), CommandRejected)
    return arrivals


def test_the_2017_dialogue_from_the_first_inscription_to_its_conclusion():
    s = Session(set_up_at=at(8, day=5))
    chair = Chair(s)
    arrivals = inscribe_81(s, chair)

    # With the 81st inscription, everyone could still be reached.
    last = of_type(s.events, EstimatesChanged)[-1]
    assert last.not_reached == []
    assert -60 < last.oversubscription_minutes < 0
    published = of_type(s.events, ListChanged)[-1]

    chair.preside_until(at(18, 30))
    assert s.meeting.concluded
    assert one(s.events, MeetingConcluded).not_reached == []

    # The record: Member States in the order they wrote, then the observers and the European Union,
    # then civil society; the absent delegation at the end of the list.
    by_tier = [
        [d for d, c in arrivals if c is Category.member_state and d != "Member State 07"],
        [d for d, c in arrivals if c in (Category.observer_state, Category.observer_entity)],
        [d for d, c in arrivals if c is Category.civil_society],
        ["Member State 07"],
    ]
    record = s.meeting.record
    assert [r.inscription.delegation for r in record] == [d for tier in by_tier for d in tier]
    assert len(record) == 81

    # Every speech inside the floor's hours, one after the other, with pre-warning and time up
    # given once each to those who reached them, and overrun against the three minutes.
    warned = [e.inscription_id for e in of_type(s.events, PreWarningGiven)]
    timed_up = [e.inscription_id for e in of_type(s.events, TimeUp)]
    for previous, speech in zip([None, *record], record, strict=False):
        assert at(10, 50) <= speech.called_at < speech.started_at < speech.ended_at <= at(17, 55)
        assert not (at(13) < speech.ended_at and speech.started_at < at(15))
        if previous is not None:
            assert speech.called_at >= previous.ended_at
        inscription_id = speech.inscription.inscription_id
        assert warned.count(inscription_id) == (speech.duration_seconds >= 150)
        assert timed_up.count(inscription_id) == (speech.duration_seconds >= 180)
        assert speech.overrun_seconds == max(0, speech.duration_seconds - 180)
        assert speech.duration_seconds == (speech.ended_at - speech.started_at).total_seconds()

    # The estimates published before noon held for the whole day, the lunch break included.
    called = {r.inscription.inscription_id: r.called_at for r in record}
    for entry in published.speakers:
        assert abs(called[entry.inscription.inscription_id] - entry.estimated_at) < timedelta(minutes=5)

    # The programme, each segment once and in order, with one adjournment for lunch.
    assert [b.index for b in of_type(s.events, SegmentBegan)] == list(range(8))
    assert len(of_type(s.events, MeetingAdjourned)) == len(of_type(s.events, MeetingResumed)) == 1

    # The published list is always consistent: positions in order, estimates not going backwards.
    for changed in of_type(s.events, ListChanged):
        assert [e.position for e in changed.speakers] == list(range(1, len(changed.speakers) + 1))
        times = [e.estimated_at for e in changed.speakers]
        assert times == sorted(times) and all(t >= changed.occurred_at for t in times)
    moments = [e.occurred_at for e in s.events]
    assert moments == sorted(moments)
