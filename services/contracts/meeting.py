"""The meeting as the secretariat sets it up: programme, ordering policy, time limits, clock."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from services.contracts.base import Frozen

__all__ = [
    "AbsentPolicy",
    "Category",
    "ClockSetting",
    "Level",
    "MeetingSetup",
    "OrderingPolicy",
    "Segment",
    "SegmentKind",
    "Statement",
    "TimeLimits",
]


class Category(StrEnum):
    member_state = "member_state"
    group = "group"  # a statement on behalf of a group of States
    observer_state = "observer_state"
    observer_entity = "observer_entity"  # e.g. the European Union
    un_entity_or_igo = "un_entity_or_igo"
    civil_society = "civil_society"


class Level(StrEnum):
    head_of_state_or_government = "head_of_state_or_government"
    minister = "minister"
    vice_minister = "vice_minister"
    head_of_delegation = "head_of_delegation"
    other = "other"


class Statement(StrEnum):
    statement = "statement"  # on the list of speakers
    reply = "reply"  # in right of reply, on its own list at the end of the day (formal meetings only)


class SegmentKind(StrEnum):
    opening = "opening"  # opening remarks
    panel = "panel"  # remarks by panelists or other invited speakers
    floor = "floor"  # the floor is open to delegations: the list of speakers runs
    adjournment = "adjournment"  # the meeting is suspended (lunch break); the clock stops
    closing = "closing"  # summary comments and closing remarks
    concluded = "concluded"


class Segment(Frozen):
    """One item of the programme; it runs from `starts_at` until the next segment starts."""

    starts_at: datetime
    kind: SegmentKind
    title: str
    speakers: list[str] = Field(default_factory=list)

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("starts_at needs a time zone offset, e.g. 2017-09-06T10:00:00-04:00")
        return v


class AbsentPolicy(Frozen):
    """What happens to a delegation absent when called."""

    action: Literal["end_of_list", "places_down", "dropped"] = "end_of_list"
    places: int = Field(default=3, ge=1, description="how far down, with action=places_down")


class OrderingPolicy(Frozen):
    """How the list is ordered: order of inscription, refined by the meeting's own settings."""

    precedence_by_level: bool = False
    # Category tiers in order: categories in earlier tiers speak first.
    category_tiers: list[list[Category]] = Field(
        default_factory=lambda: [
            [Category.group, Category.member_state],
            [Category.observer_state, Category.observer_entity],
            [Category.un_entity_or_igo],
            [Category.civil_society],
        ]
    )
    group_statements_first: bool = False
    allow_second_inscription: bool = False
    allow_swaps: bool = True
    absent: AbsentPolicy = Field(default_factory=AbsentPolicy)

    @model_validator(mode="after")
    def _every_category_once(self) -> OrderingPolicy:
        seen = [c for tier in self.category_tiers for c in tier]
        if sorted(seen, key=lambda c: c.value) != sorted(Category, key=lambda c: c.value):
            raise ValueError("category_tiers must name every category exactly once")
        return self


class TimeLimits(Frozen):
    """Speaking time, in seconds."""

    default_seconds: int = Field(default=180, ge=10)
    per_category: dict[Category, int] = Field(default_factory=dict)
    pre_warning_seconds: int = Field(default=30, ge=0)
    changeover_seconds: int = Field(default=20, ge=0, description="assumed gap between speakers for estimates")
    # GA rules of procedure, annex V: 10 minutes for a first reply, 5 for a second.
    first_reply_seconds: int = Field(default=600, ge=10)
    second_reply_seconds: int = Field(default=300, ge=10)

    def limit_for(self, category: Category, reply: int = 0) -> int:
        """The limit of a statement, or of a delegation's first or second reply."""
        if reply:
            return self.first_reply_seconds if reply == 1 else self.second_reply_seconds
        return self.per_category.get(category, self.default_seconds)


class ClockSetting(Frozen):
    """The meeting clock. Real time by default; simulated for tests and demos:
    the meeting clock reads `starts_at` at the real moment `anchor` and runs `rate` times faster."""

    mode: Literal["real", "simulated"] = "real"
    starts_at: datetime | None = None
    rate: float = Field(default=1.0, gt=0, le=10_000)
    anchor: datetime | None = None  # real time at which the simulated clock read starts_at

    @model_validator(mode="after")
    def _simulated_needs_start(self) -> ClockSetting:
        if self.mode == "simulated" and (self.starts_at is None or self.anchor is None):
            raise ValueError("a simulated clock needs starts_at and anchor")
        return self


class MeetingSetup(Frozen):
    """Everything the secretariat decides about a meeting before it opens."""

    title: str
    venue: str = ""
    timezone: str = "UTC"
    programme: list[Segment]
    ordering: OrderingPolicy = Field(default_factory=OrderingPolicy)
    time_limits: TimeLimits = Field(default_factory=TimeLimits)
    inscription_opens_at: datetime | None = None
    inscription_closes_at: datetime | None = None
    right_of_reply: bool = False  # formal meetings only: informal dialogues have none
    clock: ClockSetting = Field(default_factory=ClockSetting)
    # Addresses a delegation may register from by e-mail: delegation -> addresses.
    delegation_addresses: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("programme")
    @classmethod
    def _in_order(cls, v: list[Segment]) -> list[Segment]:
        if not v:
            raise ValueError("the programme needs at least one segment")
        if any(b.starts_at <= a.starts_at for a, b in zip(v, v[1:], strict=False)):
            raise ValueError("programme segments must be in time order")
        return v
