"""Operator API tokens: named, scoped, stored as SHA-256 hashes, revocable.

    token = add_token(db, "odk-pull", ["feed"])     # shown once: only its hash is kept
    scopes = token_scopes(db, token)               # None: unknown or revoked

A token is 256 random bits (`kc_` + base64url), so a plain SHA-256 is a safe hash for it: it
cannot be guessed, only stolen, and a stolen database holds no token.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import Any

from central.db import PlatformDB, now_iso
from central.errors import CentralError

SCOPES = {
    "feed": "pull cases and their attachments (GET /api/v1/cases...)",
    "faces": "upload reference faces (PUT /api/v1/admin/reference-faces/...)",
    "admin": "terminals list, bundle import, the OpenAPI document",
}
PREFIX = "kc_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_BOOTSTRAP_CHARS = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise CentralError(f"scopes are {', '.join(SCOPES)} (at least one)")
    return sorted(set(scopes))


def add_token(db: PlatformDB, name: str, scopes: list[str]) -> str:
    """A new token named `name` with `scopes`; returned once, stored hashed."""
    if not NAME.match(name):
        raise CentralError("a token name is 1 to 64 letters, digits, '.', '_' or '-'")
    wanted = check_scopes(scopes)
    token = PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as tx:
        if tx.execute("SELECT 1 FROM api_tokens WHERE name = ?", [name]).fetchone():
            raise CentralError(f"a token named {name!r} exists: revoke it or pick another name")
        tx.execute(
            "INSERT INTO api_tokens VALUES (?, ?, ?, ?, NULL)",
            [name, token_hash(token), json.dumps(wanted), now_iso()],
        )
    return token


def revoke_token(db: PlatformDB, name: str) -> None:
    with db.transaction() as tx:
        done = tx.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
            [now_iso(), name],
        ).rowcount
    if not done:
        raise CentralError(f"no active token named {name!r}")


def list_tokens(db: PlatformDB) -> list[dict[str, Any]]:
    return [
        {"name": name, "scopes": json.loads(scopes), "created_at": created, "revoked_at": revoked}
        for name, scopes, created, revoked in db.rows(
            "SELECT name, scopes, created_at, revoked_at FROM api_tokens ORDER BY created_at"
        )
    ]


def token_scopes(db: PlatformDB, token: str) -> set[str] | None:
    """The scopes of an active token; None when it is unknown or revoked."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    rows = db.rows(
        "SELECT scopes FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        [token_hash(token)],
    )
    return set(json.loads(rows[0][0])) if rows else None
