"""The reference platform's storage: terminals, one-time codes, cases, nonces, reference faces,
operator tokens, rate-limit state.

SQLite WAL with `synchronous=FULL`, one connection behind a lock (the platform is a reference
implementation for a few hundred terminals, not a cluster). Cases get a monotonically
increasing `seq` when they are committed; the pull feed's cursor is that number, so it stays
stable however many cases arrive while a consumer pages through.

The database file (and so its -wal and -shm files, which SQLite creates with the database's
mode) is 0600; the platform's private keys are kept in 0600 files beside it (`central.files`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from central import feed as feed_module
from central import intake, staff_calls
from central.cases import MAX_BUNDLE_CASES, case_certificate, check_case, parse_bundle_cases
from central.errors import BundleRefused, CentralError, RegistrationRefused, ReplayedRequest
from central.files import create_private, private_folder, read_private, tighten, write_new_private
from central.payloads import check_kind
from central.schema import LATEST, SCHEMA
from contract import wire
from contract.keys import key_id_of

CODE_TTL_S = 7 * 86400
NONCE_TTL_S = 2 * wire.MAX_CLOCK_SKEW_S + 60
MAX_SERVICE_POINT_CHARS = 64
MEMORY = ":memory:"

__all__ = ["SCHEMA", "IngestResult", "KeyRecord", "PlatformDB", "Terminal"]


@dataclass(frozen=True)
class Terminal:
    terminal_id: str
    key_id: str
    public_key: Ed25519PublicKey


@dataclass(frozen=True)
class KeyRecord:
    """A key a terminal registered: whose it is, and whether it was replaced or revoked."""

    terminal_id: str
    public_key: Ed25519PublicKey
    retired_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class IngestResult:
    case_id: str
    status: str  # accepted | duplicate | rejected
    reason: str = ""

    def as_dict(self) -> dict[str, str]:
        out = {"case_id": self.case_id, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        return out


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def check_terminal_id(terminal_id: str) -> None:
    if not terminal_id or len(terminal_id) > 64 or not terminal_id.isprintable():
        raise CentralError("a terminal id is 1 to 64 printable characters")


class PlatformDB:
    def __init__(self, path: Path, *, keys_dir: Path | None = None) -> None:
        self.path = path
        in_memory = str(path) == MEMORY
        if not in_memory:
            if not path.parent.exists():
                private_folder(path.parent)
            create_private(path)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10.0)
        self._db = sqlite_utils.Database(conn, execute_plugins=False)
        self._lock = threading.RLock()
        # A hint to the decide worker in this process that work was added (others poll).
        self.work_added = threading.Event()
        self._new_work = False
        self._db.enable_wal()
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.execute("PRAGMA secure_delete = ON")  # moved keys leave no copy in free pages
        self._migrate()
        self._db.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            for suffix in ("-wal", "-shm"):
                tighten(path.with_name(path.name + suffix))
        self.keys_dir = None if in_memory else (keys_dir or path.with_name(path.name + ".keys"))
        self.bundle_key = X25519PrivateKey.from_private_bytes(
            self._platform_key("bundle_x25519", X25519PrivateKey.generate)
        )
        self.receipt_key = Ed25519PrivateKey.from_private_bytes(
            self._platform_key("receipt_ed25519", Ed25519PrivateKey.generate)
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        with self._lock, self._db.atomic() as db:
            yield db

    def rows(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _migrate(self) -> None:
        # Off while tables are rebuilt (migration 3); switched on again by the caller.
        self._db.execute("PRAGMA foreign_keys = OFF")
        with self.transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
        done = {row[0] for row in self.rows("SELECT version FROM schema_migrations")}
        newer = [v for v in done if v > LATEST]
        if newer:
            raise CentralError(
                f"{self.path} was migrated by a newer release (schema {max(newer)}; this "
                f"release knows {LATEST}): run the newer release or restore a backup"
            )
        for version, script in SCHEMA:
            if version in done:
                continue
            with self.transaction() as db:
                for statement in _statements(script):
                    db.execute(statement)
                if version == 3:
                    self._index_certificates(db)
                if version == 4:
                    intake.backfill(db)
                if version == 5:
                    staff_calls.backfill(db)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?)", [version, now_iso()])

    def _index_certificates(self, db: sqlite_utils.Database) -> None:
        """Certificates of the cases stored before the index existed."""
        for case_id, terminal_id, key_id, received_at, envelope in db.execute(
            "SELECT case_id, terminal_id, key_id, received_at, envelope FROM cases"
        ).fetchall():
            found = case_certificate(json.loads(envelope))
            if found is not None:
                db.execute(
                    "INSERT OR IGNORE INTO certificates VALUES (?, ?, ?, ?, ?, ?)",
                    [found[0], terminal_id, key_id, found[1], case_id, received_at],
                )

    # --- the platform's own keys -----------------------------------------------------------

    def _platform_key(self, name: str, generate: Callable[[], Any]) -> bytes:
        """A private key of the platform's own, made once, kept in a 0600 file.

        A key an earlier release kept in the database moves to its file and leaves the
        database (`secure_delete` overwrites it).
        """
        stored = self.rows("SELECT value FROM platform_keys WHERE name = ?", [name])
        if self.keys_dir is None:  # an in-memory database (tests, `kiosk-central openapi`)
            return bytes(stored[0][0]) if stored else _raw(generate())
        path = private_folder(self.keys_dir) / f"{name}.key"
        if not path.exists():
            write_new_private(path, bytes(stored[0][0]) if stored else _raw(generate()))
        if stored:
            with self.transaction() as db:
                db.execute("DELETE FROM platform_keys WHERE name = ?", [name])
        return read_private(path)

    @property
    def bundle_public_b64(self) -> str:
        return wire.x25519_public_b64(self.bundle_key.public_key())

    @property
    def receipt_public_b64(self) -> str:
        return wire.b64e(
            self.receipt_key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        )

    def import_bundle(
        self, bundle: dict[str, Any], max_cases: int = MAX_BUNDLE_CASES
    ) -> tuple[Terminal, list[IngestResult], dict[str, Any]]:
        """Check, decrypt and ingest a bundle; return the outcomes and a signed receipt."""
        terminal = self.terminal_by_key(str(bundle.get("key_id", "")))
        if terminal is None:
            raise BundleRefused("the bundle comes from an unknown or revoked terminal key")
        count = bundle.get("count")
        if type(count) is not int or not 0 <= count <= max_cases:
            raise BundleRefused(f"a bundle holds 0 to {max_cases} cases here")
        try:
            plain = wire.open_bundle_plaintext(bundle, terminal.public_key, self.bundle_key)
            cases = parse_bundle_cases(plain, count)
        except wire.WireError as exc:
            raise BundleRefused(str(exc)) from None
        outcomes = self.ingest(terminal, cases, "bundle")
        held = {
            outcome.case_id: wire.case_digest(case)
            for case, outcome in zip(cases, outcomes, strict=True)
            if outcome.status in ("accepted", "duplicate")
        }
        receipt = wire.sign_receipt(self.receipt_key, terminal.key_id, held)
        return terminal, outcomes, receipt

    # --- terminals ----------------------------------------------------------------------

    def add_terminal(self, terminal_id: str, service_point: str = "") -> str:
        """Allow `terminal_id` to register; return a new one-time code (shown once).

        `service_point` (the name the verify page shows) is stored when given. A new code
        also clears the registration rate limit of this terminal id.
        """
        check_terminal_id(terminal_id)
        service_point = service_point.strip()
        if len(service_point) > MAX_SERVICE_POINT_CHARS or not service_point.isprintable():
            raise CentralError(
                f"a service point name is at most {MAX_SERVICE_POINT_CHARS} printable characters"
            )
        code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        with self.transaction() as db:
            db.execute(
                "INSERT INTO terminals (terminal_id) VALUES (?) ON CONFLICT DO NOTHING",
                [terminal_id],
            )
            if service_point:
                db.execute(
                    "UPDATE terminals SET service_point = ? WHERE terminal_id = ?",
                    [service_point, terminal_id],
                )
            db.execute(
                "INSERT INTO registration_codes VALUES (?, ?, ?, NULL)",
                [_hash_code(code), terminal_id, time.time() + CODE_TTL_S],
            )
            db.execute(
                "DELETE FROM rate_limits WHERE bucket = ?", [f"register-terminal:{terminal_id}"]
            )
        return code

    def register(self, terminal_id: str, code: str, public_key_b64: str) -> Terminal:
        try:
            public_key = wire.ed25519_from_b64(public_key_b64)
        except wire.WireError as exc:
            raise RegistrationRefused(str(exc)) from None
        key_id = key_id_of(public_key)
        with self.transaction() as db:
            row = db.execute(
                "SELECT terminal_id, expires_ts, used_ts FROM registration_codes "
                "WHERE code_hash = ?",
                [_hash_code(code)],
            ).fetchone()
            if row is None or row[0] != terminal_id:
                raise RegistrationRefused("unknown registration code for this terminal")
            if row[2] is not None or row[1] < time.time():
                raise RegistrationRefused("the registration code was used or has expired")
            taken = db.execute(
                "SELECT terminal_id, revoked_at FROM terminal_keys WHERE key_id = ?", [key_id]
            ).fetchone()
            if taken is not None and taken[0] != terminal_id:
                raise RegistrationRefused("this key belongs to another terminal")
            if taken is not None and taken[1] is not None:
                raise RegistrationRefused("this key was revoked: the terminal needs a new key")
            db.execute(
                "UPDATE registration_codes SET used_ts = ? WHERE code_hash = ?",
                [time.time(), _hash_code(code)],
            )
            now = now_iso()
            db.execute(
                "UPDATE terminals SET key_id = ?, public_key = ?, registered_at = ?, "
                "status = 'active', revoked_at = NULL WHERE terminal_id = ?",
                [key_id, public_key_b64, now, terminal_id],
            )
            self._record_key(db, terminal_id, key_id, public_key_b64, now)
        return Terminal(terminal_id, key_id, public_key)

    @staticmethod
    def _record_key(
        db: sqlite_utils.Database, terminal_id: str, key_id: str, public_key_b64: str, now: str
    ) -> None:
        """The new key becomes current; the terminal's earlier keys are kept, retired now."""
        db.execute(
            "UPDATE terminal_keys SET retired_at = ? "
            "WHERE terminal_id = ? AND key_id != ? AND retired_at IS NULL",
            [now, terminal_id, key_id],
        )
        db.execute(
            "INSERT INTO terminal_keys (key_id, terminal_id, public_key, registered_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET retired_at = NULL",
            [key_id, terminal_id, public_key_b64, now],
        )

    def revoke_terminal(self, terminal_id: str) -> int:
        """Revoke every key of `terminal_id` and its unused codes; return how many keys.

        Its requests, cases and bundles are refused from now on; a certificate signed by one
        of its keys verifies only if the platform recorded its case before now.
        """
        now = now_iso()
        with self.transaction() as db:
            if (
                db.execute(
                    "SELECT 1 FROM terminals WHERE terminal_id = ?", [terminal_id]
                ).fetchone()
                is None
            ):
                raise CentralError(f"no terminal {terminal_id!r}")
            db.execute(
                "UPDATE terminals SET status = 'revoked', revoked_at = ? WHERE terminal_id = ?",
                [now, terminal_id],
            )
            revoked = db.execute(
                "UPDATE terminal_keys SET revoked_at = ? "
                "WHERE terminal_id = ? AND revoked_at IS NULL",
                [now, terminal_id],
            ).rowcount
            db.execute(
                "UPDATE registration_codes SET used_ts = ? "
                "WHERE terminal_id = ? AND used_ts IS NULL",
                [time.time(), terminal_id],
            )
        return int(revoked)

    def terminal_by_key(self, key_id: str) -> Terminal | None:
        """The active terminal whose current, unrevoked key this is."""
        rows = self.rows(
            "SELECT t.terminal_id, t.public_key FROM terminals t "
            "JOIN terminal_keys k ON k.key_id = t.key_id "
            "WHERE t.key_id = ? AND t.status = 'active' AND k.revoked_at IS NULL",
            [key_id],
        )
        if not rows:
            return None
        return Terminal(rows[0][0], key_id, wire.ed25519_from_b64(rows[0][1]))

    def service_point(self, terminal_id: str) -> str:
        rows = self.rows("SELECT service_point FROM terminals WHERE terminal_id = ?", [terminal_id])
        return str(rows[0][0]) if rows else ""

    def terminals(self) -> list[dict[str, Any]]:
        """Every terminal, its current key and the keys it used before (newest first)."""
        rows = self.rows(
            "SELECT terminal_id, key_id, public_key, registered_at, status, service_point, "
            "revoked_at FROM terminals ORDER BY terminal_id"
        )
        names = (
            "terminal_id",
            "key_id",
            "public_key",
            "registered_at",
            "status",
            "service_point",
            "revoked_at",
        )
        retired: dict[str, list[dict[str, Any]]] = {}
        for terminal_id, *key in self.rows(
            "SELECT terminal_id, key_id, public_key, registered_at, retired_at, revoked_at "
            "FROM terminal_keys WHERE retired_at IS NOT NULL ORDER BY retired_at DESC, key_id"
        ):
            fields = ("key_id", "public_key", "registered_at", "retired_at", "revoked_at")
            retired.setdefault(terminal_id, []).append(dict(zip(fields, key, strict=True)))
        return [
            {**dict(zip(names, row, strict=True)), "previous_keys": retired.get(row[0], [])}
            for row in rows
        ]

    def key_record(self, key_id: str) -> KeyRecord | None:
        """Any key a terminal ever registered (certificate tokens name it by `kid`)."""
        rows = self.rows(
            "SELECT terminal_id, public_key, retired_at, revoked_at FROM terminal_keys "
            "WHERE key_id = ?",
            [key_id],
        )
        if not rows:
            return None
        terminal_id, public_key, retired_at, revoked_at = rows[0]
        return KeyRecord(
            terminal_id, wire.ed25519_from_b64(public_key), _when(retired_at), _when(revoked_at)
        )

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """key id -> public key of every key a terminal ever registered."""
        return {
            row[0]: wire.ed25519_from_b64(row[1])
            for row in self.rows("SELECT key_id, public_key FROM terminal_keys")
        }

    def certificate_recorded(self, token_sha256: str) -> tuple[str, dt.datetime] | None:
        """(terminal id, when) the platform received the case that carries this token."""
        rows = self.rows(
            "SELECT terminal_id, recorded_at FROM certificates WHERE token_sha256 = ?",
            [token_sha256],
        )
        if not rows:
            return None
        return str(rows[0][0]), dt.datetime.fromisoformat(rows[0][1])

    def use_nonce(self, key_id: str, nonce: str) -> None:
        now = time.time()
        with self.transaction() as db:
            db.execute("DELETE FROM nonces WHERE expires_ts < ?", [now])
            try:
                db.execute(
                    "INSERT INTO nonces VALUES (?, ?, ?)", [key_id, nonce, now + NONCE_TTL_S]
                )
            except sqlite3.IntegrityError:
                raise ReplayedRequest("this request was already received") from None

    # --- cases ----------------------------------------------------------------------------

    def ingest(self, terminal: Terminal, cases: list[Any], source: str) -> list[IngestResult]:
        """Check and store a batch in one transaction; one outcome per case, in order.

        Each case is checked on its own: a malformed one is rejected with its reason and the
        others are stored.
        """
        checked = [self._check(terminal, case) for case in cases]
        outcomes = []
        with self.transaction() as db:
            for case, (case_id, problem) in zip(cases, checked, strict=True):
                if problem:
                    outcomes.append(IngestResult(case_id, "rejected", problem))
                    continue
                outcomes.append(self._store_case(db, terminal, case, source))
        if self._new_work:
            self._new_work = False
            self.work_added.set()
        return outcomes

    @staticmethod
    def _check(terminal: Terminal, case: Any) -> tuple[str, str]:
        case_id, problem = check_case(terminal.key_id, terminal.public_key, case)
        return case_id, problem or check_kind(case, terminal.terminal_id)

    def _store_case(
        self, db: sqlite_utils.Database, terminal: Terminal, case: dict[str, Any], source: str
    ) -> IngestResult:
        case_id, digest = case["case_id"], wire.case_digest(case)
        row = db.execute(
            "SELECT digest FROM cases WHERE terminal_id = ? AND case_id = ?",
            [terminal.terminal_id, case_id],
        ).fetchone()
        if row is not None:
            if row[0] == digest:
                return IngestResult(case_id, "duplicate")
            return IngestResult(case_id, "rejected", "conflict: a different case has this id")
        envelope = {k: v for k, v in case.items() if k != "attachment_data"}
        received_at = now_iso()
        db.execute(
            "INSERT INTO cases (case_id, terminal_id, key_id, kind, created_at, received_at, "
            "test, digest, envelope, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                case_id,
                terminal.terminal_id,
                terminal.key_id,
                case["kind"],
                case["created_at"],
                received_at,
                int(case["test"]),
                digest,
                json.dumps(envelope),
                source,
            ],
        )
        for name, blob in (case.get("attachment_data") or {}).items():
            db.execute(
                "INSERT INTO case_attachments VALUES (?, ?, ?, ?)",
                [terminal.terminal_id, case_id, name, wire.b64d(blob)],
            )
        found = case_certificate(case)
        if found is not None:
            db.execute(
                "INSERT OR IGNORE INTO certificates VALUES (?, ?, ?, ?, ?, ?)",
                [found[0], terminal.terminal_id, terminal.key_id, found[1], case_id, received_at],
            )
        if intake.on_case_stored(db, terminal.terminal_id, case, received_at):
            self._new_work = True
        return IngestResult(case_id, "accepted")

    def feed(
        self, after: int, limit: int, test: bool | None = None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Changes after the cursor `after`, oldest first (`central.feed`)."""
        return feed_module.read_feed(self, after, limit, test)

    def cases_with_id(self, case_id: str, terminal_id: str | None = None) -> list[dict[str, Any]]:
        """The cases stored under `case_id` (one per terminal at most), oldest first."""
        return feed_module.cases_with_id(self, case_id, terminal_id)

    def case(self, case_id: str) -> dict[str, Any] | None:
        found = self.cases_with_id(case_id)
        return found[0] if found else None

    def attachment(self, terminal_id: str, case_id: str, name: str) -> bytes | None:
        rows = self.rows(
            "SELECT data FROM case_attachments WHERE terminal_id = ? AND case_id = ? AND name = ?",
            [terminal_id, case_id, name],
        )
        return bytes(rows[0][0]) if rows else None

    def count_cases(self) -> int:
        return int(self.rows("SELECT COUNT(*) FROM cases")[0][0])

    # --- reference faces ------------------------------------------------------------------

    def put_reference_face(self, id_number: str, jpeg: bytes) -> None:
        """Store (or replace) a reference face; the decide worker makes its template."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO reference_faces VALUES (?, ?, ?) ON CONFLICT (id_number) "
                "DO UPDATE SET jpeg = excluded.jpeg, updated_at = excluded.updated_at",
                [id_number, jpeg, now_iso()],
            )
            intake.on_reference_face(db, id_number)
        self.work_added.set()

    def reference_face(self, id_number: str) -> bytes | None:
        rows = self.rows("SELECT jpeg FROM reference_faces WHERE id_number = ?", [id_number])
        return bytes(rows[0][0]) if rows else None


def _raw(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of a migration script (a trigger's body holds semicolons)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \n;"):
        yield pending.strip()
