"""Where a new inscription goes: order of inscription, refined by the meeting's own settings."""

import random

import pytest

from services.contracts import (
    CallNextSpeaker,
    Category,
    InscriptionAccepted,
    Level,
    ListChanged,
    MarkAbsent,
    MoveSpeaker,
    OrderingPolicy,
    SwapSpeakers,
)
from services.queue.domain.ordering import SpeakersList, SpeakingOrder
from tests.unit.queue.helpers import Session, at, one, r2p_setup


def test_speakers_are_called_in_the_order_they_asked_to_speak():
    s = Session()
    for minute, delegation in enumerate(["Ireland", "Ghana", "Brazil"]):
        s.inscribe(delegation, at(9, minute))
    assert s.waiting_ids() == ["ireland", "ghana", "brazil"]


def test_an_inscription_says_its_place_and_publishes_the_whole_list():
    s = Session()
    s.inscribe("Ireland")
    events = s.inscribe("Ghana")
    assert one(events, InscriptionAccepted).position == 2
    changed = one(events, ListChanged)
    assert changed.reason == "inscribed"
    assert [e.position for e in changed.speakers] == [1, 2]
    assert [e.inscription.delegation for e in changed.speakers] == ["Ireland", "Ghana"]


def test_member_states_speak_before_observers_then_organisations_then_civil_society():
    s = Session()
    s.inscribe("Amnesty International", category=Category.civil_society)
    s.inscribe("European Union", category=Category.observer_entity)
    s.inscribe("UNDP", category=Category.un_entity_or_igo)
    s.inscribe("Holy See", category=Category.observer_state)
    s.inscribe("Ireland")
    events = s.inscribe("Ghana")
    assert one(events, InscriptionAccepted).position == 2
    assert s.waiting_ids() == ["ireland", "ghana", "european-union", "holy-see", "undp", "amnesty-international"]


def test_group_statements_come_first_when_the_meeting_says_so():
    s = Session(r2p_setup(ordering=OrderingPolicy(group_statements_first=True)))
    s.inscribe("Ireland")
    s.inscribe("Egypt", category=Category.group, on_behalf_of="Group of Arab States", inscription_id="arab-group")
    s.inscribe("Mexico")
    s.inscribe("Brazil", category=Category.group, on_behalf_of="Group of Friends of R2P", inscription_id="friends")
    assert s.waiting_ids() == ["arab-group", "friends", "ireland", "mexico"]


def test_group_statements_keep_their_turn_by_default():
    s = Session()
    s.inscribe("Ireland")
    s.inscribe("Egypt", category=Category.group, on_behalf_of="Group of Arab States", inscription_id="arab-group")
    assert s.waiting_ids() == ["ireland", "arab-group"]


def test_precedence_by_level_puts_heads_of_state_first_then_ministers_then_the_rest():
    s = Session(r2p_setup(ordering=OrderingPolicy(precedence_by_level=True)))
    s.inscribe("Ireland", level=Level.head_of_delegation)
    s.inscribe("Ghana", level=Level.minister)
    s.inscribe("Brazil", level=Level.other)
    s.inscribe("Chile", level=Level.vice_minister)
    s.inscribe("Fiji", level=Level.head_of_state_or_government)
    s.inscribe("Kenya", level=Level.minister)
    assert s.waiting_ids() == ["fiji", "ghana", "kenya", "chile", "ireland", "brazil"]


def test_level_counts_within_a_tier_not_across_tiers():
    s = Session(r2p_setup(ordering=OrderingPolicy(precedence_by_level=True)))
    s.inscribe("Ireland")
    s.inscribe("Holy See", category=Category.observer_state, level=Level.head_of_state_or_government)
    s.inscribe("Ghana", level=Level.minister)
    assert s.waiting_ids() == ["ghana", "ireland", "holy-see"]


def test_moves_by_the_secretariat_stand_and_new_inscriptions_go_after_every_speaker_with_a_key_not_above_theirs():
    s = Session()
    for delegation in ["Ireland", "Ghana", "Brazil"]:
        s.inscribe(delegation)
    s.inscribe("Amnesty International", category=Category.civil_society)
    s.do(MoveSpeaker, at(9, 40), inscription_id="brazil", position=1)
    s.do(SwapSpeakers, at(9, 41), first_inscription_id="ireland", second_inscription_id="amnesty-international")
    assert s.waiting_ids() == ["brazil", "amnesty-international", "ghana", "ireland"]
    s.inscribe("Chile", at(9, 42))
    s.inscribe("Human Rights Watch", at(9, 43), category=Category.civil_society)
    assert s.waiting_ids() == ["brazil", "amnesty-international", "ghana", "ireland", "chile", "human-rights-watch"]
    s.inscribe("Holy See", at(9, 44), category=Category.observer_state)
    assert s.waiting_ids()[-2:] == ["holy-see", "human-rights-watch"]


