"""Bearer tokens, stored hashed, each bound to a role (and a delegation for the delegation role).

The file is read again when it changes, so the secretariat can issue a delegation's token
without restarting the service."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from services.contracts import Actor, Role


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CredentialStore:
    def __init__(self, path: Path):
        self._path = path
        self._mtime: float | None = None
        self._by_hash: dict[str, Actor] = {}

    def _refresh(self) -> None:
        try:
            mtime = self._path.stat().st_mtime
        except FileNotFoundError:
            self._by_hash, self._mtime = {}, None
            return
        if mtime != self._mtime:
            data = json.loads(self._path.read_text())
            self._by_hash = {
                entry["sha256"]: Actor(role=Role(entry["role"]), delegation=entry.get("delegation"))
                for entry in data["credentials"]
            }
            self._mtime = mtime

    def actor_for(self, token: str) -> Actor | None:
        self._refresh()
        # Only hashes are kept, so a lookup leaks nothing about a token's characters.
        return self._by_hash.get(hash_token(token))
