"""The order of the list of speakers.

By default speakers are called in the order in which they asked to speak (GA rule 68);
a meeting may refine that by category tiers, group statements first and precedence by
level of representation. The secretariat may still move speakers by hand, and an absent
delegation is moved down, so the list keeps an explicit order: a new inscription goes
where its key puts it among the others, and moves only rearrange what is there.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

from services.contracts.meeting import Category, Level, OrderingPolicy

SpeakingKey = tuple[int, int, int, int, int]

# Heads of State, Vice-Presidents, Crown Princes or Princesses and Heads of Government have equal
# standing; then ministers; then vice-ministers; then every other head of delegation.
_LEVEL_RANK = {
    Level.head_of_state_or_government: 0,
    Level.minister: 1,
    Level.vice_minister: 2,
    Level.head_of_delegation: 3,
    Level.other: 3,
}


class SpeakingOrder:
    """Where a meeting's policy puts an inscription, as a key: lower keys speak earlier."""

    def __init__(self, policy: OrderingPolicy):
        self._tier = {category: index for index, tier in enumerate(policy.category_tiers) for category in tier}
        self._group_first = policy.group_statements_first
        self._by_level = policy.precedence_by_level

    def key(self, category: Category, level: Level, order_of_inscription: int, reply: int = 0) -> SpeakingKey:
        if reply:
            # Replies come after every statement, first replies before second ones (GA rules, annex V).
            return (1, reply, 0, 0, order_of_inscription)
        return (
            0,
            self._tier[category],
            int(self._group_first and category is not Category.group),
            _LEVEL_RANK[level] if self._by_level else 0,
            order_of_inscription,
        )


class SpeakersList:
    """The waiting speakers, in the order they will be called (index 0 is next).

    Speakers placed by hand (moved, swapped, moved down when absent, re-added) keep the place
    they were given; everyone else stays in key order. A new inscription goes just before the
    first speaker in key order whose key is greater than its own: so a delegation sent to the
    end of the list when absent does not drag later Member States behind civil society.
    """

    # Finding a speaker in a long list: each speaker's index as last known (`_at`), off by at most the
    # number of insertions and removals made since (`_moved`), so the search covers only that window.
    # Once the window is this wide, the indexes are taken afresh (one pass over the list, in C).
    _WIDEST_SEARCH = 256

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._keys: dict[str, SpeakingKey] = {}
        self._by_hand: set[str] = set()
        self._at: dict[str, int] = {}
        self._moved = 0

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, inscription_id: str) -> bool:
        return inscription_id in self._keys

    @property
    def ids(self) -> Sequence[str]:
        return self._ids

    @property
    def placed_by_hand(self) -> AbstractSet[str]:
        return self._by_hand

    @classmethod
    def restore(cls, entries: Iterable[tuple[str, SpeakingKey]], placed_by_hand: Iterable[str]) -> SpeakersList:
        speakers = cls()
        for inscription_id, key in entries:
            speakers._ids.append(inscription_id)
            speakers._keys[inscription_id] = key
        speakers._by_hand.update(placed_by_hand)
        speakers._take_indexes()
        return speakers

    def index(self, inscription_id: str) -> int:
        """Where a speaker is: a search in the window its index can have moved in, not the whole list. On a
        10,000-speaker list, whole-list searches were a third of the domain's work (bench/queue_throughput.py)."""
        ids = self._ids
        if len(ids) <= 2 * self._moved:
            return ids.index(inscription_id)
        at = self._at.get(inscription_id)
        if at is None:  # not on the list: the whole list is searched, and raises ValueError as a list does
            return ids.index(inscription_id)
        index = ids.index(inscription_id, max(0, at - self._moved), at + self._moved + 1)
        self._at[inscription_id] = index
        return index

    def _shifted(self) -> None:
        """Counts an insertion or a removal: each moves every speaker after it by one place."""
        self._moved += 1
        if self._moved >= self._WIDEST_SEARCH:
            self._take_indexes()

    def _take_indexes(self) -> None:
        self._at = dict(zip(self._ids, range(len(self._ids)), strict=True))
        self._moved = 0

    def place(self, inscription_id: str, key: SpeakingKey) -> int:
        """Inserts by key; returns the index."""
        ids, keys, by_hand = self._ids, self._keys, self._by_hand
        if not by_hand:  # all in key order
            index = len(ids) if not ids or keys[ids[-1]] <= key else bisect_right(ids, key, key=keys.__getitem__)
        else:
            index = len(ids)
            for i in range(len(ids) - 1, -1, -1):
                if ids[i] in by_hand:
                    continue
                if keys[ids[i]] <= key:
                    break
                index = i
        ids.insert(index, inscription_id)
        keys[inscription_id] = key
        self._at[inscription_id] = index
        self._shifted()
        return index

    def insert(self, inscription_id: str, key: SpeakingKey, index: int) -> int:
        """Puts a speaker at a place by hand, whatever its key; returns the index."""
        index = min(index, len(self._ids))
        self._ids.insert(index, inscription_id)
        self._keys[inscription_id] = key
        self._by_hand.add(inscription_id)
        self._at[inscription_id] = index
        self._shifted()
        return index

    def remove(self, inscription_id: str) -> int:
        index = self.index(inscription_id)
        del self._ids[index]
        del self._keys[inscription_id]
        self._by_hand.discard(inscription_id)
        del self._at[inscription_id]
        self._shifted()
        return index

    def pop_first(self) -> str:
        inscription_id = self._ids[0]
        self.remove(inscription_id)
        return inscription_id

    def move(self, inscription_id: str, index: int) -> int:
        """Moves a waiting speaker to `index`; returns the index it came from."""
        key = self._keys[inscription_id]
        origin = self.remove(inscription_id)
        self.insert(inscription_id, key, index)
        return origin

    def swap(self, first_id: str, second_id: str) -> tuple[int, int]:
        ids = self._ids
        i, j = self.index(first_id), self.index(second_id)
        ids[i], ids[j] = ids[j], ids[i]
        self._at[first_id], self._at[second_id] = j, i
        self._by_hand.update((first_id, second_id))
        return i, j
