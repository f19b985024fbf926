"""What the HTTP API takes and gives, with the examples its OpenAPI page shows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, TypeAdapter, field_validator

from services.contracts import Category, Level, MeetingSetup, Statement
from services.registration.deps import ID_PATTERN, MEETING_ID_PATTERN


def _no_control_characters(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must be one line of text, without control characters (line breaks, tabs)")
    return value


Line = Annotated[str, Field(max_length=200), AfterValidator(str.strip), AfterValidator(_no_control_characters)]
Id = Annotated[str, Field(pattern=ID_PATTERN, examples=["3f5e0a7c9b1d4e2f8a6b0c1d2e3f4a5b"])]


class Request(BaseModel):
    # An unknown field is an error that names it, rather than something silently ignored.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InscriptionRequest(Request):
    delegation: Line | None = Field(
        default=None,
        min_length=1,
        description="The delegation that asks to speak. A delegation's credential may leave it out (it is then "
        "the credential's own delegation) and may not name another; the secretariat must name it.",
        examples=["Ireland"],
    )
    category: Category = Field(default=Category.member_state, description="Sets the delegation's place in the "
                               "meeting's category tiers (Member States and groups first, then observers...).")
    level: Level = Field(default=Level.other, description="Level of representation, for meetings that give "
                         "precedence by level.")
    speaker_name: Line = Field(default="", examples=["H.E. Mr. Brendan Ward"])
    speaker_title: Line = Field(default="", examples=["Deputy Permanent Representative"])
    on_behalf_of: Line | None = Field(default=None, description="For a statement on behalf of a group of States.",
                                      examples=["the Group of Friends of the Responsibility to Protect"])
    contact_emails: list[EmailStr] = Field(
        default_factory=list, max_length=10, description="Who is told when the inscription is confirmed, "
        "refused, or the delegation's turn is near.", examples=[["ireland@un.example"]]
    )  # fmt: skip
    statement: Statement = Field(default=Statement.statement, description="`reply` asks for the right of reply: "
                                 "its own list after every statement, 10 minutes for a delegation's first reply and "
                                 "5 for its second; refused in meetings without it (informal dialogues).")  # fmt: skip

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "delegation": "Ireland",
                    "category": "member_state",
                    "level": "head_of_delegation",
                    "speaker_name": "H.E. Mr. Brendan Ward",
                    "speaker_title": "Deputy Permanent Representative",
                    "contact_emails": ["ireland@un.example"],
                }
            ]
        },
    )


_EMAILS = TypeAdapter(list[EmailStr])

SEED_SETUP_EXAMPLE: dict[str, Any] = {
    "title": "General Assembly informal interactive dialogue on the Responsibility to Protect",
    "venue": "Conference Room 4, United Nations Headquarters, New York",
    "timezone": "America/New_York",
    "programme": [
        {"starts_at": "2017-09-06T10:00:00-04:00", "kind": "opening", "title": "Opening remarks"},
        {"starts_at": "2017-09-06T10:50:00-04:00", "kind": "floor", "title": "The floor is open to delegations"},
        {"starts_at": "2017-09-06T13:00:00-04:00", "kind": "adjournment", "title": "The dialogue adjourns"},
        {"starts_at": "2017-09-06T15:00:00-04:00", "kind": "floor", "title": "The dialogue resumes"},
        {"starts_at": "2017-09-06T17:55:00-04:00", "kind": "closing", "title": "Closing remarks"},
        {"starts_at": "2017-09-06T18:00:00-04:00", "kind": "concluded", "title": "The dialogue concludes"},
    ],
    "ordering": {"precedence_by_level": False, "allow_swaps": True, "absent": {"action": "end_of_list"}},
    "time_limits": {"default_seconds": 180, "pre_warning_seconds": 30, "changeover_seconds": 20},
    "delegation_addresses": {"Ireland": ["ireland@un.example"]},
}


class MeetingRequest(Request):
    meeting_id: str = Field(pattern=MEETING_ID_PATTERN, description="Lower case letters, digits and dashes.",
                            examples=["ga-r2p-2017"])  # fmt: skip
    setup: MeetingSetup = Field(description="The programme, the ordering policy, time limits, the clock, and the "
                                "e-mail addresses each delegation may register from.")  # fmt: skip

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"meeting_id": "ga-r2p-2017", "setup": SEED_SETUP_EXAMPLE}]}
    )

    @field_validator("setup")
    @classmethod
    def _checked(cls, setup: MeetingSetup) -> MeetingSetup:
        try:
            ZoneInfo(setup.timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"timezone {setup.timezone!r} is not an IANA time zone, e.g. America/New_York") from e
        for delegation, addresses in setup.delegation_addresses.items():
            try:
                _EMAILS.validate_python(addresses)
            except ValueError as e:
                raise ValueError(f"delegation_addresses[{delegation!r}] must be e-mail addresses") from e
        return setup


class MoveRequest(Request):
    inscription_id: Id
    position: int = Field(ge=1, le=10_000, description="The new place on the list; 1 is next.", examples=[1])


class SwapRequest(Request):
    first_inscription_id: Id
    second_inscription_id: Id

    @field_validator("second_inscription_id")
    @classmethod
    def _two_different(cls, second: str, info) -> str:
        if second == info.data.get("first_inscription_id"):
            raise ValueError("a swap needs two different inscriptions")
        return second


class ReaddRequest(Request):
    inscription_id: Id


class ExtendRequest(Request):
    seconds: int = Field(default=30, ge=1, le=3600, description="How much longer the speaker may speak.")


# Answers


class Accepted(BaseModel):
    command_id: str | None = Field(description="The published command; follow it at `follow`.")
    status: str = Field(examples=["published"])
    follow: str | None = Field(default=None, description="Where to see what became of it.")


class InscriptionAccepted(Accepted):
    inscription_id: str
    meeting_id: str
    delegation: str


class MeetingAccepted(Accepted):
    meeting_id: str


class SwapAnswer(BaseModel):
    status: Literal["published", "awaiting_consent"]
    command_id: str | None = None
    follow: str | None = None
    proposal_id: str | None = None
    awaiting: str | None = Field(default=None, description="The delegation whose consent is still needed.")
    expires_at: datetime | None = None


class SwapProposal(BaseModel):
    proposal_id: str
    first_inscription_id: str
    second_inscription_id: str
    proposed_by: str
    awaiting: str
    proposed_at: datetime
    expires_at: datetime


class InscriptionView(BaseModel):
    inscription_id: str
    meeting_id: str
    delegation: str | None
    status: Literal[
        "pending", "accepted", "called", "speaking", "paused", "spoken", "withdrawn", "dropped", "rejected",
        "not_reached",
    ] = Field(description="pending: published, not yet taken up by the list; accepted: waiting on the list.")
    position: int | None = Field(default=None, description="Place on the list while waiting; 1 is next.")
    estimated_at: datetime | None = Field(default=None, description="Estimated time of speaking (meeting clock).")
    likely_reached: bool | None = None
    reason_code: str | None = Field(default=None, description="Why it was rejected.")
    reason: str | None = None
    channel: str | None = None
    command_id: str | None = None
    details: dict[str, Any] | None = Field(default=None, description="Speaker, level, category as inscribed.")
    updated_at: datetime | None = None


class CommandView(BaseModel):
    command_id: str
    meeting_id: str
    type: str | None
    status: Literal["published", "applied", "rejected"] = Field(
        description="published: the broker has it; applied: the list took it (inscriptions and withdrawals); "
        "rejected: the list refused it, see reason."
    )
    reason_code: str | None = None
    reason: str | None = None
    inscription_id: str | None = None
    issued_by_role: str | None = None
    issued_by_delegation: str | None = None


class MeetingView(BaseModel):
    meeting_id: str
    confirmed: bool = Field(description="The list of speakers has set the meeting up (false: just requested).")
    status: str | None = None
    closed: bool = False
    waiting: int | None = None
    setup: MeetingSetup
    state: dict[str, str] = Field(default_factory=dict)


class Problem(BaseModel):
    detail: str


class FieldError(BaseModel):
    field: str
    message: str
    allowed: list[str] | None = None


class ValidationProblem(BaseModel):
    detail: str
    errors: list[FieldError]


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route may give, for its OpenAPI description."""
    described = {
        400: "The request cannot be read.",
        401: "No credential, or one not known here.",
        403: "The credential's role (or delegation) may not do this.",
        404: "No such meeting, inscription or command.",
        409: "The state does not allow it (e.g. already withdrawn), or a request with the same Idempotency-Key "
        "is still being handled.",
        413: "The body is too large.",
        422: "Invalid input: each error names its field and what is allowed; or an Idempotency-Key reused for a "
        "different request.",
        429: "Too many requests for this credential this minute; see Retry-After.",
        503: "The message broker did not take the command: nothing was accepted. Retry after Retry-After seconds, "
        "with the same Idempotency-Key.",
    }
    return {
        code: {"model": ValidationProblem if code == 422 else Problem, "description": described[code]}
        for code in codes
    }
