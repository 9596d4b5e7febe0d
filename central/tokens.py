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

import sqlalchemy as sa

from central.db import PlatformDB, now_iso
from central.errors import CentralError
from central.tables import api_tokens

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
    exists = CentralError(f"a token named {name!r} exists: revoke it or pick another name")
    try:
        with db.transaction() as tx:
            if tx.execute(sa.select(api_tokens.c.name).where(api_tokens.c.name == name)).first():
                raise exists
            tx.execute(
                sa.insert(api_tokens).values(
                    name=name,
                    token_hash=token_hash(token),
                    scopes=json.dumps(wanted),
                    created_at=now_iso(),
                    revoked_at=None,
                )
            )
    except sa.exc.IntegrityError:  # made by another process at the same moment
        raise exists from None
    return token


def revoke_token(db: PlatformDB, name: str) -> None:
    with db.transaction() as tx:
        done = tx.execute(
            sa.update(api_tokens)
            .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now_iso())
        ).rowcount
    if not done:
        raise CentralError(f"no active token named {name!r}")


def list_tokens(db: PlatformDB) -> list[dict[str, Any]]:
    return [
        {"name": name, "scopes": json.loads(scopes), "created_at": created, "revoked_at": revoked}
        for name, scopes, created, revoked in db.rows(
            sa.select(
                api_tokens.c.name,
                api_tokens.c.scopes,
                api_tokens.c.created_at,
                api_tokens.c.revoked_at,
            ).order_by(api_tokens.c.created_at, api_tokens.c.name)
        )
    ]


def token_scopes(db: PlatformDB, token: str) -> set[str] | None:
    """The scopes of an active token; None when it is unknown or revoked."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    rows = db.rows(
        sa.select(api_tokens.c.scopes).where(
            api_tokens.c.token_hash == token_hash(token), api_tokens.c.revoked_at.is_(None)
        )
    )
    return set(json.loads(rows[0][0])) if rows else None
