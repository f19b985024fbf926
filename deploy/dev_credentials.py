"""Generates development credentials: var/dev-credentials.json (hashes, read by the registration
service) and var/dev-tokens.txt (the tokens themselves, for people). Never used outside development."""

import json
import secrets
from pathlib import Path

from services.registration.credentials import hash_token

ROLES = [
    ("secretariat", "secretariat", None),
    ("chair", "chair", None),
    ("display", "display", None),
    # A few delegations to try the delegation role and e-mail intake with; the secretariat inscribes the others.
    ("delegation-ireland", "delegation", "Ireland"),
    ("delegation-ghana", "delegation", "Ghana"),
    ("delegation-brazil", "delegation", "Brazil"),
]

if __name__ == "__main__":
    var = Path("var")
    var.mkdir(exist_ok=True)
    entries, lines = [], []
    for name, role, delegation in ROLES:
        token = f"dev-{name}-{secrets.token_urlsafe(16)}"
        entry = {"name": name, "role": role, "sha256": hash_token(token)}
        if delegation:
            entry |= {"delegation": delegation, "addresses": [f"mission@{delegation.lower()}.example"]}
        entries.append(entry)
        lines.append(f"{name:22} {token}")
    (var / "dev-credentials.json").write_text(json.dumps({"credentials": entries}, indent=2))
    (var / "dev-tokens.txt").write_text("\n".join(lines) + "\n")
    print("development credentials written to var/dev-tokens.txt")
