"""Request dependencies: who is asking, may they, how often, and with which Idempotency-Key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.contracts import Actor, Role
from services.registration.credentials import hash_token
from services.registration.idempotency import KEY_PATTERN, IdempotencyRequest, fingerprint
from services.registration.ratelimit import RateLimited, Verdict

_bearer = HTTPBearer(
    auto_error=False,
    description="A token issued to the secretariat, the chair, a delegation or a display (`make run` writes "
    "development tokens to var/dev-tokens.txt).",
)

MEETING_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"

MeetingId = Annotated[
    str, Path(pattern=MEETING_ID_PATTERN, description="The meeting's id, e.g. ga-r2p-2017.", examples=["ga-r2p-2017"])
]
InscriptionId = Annotated[
    str, Path(pattern=ID_PATTERN, description="The id answered when the inscription was made.", max_length=100)
]
CommandId = Annotated[str, Path(pattern=ID_PATTERN, description="The command_id answered when it was accepted.")]


@dataclass(frozen=True)
class Caller:
    actor: Actor
    credential: str  # the token's hash: what rate limits and idempotency keys are counted against

    @property
    def role(self) -> Role:
        return self.actor.role


_KEY = re.compile(KEY_PATTERN)

# A write reads its credential and Idempotency-Key itself (see write_access), so FastAPI does not document them:
# every write route passes this as its openapi_extra.
WRITE_OPENAPI: dict[str, Any] = {
    "security": [{_bearer.scheme_name: []}],
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Any unique string (a UUID is best), 1 to 255 visible ASCII characters. Send the same "
            "key when you retry a write: you get the first answer again and nothing is done twice. The same key "
            "with a different request is refused (422). Keys are kept 24 hours, per credential.",
            "schema": {"type": "string", "pattern": KEY_PATTERN, "examples": ["6f1c2d1e-8a4b-4d3c-9e57-0b6f5d0f9a11"]},
        }
    ],
}


@dataclass(frozen=True)
class Access:
    """A write's caller, and its Idempotency-Key (None without one)."""

    caller: Caller
    key: IdempotencyRequest | None


def too_many_requests(verdict: Verdict) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"This credential has made more than {verdict.limit} requests this minute; retry in {verdict.retry_after} s.",
        headers={"Retry-After": str(verdict.retry_after), "RateLimit-Limit": str(verdict.limit)},
    )


async def _admit(request: Request, credentials: HTTPAuthorizationCredentials | None, roles: tuple[Role, ...],
                 key: str | None) -> Access:  # fmt: skip
    """Who is asking (401), within the rate limit (429), in a role allowed here (403).

    A write with an Idempotency-Key is counted against the rate limit by the first Redis call its key needs
    (see Writes.run), not here: one round trip for both. Until then its count is pending (request.state.rate_count),
    and a refusal before that counts it (see main.py): over the limit, the answer is 429 all the same.

    One dependency per route, not a tree of them: each costs FastAPI a little on every request."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Send your credential as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    state = request.app.state
    credential = hash_token(credentials.credentials)
    actor = state.credentials.actor_for_hash(credential)
    if actor is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "This token is not known here.", headers={"WWW-Authenticate": "Bearer"}
        )
    caller = Caller(actor=actor, credential=credential)
    if key is None:
        try:
            await state.rate_limiter.hit(credential)
        except RateLimited as e:
            raise too_many_requests(e.verdict) from None
    else:
        request.state.rate_count = count = state.rate_limiter.pending(credential)
    if actor.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"This needs the role {allowed}; yours is {actor.role.value}.")
    if key is None:
        return Access(caller, None)
    raw = await request.body()
    try:
        body = await request.json() if raw else None  # parsed once: FastAPI already did, and kept it
    except ValueError:
        body = raw.decode(errors="replace")
    idempotency = IdempotencyRequest(
        scope=credential, key=key, fingerprint=fingerprint(request.method, request.scope["path"], body), count=count
    )
    return Access(caller, idempotency)


ALL_ROLES = (Role.secretariat, Role.chair, Role.delegation, Role.display)


def require(*roles: Role):
    """A read (or a write that publishes nothing) by one of `roles`."""

    async def caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Caller:
        return (await _admit(request, credentials, roles, None)).caller

    return caller


def write_access(*roles: Role):
    """A write by one of `roles`, with its Idempotency-Key if it came with one.

    Both headers are read here, not declared as a header parameter and a security sub-dependency: FastAPI
    solves those anew on every request, at a cost above that of the checks themselves."""

    async def access(request: Request) -> Access:
        key = request.headers.get("idempotency-key")
        if key is not None and not _KEY.fullmatch(key):
            raise InvalidField("header.Idempotency-Key", "must be 1 to 255 visible ASCII characters (a UUID is best)")
        return await _admit(request, await _bearer(request), roles, key)

    return access


current_caller = require(*ALL_ROLES)


def acting_delegation(caller: Caller, delegation: str | None, what: str) -> str | None:
    """The delegation a request acts for. A delegation's credential acts only for its own delegation
    (named in any letter case, or left out); anyone else's choice is returned as it is."""
    if caller.role != Role.delegation:
        return delegation
    own = caller.actor.delegation
    if delegation is None or delegation.casefold() == (own or "").casefold():
        return own
    raise HTTPException(status.HTTP_403_FORBIDDEN, f"Your credential acts for {own}; {what} is for {delegation}.")


class InvalidField(Exception):
    """Invalid input found by a route rather than by the request's model: answered 422 like the model's errors."""

    def __init__(self, field: str, message: str, allowed: list[str] | None = None):
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.allowed = field, message, allowed
