"""Terminals, their one-time registration codes, their keys, and the nonces of their requests.

Safe with several worker processes on one database (PostgreSQL), by the database alone:
- a registration code is spent by a conditional UPDATE (`used_ts IS NULL`, not expired); a
  second request with the same code waits for the first's row lock and then finds it used;
- a terminal's row is locked (`FOR UPDATE`) while its key changes, so two registrations of
  one terminal (two codes) rotate its key one after the other;
- a key belongs to one terminal (`terminal_keys` primary key; a race ends in the constraint
  and is refused like the check before it);
- a nonce is accepted once (primary key on key id and nonce).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from central.errors import CentralError, RegistrationRefused, ReplayedRequest
from central.intake import now_iso
from central.store import Store, Tx
from central.tables import (
    certificates,
    nonces,
    rate_limits,
    registration_codes,
    terminal_keys,
    terminals,
)
from contract import wire
from contract.keys import key_id_of

CODE_TTL_S = 7 * 86400
NONCE_TTL_S = 2 * wire.MAX_CLOCK_SKEW_S + 60
NONCE_SWEEP_S = 30.0
MAX_SERVICE_POINT_CHARS = 64


@dataclass(frozen=True)
class Terminal:
    terminal_id: str
    key_id: str
    public_key: Ed25519PublicKey
    # The service point the platform knows it at, when read with it (None: not read).
    service_point: str | None = None


@dataclass(frozen=True)
class KeyRecord:
    """A key a terminal registered: whose it is, and whether it was replaced or revoked."""

    terminal_id: str
    public_key: Ed25519PublicKey
    retired_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def check_terminal_id(terminal_id: str) -> None:
    if not terminal_id or len(terminal_id) > 64 or not terminal_id.isprintable():
        raise CentralError("a terminal id is 1 to 64 printable characters")


def add_terminal(store: Store, terminal_id: str, service_point: str = "") -> str:
    """Allow `terminal_id` to register; a new one-time code (shown once). `service_point`
    is stored when given; a new code clears the terminal id's registration rate limit."""
    check_terminal_id(terminal_id)
    service_point = service_point.strip()
    if len(service_point) > MAX_SERVICE_POINT_CHARS or not service_point.isprintable():
        raise CentralError(
            f"a service point name is at most {MAX_SERVICE_POINT_CHARS} printable characters"
        )
    code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
    with store.transaction() as tx:
        tx.execute(tx.insert(terminals).values(terminal_id=terminal_id).on_conflict_do_nothing())
        if service_point:
            tx.execute(
                sa.update(terminals)
                .where(terminals.c.terminal_id == terminal_id)
                .values(service_point=service_point)
            )
        tx.execute(
            sa.insert(registration_codes).values(
                code_hash=_hash_code(code),
                terminal_id=terminal_id,
                expires_ts=time.time() + CODE_TTL_S,
                used_ts=None,
            )
        )
        tx.execute(
            sa.delete(rate_limits).where(rate_limits.c.bucket == f"register-terminal:{terminal_id}")
        )
    return code


def register(store: Store, terminal_id: str, code: str, public_key_b64: str) -> Terminal:
    try:
        public_key = wire.ed25519_from_b64(public_key_b64)
    except wire.WireError as exc:
        raise RegistrationRefused(str(exc)) from None
    key_id = key_id_of(public_key)
    try:
        with store.transaction() as tx:
            _spend_code(tx, terminal_id, code)
            # one key change of this terminal at a time (two codes used at once)
            tx.execute(
                sa.select(terminals.c.terminal_id)
                .where(terminals.c.terminal_id == terminal_id)
                .with_for_update()
            )
            taken = tx.execute(
                sa.select(terminal_keys.c.terminal_id, terminal_keys.c.revoked_at).where(
                    terminal_keys.c.key_id == key_id
                )
            ).first()
            if taken is not None and taken[0] != terminal_id:
                raise RegistrationRefused("this key belongs to another terminal")
            if taken is not None and taken[1] is not None:
                raise RegistrationRefused("this key was revoked: the terminal needs a new key")
            now = now_iso()
            tx.execute(
                sa.update(terminals)
                .where(terminals.c.terminal_id == terminal_id)
                .values(
                    key_id=key_id,
                    public_key=public_key_b64,
                    registered_at=now,
                    status="active",
                    revoked_at=None,
                )
            )
            _record_key(tx, terminal_id, key_id, public_key_b64, now)
    except sa.exc.IntegrityError:  # another terminal registered this key at the same moment
        raise RegistrationRefused("this key belongs to another terminal") from None
    return Terminal(terminal_id, key_id, public_key)


def _spend_code(tx: Tx, terminal_id: str, code: str) -> None:
    """Mark the code used, if it is this terminal's, unused and current; or refuse."""
    now = time.time()
    spent = tx.execute(
        sa.update(registration_codes)
        .where(
            registration_codes.c.code_hash == _hash_code(code),
            registration_codes.c.terminal_id == terminal_id,
            registration_codes.c.used_ts.is_(None),
            registration_codes.c.expires_ts >= now,
        )
        .values(used_ts=now)
    ).rowcount
    if spent == 1:
        return
    row = tx.execute(
        sa.select(registration_codes.c.terminal_id).where(
            registration_codes.c.code_hash == _hash_code(code)
        )
    ).first()
    if row is None or row[0] != terminal_id:
        raise RegistrationRefused("unknown registration code for this terminal")
    raise RegistrationRefused("the registration code was used or has expired")