def test_a_delegation_sent_to_the_end_when_absent_does_not_drag_later_member_states_behind_civil_society():
    s = Session()
    s.inscribe("Ireland")
    s.inscribe("Ghana")
    s.inscribe("Amnesty International", category=Category.civil_society)
    s.advance(at(10, 50))
    s.do(CallNextSpeaker, at(10, 50))
    s.do(MarkAbsent, at(10, 51))
    assert s.waiting_ids() == ["ghana", "amnesty-international", "ireland"]
    s.inscribe("Chile", at(10, 52))
    assert s.waiting_ids() == ["ghana", "chile", "amnesty-international", "ireland"]
    s.inscribe("Human Rights Watch", at(10, 53), category=Category.civil_society)  # nobody after it in key order
    assert s.waiting_ids() == ["ghana", "chile", "amnesty-international", "ireland", "human-rights-watch"]


def test_new_inscriptions_go_before_the_first_speaker_in_key_order_whose_key_is_greater():
    """Against a plain reference, through a random mix of inscriptions and changes by hand."""
    rng = random.Random(68)
    order = SpeakingOrder(OrderingPolicy(precedence_by_level=True))
    speakers = SpeakersList()
    for n in range(3000):
        ids = list(speakers.ids)
        roll = rng.random()
        if roll < 0.6 or not ids:
            key = order.key(rng.choice(list(Category)), rng.choice(list(Level)), n)
            expected = next(
                (i for i, x in enumerate(ids) if x not in speakers.placed_by_hand and order_of(speakers, x) > key),
                len(ids),
            )
            assert speakers.place(str(n), key) == expected
        elif roll < 0.75:
            speakers.remove(rng.choice(ids))
        elif roll < 0.85:
            speakers.move(rng.choice(ids), rng.randrange(len(ids)))
        elif roll < 0.95:
            speakers.swap(rng.choice(ids), rng.choice(ids))
        else:
            speakers.pop_first()
        in_key_order = [order_of(speakers, x) for x in speakers.ids if x not in speakers.placed_by_hand]
        assert in_key_order == sorted(in_key_order)


def order_of(speakers: SpeakersList, inscription_id: str):
    return speakers._keys[inscription_id]


def test_a_speaker_is_found_where_the_list_has_them_through_any_mix_of_changes():
    """index() searches only where a speaker can have moved since last seen: checked against a plain list."""
    rng = random.Random(1945)
    order = SpeakingOrder(OrderingPolicy())
    speakers = SpeakersList()
    gone = []
    for n in range(4000):
        ids = list(speakers.ids)
        roll = rng.random()
        if roll < 0.5 or len(ids) < 2:
            speakers.place(str(n), order.key(rng.choice(list(Category)), Level.other, n))
        elif roll < 0.6:
            removed = rng.choice(ids)
            assert speakers.remove(removed) == ids.index(removed)
            gone.append(removed)
        elif roll < 0.7:
            moved, to = rng.choice(ids), rng.randrange(len(ids))
            assert speakers.move(moved, to) == ids.index(moved)
        elif roll < 0.8:
            first, second = rng.choice(ids), rng.choice(ids)
            assert speakers.swap(first, second) == (ids.index(first), ids.index(second))
        elif roll < 0.9:
            assert speakers.pop_first() == ids[0]
            gone.append(ids[0])
        elif roll < 0.91:
            speakers = SpeakersList.restore(((x, order_of(speakers, x)) for x in ids), speakers.placed_by_hand)
        ids = list(speakers.ids)
        for looked_up in rng.sample(ids, min(len(ids), 5)):
            assert speakers.index(looked_up) == ids.index(looked_up)
        if gone:
            with pytest.raises(ValueError):
                speakers.index(rng.choice(gone))
    assert [speakers.index(x) for x in speakers.ids] == list(range(len(speakers)))
