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

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from central import audit
from central.errors import CentralError
from central.intake import now_iso

if TYPE_CHECKING:
    import sqlite_utils

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
    with db.transaction() as tx:
        if tx.execute("SELECT 1 FROM staff_users WHERE name = ?", [name]).fetchone():
            raise StaffError(f"a staff account named {name!r} exists (`users reset` for a new "
                             "one-time password)")  # fmt: skip
        tx.execute(
            "INSERT INTO staff_users (name, role, password_hash, must_change, created_at) "
            "VALUES (?, ?, ?, 1, ?)",
            [name, role, hashed, now_iso()],
        )
    return password


def reset_user(db: PlatformDB, name: str) -> str:
    """A new one-time password; unlocks the account and ends its sessions."""
    password = one_time_password()
    hashed = HASHER.hash(password)
    with db.transaction() as tx:
        done = tx.execute(
            "UPDATE staff_users SET password_hash = ?, must_change = 1, failed_logins = 0, "
            "locked_until = NULL, disabled_at = NULL WHERE name = ?",
            [hashed, name],
        ).rowcount
        if not done:
            raise StaffError(f"no staff account named {name!r}")
        tx.execute("DELETE FROM staff_sessions WHERE user_name = ?", [name])
    return password


def disable_user(db: PlatformDB, name: str) -> None:
    with db.transaction() as tx:
        done = tx.execute(
            "UPDATE staff_users SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL",
            [now_iso(), name],
        ).rowcount
        if not done:
            raise StaffError(f"no active staff account named {name!r}")
        tx.execute("DELETE FROM staff_sessions WHERE user_name = ?", [name])


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
            "SELECT name, role, must_change, locked_until, created_at, disabled_at "
            "FROM staff_users ORDER BY name"
        )
    ]


def active_user(db: PlatformDB, name: str) -> str | None:
    """The role of an active account (a reviewer named by `review decide`), or None."""
    rows = db.rows("SELECT role FROM staff_users WHERE name = ? AND disabled_at IS NULL", [name])
    return str(rows[0][0]) if rows else None


# --- logging in -----------------------------------------------------------------------------


def login(db: PlatformDB, name: str, password: str, address: str) -> tuple[Session, str]:
    """(session, cookie token) for the right name and password; LoginRefused otherwise."""
    now = time.time()
    with db.transaction() as tx:
        row = tx.execute(
            "UPDATE staff_users SET failed_logins = failed_logins + 1 WHERE name = ? "
            "AND disabled_at IS NULL AND (locked_until IS NULL OR locked_until <= ?) "
            "RETURNING failed_logins, password_hash, role, must_change",
            [name, now],
        ).fetchone()
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
            "UPDATE staff_users SET failed_logins = 0, locked_until = NULL WHERE name = ?", [name]
        )
        if HASHER.check_needs_rehash(hashed):
            tx.execute(
                "UPDATE staff_users SET password_hash = ? WHERE name = ?",
                [HASHER.hash(password), name],
            )
        token, session = _new_session(tx, name, role, bool(must_change))
        audit.write(tx, actor=name, action="login", address=address)
    return session, token


def _why_not(tx: sqlite_utils.Database, name: str, now: float) -> str:
    row = tx.execute(
        "SELECT disabled_at, locked_until FROM staff_users WHERE name = ?", [name]
    ).fetchone()
    if row is None:
        return "unknown"
    return "disabled" if row[0] else "locked"


def _lock(db: PlatformDB, name: str, address: str) -> None:
    with db.transaction() as tx:
        tx.execute(
            "UPDATE staff_users SET locked_until = ?, failed_logins = 0 WHERE name = ?",
            [time.time() + LOCKOUT_S, name],
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


def _new_session(
    tx: sqlite_utils.Database, name: str, role: str, must_change: bool
) -> tuple[str, Session]:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = time.time()
    tx.execute(
        "INSERT INTO staff_sessions VALUES (?, ?, ?, ?, ?, ?)",
        [_hash_token(token), name, csrf, now, now, now + SESSION_MAX_S],
    )
    tx.execute("DELETE FROM staff_sessions WHERE expires_ts < ?", [now])
    return token, Session(name, role, must_change, csrf, _hash_token(token))


def session_of(db: PlatformDB, token: str | None) -> Session | None:
    """The live session this cookie token opens (touched), or None."""
    if not token or len(token) > 100:
        return None
    now = time.time()
    token_hash = _hash_token(token)
    rows = db.rows(
        "SELECT s.user_name, u.role, u.must_change, s.csrf_token, s.last_seen_ts "
        "FROM staff_sessions s JOIN staff_users u ON u.name = s.user_name "
        "WHERE s.session_hash = ? AND s.expires_ts > ? AND s.last_seen_ts > ? "
        "AND u.disabled_at IS NULL",
        [token_hash, now, now - SESSION_IDLE_S],
    )
    if not rows:
        return None
    name, role, must_change, csrf, last_seen = rows[0]
    if now - last_seen > TOUCH_EVERY_S:
        with db.transaction() as tx:
            tx.execute(
                "UPDATE staff_sessions SET last_seen_ts = ? WHERE session_hash = ?",
                [now, token_hash],
            )
    return Session(name, role, bool(must_change), csrf, token_hash)


def logout(db: PlatformDB, session: Session, address: str) -> None:
    with db.transaction() as tx:
        tx.execute("DELETE FROM staff_sessions WHERE session_hash = ?", [session.token_hash])
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
    rows = db.rows("SELECT password_hash FROM staff_users WHERE name = ?", [session.user])
    if not rows or not _verifies(rows[0][0], old):
        raise StaffError("old")
    if new == old:
        raise StaffError("same")
    problem = password_problem(session.user, new)
    if problem:
        raise StaffError(problem)
    with db.transaction() as tx:
        tx.execute(
            "UPDATE staff_users SET password_hash = ?, must_change = 0 WHERE name = ?",
            [HASHER.hash(new), session.user],
        )
        tx.execute("DELETE FROM staff_sessions WHERE user_name = ?", [session.user])
        token, fresh = _new_session(tx, session.user, session.role, False)
        audit.write(tx, actor=session.user, action="password_changed", address=address)
    return fresh, token