def _record_key(tx: Tx, terminal_id: str, key_id: str, public_key_b64: str, now: str) -> None:
    """The new key becomes current; the terminal's earlier keys are kept, retired now."""
    tx.execute(
        sa.update(terminal_keys)
        .where(
            terminal_keys.c.terminal_id == terminal_id,
            terminal_keys.c.key_id != key_id,
            terminal_keys.c.retired_at.is_(None),
        )
        .values(retired_at=now)
    )
    tx.execute(
        tx.insert(terminal_keys)
        .values(
            key_id=key_id, terminal_id=terminal_id, public_key=public_key_b64, registered_at=now
        )
        .on_conflict_do_update(index_elements=["key_id"], set_={"retired_at": None})
    )


def revoke_terminal(store: Store, terminal_id: str) -> int:
    """Revoke every key of `terminal_id` and its unused codes; how many keys."""
    now = now_iso()
    with store.transaction() as tx:
        found = tx.execute(
            sa.select(terminals.c.terminal_id)
            .where(terminals.c.terminal_id == terminal_id)
            .with_for_update()
        ).first()
        if found is None:
            raise CentralError(f"no terminal {terminal_id!r}")
        tx.execute(
            sa.update(terminals)
            .where(terminals.c.terminal_id == terminal_id)
            .values(status="revoked", revoked_at=now)
        )
        revoked = tx.execute(
            sa.update(terminal_keys)
            .where(terminal_keys.c.terminal_id == terminal_id, terminal_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        tx.execute(
            sa.update(registration_codes)
            .where(
                registration_codes.c.terminal_id == terminal_id,
                registration_codes.c.used_ts.is_(None),
            )
            .values(used_ts=time.time())
        )
    return int(revoked)


def terminal_by_key(store: Store, key_id: str) -> Terminal | None:
    """The active terminal whose current, unrevoked key this is."""
    rows = store.rows(
        sa.select(terminals.c.terminal_id, terminals.c.public_key, terminals.c.service_point)
        .join(terminal_keys, terminal_keys.c.key_id == terminals.c.key_id)
        .where(
            terminals.c.key_id == key_id,
            terminals.c.status == "active",
            terminal_keys.c.revoked_at.is_(None),
        )
    )
    if not rows:
        return None
    terminal_id, public_key, point = rows[0]
    return Terminal(terminal_id, key_id, wire.ed25519_from_b64(public_key), point or "")


def service_point(store: Store, terminal_id: str) -> str:
    rows = store.rows(
        sa.select(terminals.c.service_point).where(terminals.c.terminal_id == terminal_id)
    )
    return str(rows[0][0]) if rows else ""


TERMINAL_FIELDS = (
    "terminal_id",
    "key_id",
    "public_key",
    "registered_at",
    "status",
    "service_point",
    "revoked_at",
)
KEY_FIELDS = ("key_id", "public_key", "registered_at", "retired_at", "revoked_at")


def list_terminals(store: Store) -> list[dict[str, Any]]:
    """Every terminal, its current key and the keys it used before (newest first)."""
    rows = store.rows(
        sa.select(*(terminals.c[name] for name in TERMINAL_FIELDS)).order_by(
            terminals.c.terminal_id
        )
    )
    retired: dict[str, list[dict[str, Any]]] = {}
    for terminal_id, *key in store.rows(
        sa.select(terminal_keys.c.terminal_id, *(terminal_keys.c[n] for n in KEY_FIELDS))
        .where(terminal_keys.c.retired_at.is_not(None))
        .order_by(terminal_keys.c.retired_at.desc(), terminal_keys.c.key_id)
    ):
        retired.setdefault(terminal_id, []).append(dict(zip(KEY_FIELDS, key, strict=True)))
    return [
        {**dict(zip(TERMINAL_FIELDS, row, strict=True)), "previous_keys": retired.get(row[0], [])}
        for row in rows
    ]


def key_record(store: Store, key_id: str) -> KeyRecord | None:
    """Any key a terminal ever registered (certificate tokens name it by `kid`)."""
    rows = store.rows(
        sa.select(
            terminal_keys.c.terminal_id,
            terminal_keys.c.public_key,
            terminal_keys.c.retired_at,
            terminal_keys.c.revoked_at,
        ).where(terminal_keys.c.key_id == key_id)
    )
    if not rows:
        return None
    terminal_id, public_key, retired_at, revoked_at = rows[0]
    return KeyRecord(
        terminal_id, wire.ed25519_from_b64(public_key), _when(retired_at), _when(revoked_at)
    )


def public_keys(store: Store) -> dict[str, Ed25519PublicKey]:
    """key id -> public key of every key a terminal ever registered."""
    return {
        row[0]: wire.ed25519_from_b64(row[1])
        for row in store.rows(sa.select(terminal_keys.c.key_id, terminal_keys.c.public_key))
    }


def certificate_recorded(store: Store, token_sha256: str) -> tuple[str, dt.datetime] | None:
    """(terminal id, when) the platform received the case that carries this token."""
    rows = store.rows(
        sa.select(certificates.c.terminal_id, certificates.c.recorded_at).where(
            certificates.c.token_sha256 == token_sha256
        )
    )
    if not rows:
        return None
    return str(rows[0][0]), dt.datetime.fromisoformat(rows[0][1])


class Nonces:
    """Each request's nonce, accepted once per key; expired ones are swept now and then."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._last_sweep = 0.0

    def use(self, key_id: str, nonce: str) -> None:
        """Record the nonce; ReplayedRequest if this key used it before (the primary key
        decides, so two workers given the same request accept it once)."""
        now = time.time()
        if now - self._last_sweep > NONCE_SWEEP_S:
            self._last_sweep = now
            self._store.write_one(sa.delete(nonces).where(nonces.c.expires_ts < now))
        try:
            self._store.write_one(
                sa.insert(nonces).values(key_id=key_id, nonce=nonce, expires_ts=now + NONCE_TTL_S)
            )
        except sa.exc.IntegrityError:
            raise ReplayedRequest("this request was already received") from None
