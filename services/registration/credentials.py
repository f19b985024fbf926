"""Bearer tokens, stored hashed, each bound to a role (and a delegation for the delegation role).

The file is read again when it changes, so the secretariat can issue a delegation's token
without restarting the service. Its format:

    {"credentials": [
        {"role": "secretariat", "sha256": "<hex>", "name": "gaab"},
        {"role": "delegation", "delegation": "Ireland", "sha256": "<hex>",
         "addresses": ["mission@ireland.example"]}
    ]}

`addresses` (optional, delegation role) are e-mail addresses the delegation may register from,
for every meeting, besides the ones a meeting's set-up lists."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.contracts import Actor, Role

log = logging.getLogger(__name__)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CredentialEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Role
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    delegation: str | None = None
    name: str | None = None
    addresses: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _delegation_role_names_one(self) -> CredentialEntry:
        if self.role == Role.delegation and not self.delegation:
            raise ValueError("a delegation credential names its delegation")
        if self.role == Role.system:
            raise ValueError("the system role is the queue's own clock, never a credential")
        return self


class CredentialFile(BaseModel):
    credentials: list[CredentialEntry]


class CredentialError(Exception):
    """The credentials file is missing or not valid."""


CHECK_EVERY_SECONDS = 0.5  # how soon a changed file is read again (a stat per request would cost more)


def _version(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class CredentialStore:
    def __init__(self, path: Path):
        self._path = path
        self._checked_at = -CHECK_EVERY_SECONDS
        self._version: tuple[int, int, int] | None = None  # (mtime_ns, size, inode): two writes in one tick differ
        self._by_hash: dict[str, Actor] = {}
        self._addresses: dict[str, set[str]] = {}  # address -> delegations

    def load(self) -> int:
        """Reads the file now; raises CredentialError if it is missing or invalid. Returns how many credentials."""
        try:
            version = _version(self._path)
            parsed = CredentialFile.model_validate(json.loads(self._path.read_text()))
        except FileNotFoundError as e:
            raise CredentialError(f"credentials file {self._path} is missing") from e
        except (OSError, ValueError, ValidationError) as e:
            raise CredentialError(f"credentials file {self._path} is not valid: {e}") from e
        by_hash: dict[str, Actor] = {}
        addresses: dict[str, set[str]] = {}
        for entry in parsed.credentials:
            by_hash[entry.sha256] = Actor(role=entry.role, delegation=entry.delegation)
            for address in entry.addresses:
                addresses.setdefault(address.strip().lower(), set()).add(entry.delegation or "")
        self._by_hash, self._addresses, self._version = by_hash, addresses, version
        return len(by_hash)

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._checked_at + CHECK_EVERY_SECONDS:
            return
        self._checked_at = now
        try:
            version = _version(self._path)
        except FileNotFoundError:
            self._by_hash, self._addresses, self._version = {}, {}, None
            return
        if version != self._version:
            try:
                self.load()
            except CredentialError as e:
                # A half-written file must not lock everyone out: keep the last good credentials.
                log.error("%s; keeping the credentials read before", e)
                self._version = version

    def actor_for(self, token: str) -> Actor | None:
        # Only hashes are kept, so a lookup leaks nothing about a token's characters.
        return self.actor_for_hash(hash_token(token))

    def actor_for_hash(self, token_hash: str) -> Actor | None:
        self._refresh()
        actor = self._by_hash.get(token_hash)
        if actor is None:  # a token issued a moment ago: look at the file again now
            self._refresh(force=True)
            actor = self._by_hash.get(token_hash)
        return actor

    def delegations_for_address(self, address: str) -> set[str]:
        self._refresh()
        return {d for d in self._addresses.get(address.strip().lower(), set()) if d}
