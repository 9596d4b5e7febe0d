"""Staff accounts of the review site: roles, passwords, lockout and sessions.

- Accounts are made on the platform's machine: `kiosk-central users add NAME --role
  reviewer|admin --db DB` prints a one-time password, which must be changed at first login.
- Passwords are hashed with Argon2id (argon2-cffi, RFC 9106 parameters); the database keeps
  only the hash.
- Lockout: every attempt is counted before the password is checked, in one conditional
  UPDATE, so even parallel guesses get at most `MAX_FAILURES` checks; then the account is
  locked for `LOCKOUT_S`. A locked account refuses the right password too. Attempts per
  client address are also rate-limited (`staff-login`).
- Sessions live in the database (every worker process sees them): a random 256-bit token in
  an HttpOnly, SameSite=Strict cookie, kept as its SHA-256; each has its own CSRF token; it
  ends after `SESSION_IDLE_S` idle or `SESSION_MAX_S` at most, on logout, and when the
  password changes (a new session is made: no fixation).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from central import audit
from central.errors import CentralError
from central.intake import now_iso
from central.store import Tx
from central.tables import staff_sessions, staff_users

if TYPE_CHECKING:
    from central.db import PlatformDB

ROLES = ("reviewer", "admin")
NAME = re.compile(r"^[a-z][a-z0-9_.-]{1,31}$")
MAX_FAILURES = 5
LOCKOUT_S = 15 * 60
SESSION_IDLE_S = 30 * 60
SESSION_MAX_S = 10 * 3600
TOUCH_EVERY_S = 60
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 128

HASHER = PasswordHasher()


class StaffError(CentralError):
    """A staff account cannot do what was asked."""


class LoginRefused(StaffError):
    """Wrong name or password, or the account is locked or disabled (`why` says which, for
    the audit log only: the page says the same to everyone)."""

    def __init__(self, why: str) -> None:
        super().__init__("login refused")
        self.why = why


@dataclass(frozen=True)
class Session:
    user: str
    role: str
    must_change: bool
    csrf: str
    token_hash: str

    @property
    def admin(self) -> bool:
        return self.role == "admin"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def one_time_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 bits


# --- accounts (the CLI) --------------------------------------------------------------------


def add_user(db: PlatformDB, name: str, role: str) -> str:
    """A new account; returns its one-time password (shown once, stored hashed)."""
    if not NAME.match(name):
        raise StaffError("a staff name is 2 to 32 lower-case letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise StaffError(f"a role is one of {', '.join(ROLES)}")
    password = one_time_password()
    hashed = HASHER.hash(password)
    exists = StaffError(
        f"a staff account named {name!r} exists (`users reset` for a new one-time password)"
    )
    try:
        with db.transaction() as tx:
            if tx.execute(sa.select(staff_users.c.name).where(staff_users.c.name == name)).first():
                raise exists
            tx.execute(
                sa.insert(staff_users).values(
                    name=name, role=role, password_hash=hashed, must_change=1, created_at=now_iso()
                )
            )
    except sa.exc.IntegrityError:  # made by another process at the same moment
        raise exists from None
    return password


def reset_user(db: PlatformDB, name: str) -> str:
    """A new one-time password; unlocks the account and ends its sessions."""
    password = one_time_password()
    hashed = HASHER.hash(password)
    with db.transaction() as tx:
        done = tx.execute(
            sa.update(staff_users)
            .where(staff_users.c.name == name)
            .values(
                password_hash=hashed,
                must_change=1,
                failed_logins=0,
                locked_until=None,
                disabled_at=None,
            )
        ).rowcount
        if not done:
            raise StaffError(f"no staff account named {name!r}")
        _end_sessions(tx, name)
    return password


def disable_user(db: PlatformDB, name: str) -> None:
    with db.transaction() as tx:
        done = tx.execute(
            sa.update(staff_users)
            .where(staff_users.c.name == name, staff_users.c.disabled_at.is_(None))
            .values(disabled_at=now_iso())
        ).rowcount
        if not done:
            raise StaffError(f"no active staff account named {name!r}")
        _end_sessions(tx, name)


def _end_sessions(tx: Tx, name: str) -> None:
    tx.execute(sa.delete(staff_sessions).where(staff_sessions.c.user_name == name))


def list_users(db: PlatformDB) -> list[dict[str, Any]]:
    now = time.time()
    return [
        {
            "name": name,
            "role": role,
            "must_change_password": bool(must),
            "locked": bool(until and until > now),
            "created_at": created,
            "disabled_at": disabled,
        }
        for name, role, must, until, created, disabled in db.rows(
            sa.select(
                staff_users.c.name,
                staff_users.c.role,
                staff_users.c.must_change,
                staff_users.c.locked_until,
                staff_users.c.created_at,
                staff_users.c.disabled_at,
            ).order_by(staff_users.c.name)
        )
    ]


def active_user(db: PlatformDB, name: str) -> str | None:
    """The role of an active account (a reviewer named by `review decide`), or None."""
    rows = db.rows(
        sa.select(staff_users.c.role).where(
            staff_users.c.name == name, staff_users.c.disabled_at.is_(None)
        )
    )
    return str(rows[0][0]) if rows else None


# --- logging in -----------------------------------------------------------------------------


def login(db: PlatformDB, name: str, password: str, address: str) -> tuple[Session, str]:
    """(session, cookie token) for the right name and password; LoginRefused otherwise."""
    now = time.time()
    with db.transaction() as tx:
        row = tx.execute(
            sa.update(staff_users)
            .where(
                staff_users.c.name == name,
                staff_users.c.disabled_at.is_(None),
                sa.or_(staff_users.c.locked_until.is_(None), staff_users.c.locked_until <= now),
            )
            .values(failed_logins=staff_users.c.failed_logins + 1)
            .returning(
                staff_users.c.failed_logins,
                staff_users.c.password_hash,
                staff_users.c.role,
                staff_users.c.must_change,
            )
        ).first()
        if row is None:
            why = _why_not(tx, name, now)
            audit.write(tx, actor=name if why != "unknown" else "?", action="login_failed",
                        detail={"why": why}, address=address)  # fmt: skip
    if row is None:
        _waste_time(password)  # an unknown name costs what a known one costs
        raise LoginRefused(why)
    attempts, hashed, role, must_change = row
    if attempts > MAX_FAILURES:
        _lock(db, name, address)
        raise LoginRefused("locked")
    if not _verifies(hashed, password):
        with db.transaction() as tx:
            audit.write(tx, actor=name, action="login_failed", detail={"why": "password"},
                        address=address)  # fmt: skip
        if attempts >= MAX_FAILURES:
            _lock(db, name, address)
        raise LoginRefused("password")
    with db.transaction() as tx:
        tx.execute(
            sa.update(staff_users)
            .where(staff_users.c.name == name)
            .values(failed_logins=0, locked_until=None)
        )
        if HASHER.check_needs_rehash(hashed):
            tx.execute(
                sa.update(staff_users)
                .where(staff_users.c.name == name)
                .values(password_hash=HASHER.hash(password))
            )
        token, session = _new_session(tx, name, role, bool(must_change))
        audit.write(tx, actor=name, action="login", address=address)
    return session, token


def _why_not(tx: Tx, name: str, now: float) -> str:
    row = tx.execute(
        sa.select(staff_users.c.disabled_at, staff_users.c.locked_until).where(
            staff_users.c.name == name
        )
    ).first()
    if row is None:
        return "unknown"
    return "disabled" if row[0] else "locked"


def _lock(db: PlatformDB, name: str, address: str) -> None:
    with db.transaction() as tx:
        tx.execute(
            sa.update(staff_users)
            .where(staff_users.c.name == name)
            .values(locked_until=time.time() + LOCKOUT_S, failed_logins=0)
        )
        audit.write(tx, actor=name, action="locked_out", address=address)


def _verifies(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: list[str] = []


def _waste_time(password: str) -> None:
    if not _DUMMY:
        _DUMMY.append(HASHER.hash(secrets.token_urlsafe(16)))
    _verifies(_DUMMY[0], password)


# --- sessions -------------------------------------------------------------------------------


def _new_session(tx: Tx, name: str, role: str, must_change: bool) -> tuple[str, Session]:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = time.time()
    tx.execute(
        sa.insert(staff_sessions).values(
            session_hash=_hash_token(token),
            user_name=name,
            csrf_token=csrf,
            created_ts=now,
            last_seen_ts=now,
            expires_ts=now + SESSION_MAX_S,
        )
    )
    tx.execute(sa.delete(staff_sessions).where(staff_sessions.c.expires_ts < now))
    return token, Session(name, role, must_change, csrf, _hash_token(token))


def session_of(db: PlatformDB, token: str | None) -> Session | None:
    """The live session this cookie token opens (touched), or None."""
    if not token or len(token) > 100:
        return None
    now = time.time()
    token_hash = _hash_token(token)
    rows = db.rows(
        sa.select(
            staff_sessions.c.user_name,
            staff_users.c.role,
            staff_users.c.must_change,
            staff_sessions.c.csrf_token,
            staff_sessions.c.last_seen_ts,
        )
        .join(staff_users, staff_users.c.name == staff_sessions.c.user_name)
        .where(
            staff_sessions.c.session_hash == token_hash,
            staff_sessions.c.expires_ts > now,
            staff_sessions.c.last_seen_ts > now - SESSION_IDLE_S,
            staff_users.c.disabled_at.is_(None),
        )
    )
    if not rows:
        return None
    name, role, must_change, csrf, last_seen = rows[0]
    if now - last_seen > TOUCH_EVERY_S:
        with db.transaction() as tx:
            tx.execute(
                sa.update(staff_sessions)
                .where(staff_sessions.c.session_hash == token_hash)
                .values(last_seen_ts=now)
            )
    return Session(name, role, bool(must_change), csrf, token_hash)


def logout(db: PlatformDB, session: Session, address: str) -> None:
    with db.transaction() as tx:
        tx.execute(
            sa.delete(staff_sessions).where(staff_sessions.c.session_hash == session.token_hash)
        )
        audit.write(tx, actor=session.user, action="logout", address=address)


def password_problem(name: str, password: str) -> str:
    """Why a new password is not good enough ("" when it is)."""
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        return "length"
    if name in password.lower() or len(set(password)) < 6:
        return "guessable"
    return ""


def change_password(
    db: PlatformDB, session: Session, old: str, new: str, address: str
) -> tuple[Session, str]:
    """Set a new password; every session of the account ends and a new one begins."""
    rows = db.rows(sa.select(staff_users.c.password_hash).where(staff_users.c.name == session.user))
    if not rows or not _verifies(rows[0][0], old):
        raise StaffError("old")
    if new == old:
        raise StaffError("same")
    problem = password_problem(session.user, new)
    if problem:
        raise StaffError(problem)
    with db.transaction() as tx:
        tx.execute(
            sa.update(staff_users)
            .where(staff_users.c.name == session.user)
            .values(password_hash=HASHER.hash(new), must_change=0)
        )
        _end_sessions(tx, session.user)
        token, fresh = _new_session(tx, session.user, session.role, False)
        audit.write(tx, actor=session.user, action="password_changed", address=address)
    return fresh, token
