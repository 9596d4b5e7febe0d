"""The reference platform's storage: terminals, one-time codes, cases, nonces, reference faces.

SQLite WAL with `synchronous=FULL`, one connection behind a lock (the platform is a reference
implementation for a few hundred terminals, not a cluster). Cases get a monotonically
increasing `seq` when they are committed; the pull feed's cursor is that number, so it stays
stable however many cases arrive while a consumer pages through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
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

from central.errors import BundleRefused, CentralError, RegistrationRefused, ReplayedRequest
from contract import wire
from contract.ids import is_uuid7
from contract.keys import key_id_of

CODE_TTL_S = 7 * 86400
NONCE_TTL_S = 2 * wire.MAX_CLOCK_SKEW_S + 60

SCHEMA = (
    (
        1,
        """
        CREATE TABLE terminals (
            terminal_id TEXT PRIMARY KEY,
            key_id TEXT UNIQUE,
            public_key TEXT,
            registered_at TEXT,
            status TEXT NOT NULL DEFAULT 'awaiting'
        );
        CREATE TABLE registration_codes (
            code_hash TEXT PRIMARY KEY,
            terminal_id TEXT NOT NULL REFERENCES terminals (terminal_id),
            expires_ts REAL NOT NULL,
            used_ts REAL
        );
        CREATE TABLE cases (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id TEXT NOT NULL UNIQUE,
            terminal_id TEXT NOT NULL,
            key_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            test INTEGER NOT NULL,
            digest TEXT NOT NULL,
            envelope TEXT NOT NULL,
            source TEXT NOT NULL
        );
        CREATE TABLE case_attachments (
            case_id TEXT NOT NULL REFERENCES cases (case_id),
            name TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (case_id, name)
        );
        CREATE TABLE nonces (
            key_id TEXT NOT NULL,
            nonce TEXT NOT NULL,
            expires_ts REAL NOT NULL,
            PRIMARY KEY (key_id, nonce)
        );
        CREATE TABLE reference_faces (
            id_number TEXT PRIMARY KEY,
            jpeg BLOB NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE platform_keys (name TEXT PRIMARY KEY, value BLOB NOT NULL);
        """,
    ),
    (
        2,
        # Every key a terminal ever registered: certificates printed with an old key must
        # still verify after the terminal re-registers; requests and cases need the current one.
        """
        CREATE TABLE terminal_keys (
            key_id TEXT PRIMARY KEY,
            terminal_id TEXT NOT NULL REFERENCES terminals (terminal_id),
            public_key TEXT NOT NULL,
            registered_at TEXT NOT NULL,
            retired_at TEXT
        );
        INSERT INTO terminal_keys (key_id, terminal_id, public_key, registered_at)
            SELECT key_id, terminal_id, public_key, registered_at FROM terminals
            WHERE key_id IS NOT NULL AND public_key IS NOT NULL;
        """,
    ),
)


@dataclass(frozen=True)
class Terminal:
    terminal_id: str
    key_id: str
    public_key: Ed25519PublicKey


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


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


class PlatformDB:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10.0)
        self._db = sqlite_utils.Database(conn, execute_plugins=False)
        self._lock = threading.RLock()
        self._db.enable_wal()
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._migrate()
        self.bundle_key = self._bundle_key()
        self.receipt_key = self._receipt_key()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite_utils.Database]:
        with self._lock, self._db.atomic() as db:
            yield db

    def _rows(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _migrate(self) -> None:
        with self._tx() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
        done = {row[0] for row in self._rows("SELECT version FROM schema_migrations")}
        for version, script in SCHEMA:
            if version in done:
                continue
            with self._tx() as db:
                for statement in (s.strip() for s in script.split(";")):
                    if statement:
                        db.execute(statement)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?)", [version, _now_iso()])

    def _platform_key(self, name: str, generate: Any) -> bytes:
        """A private key of the platform's own, made once and kept in the database."""
        rows = self._rows("SELECT value FROM platform_keys WHERE name = ?", [name])
        if rows:
            return bytes(rows[0][0])
        raw = generate().private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO platform_keys VALUES (?, ?)", [name, raw])
        return bytes(self._rows("SELECT value FROM platform_keys WHERE name = ?", [name])[0][0])

    def _bundle_key(self) -> X25519PrivateKey:
        """Terminals encrypt export bundles to this X25519 key."""
        raw = self._platform_key("bundle_x25519", X25519PrivateKey.generate)
        return X25519PrivateKey.from_private_bytes(raw)

    def _receipt_key(self) -> Ed25519PrivateKey:
        """Signs import receipts, which terminals without a link accept as acknowledgements."""
        raw = self._platform_key("receipt_ed25519", Ed25519PrivateKey.generate)
        return Ed25519PrivateKey.from_private_bytes(raw)

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
        self, bundle: dict[str, Any]
    ) -> tuple[Terminal, list[IngestResult], dict[str, Any]]:
        """Check, decrypt and ingest a bundle; return the outcomes and a signed receipt."""
        terminal = self.terminal_by_key(str(bundle.get("key_id", "")))
        if terminal is None:
            raise BundleRefused("the bundle comes from an unknown terminal key")
        try:
            cases = wire.open_bundle(bundle, terminal.public_key, self.bundle_key)
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

    def add_terminal(self, terminal_id: str) -> str:
        """Allow `terminal_id` to register; return a new one-time code (shown once)."""
        if not terminal_id or len(terminal_id) > 64 or not terminal_id.isprintable():
            raise CentralError("a terminal id is 1 to 64 printable characters")
        code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        with self._tx() as db:
            db.execute(
                "INSERT INTO terminals (terminal_id) VALUES (?) ON CONFLICT DO NOTHING",
                [terminal_id],
            )
            db.execute(
                "INSERT INTO registration_codes VALUES (?, ?, ?, NULL)",
                [_hash_code(code), terminal_id, time.time() + CODE_TTL_S],
            )
        return code

    def register(self, terminal_id: str, code: str, public_key_b64: str) -> Terminal:
        try:
            public_key = wire.ed25519_from_b64(public_key_b64)
        except wire.WireError as exc:
            raise RegistrationRefused(str(exc)) from None
        key_id = key_id_of(public_key)
        with self._tx() as db:
            row = db.execute(
                "SELECT terminal_id, expires_ts, used_ts FROM registration_codes "
                "WHERE code_hash = ?",
                [_hash_code(code)],
            ).fetchone()
            if row is None or row[0] != terminal_id:
                raise RegistrationRefused("unknown registration code for this terminal")
            if row[2] is not None or row[1] < time.time():
                raise RegistrationRefused("the registration code was used or has expired")
            db.execute(
                "UPDATE registration_codes SET used_ts = ? WHERE code_hash = ?",
                [time.time(), _hash_code(code)],
            )
            taken = db.execute(
                "SELECT terminal_id FROM terminal_keys WHERE key_id = ?", [key_id]
            ).fetchone()
            if taken is not None and taken[0] != terminal_id:
                raise RegistrationRefused("this key belongs to another terminal")
            now = _now_iso()
            db.execute(
                "UPDATE terminals SET key_id = ?, public_key = ?, registered_at = ?, "
                "status = 'active' WHERE terminal_id = ?",
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

    def terminal_by_key(self, key_id: str) -> Terminal | None:
        rows = self._rows(
            "SELECT terminal_id, public_key FROM terminals WHERE key_id = ? AND status = 'active'",
            [key_id],
        )
        if not rows:
            return None
        return Terminal(rows[0][0], key_id, wire.ed25519_from_b64(rows[0][1]))

    def terminals(self) -> list[dict[str, Any]]:
        """Every terminal, its current key and the keys it used before (newest first)."""
        rows = self._rows(
            "SELECT terminal_id, key_id, public_key, registered_at, status FROM terminals "
            "ORDER BY terminal_id"
        )
        names = ("terminal_id", "key_id", "public_key", "registered_at", "status")
        retired: dict[str, list[dict[str, Any]]] = {}
        for terminal_id, *key in self._rows(
            "SELECT terminal_id, key_id, public_key, registered_at, retired_at "
            "FROM terminal_keys WHERE retired_at IS NOT NULL ORDER BY retired_at DESC, key_id"
        ):
            fields = ("key_id", "public_key", "registered_at", "retired_at")
            retired.setdefault(terminal_id, []).append(dict(zip(fields, key, strict=True)))
        return [
            {**dict(zip(names, row, strict=True)), "previous_keys": retired.get(row[0], [])}
            for row in rows
        ]

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """key id -> public key of every key a terminal ever registered (certificate tokens).

        Old keys stay: a certificate printed before the terminal re-registered still verifies.
        Requests and cases are checked against the current key only (`terminal_by_key`).
        """
        return {
            row[0]: wire.ed25519_from_b64(row[1])
            for row in self._rows("SELECT key_id, public_key FROM terminal_keys")
        }

    def key_retirements(self) -> dict[str, dt.datetime]:
        """key id -> when a newer key replaced it."""
        return {
            row[0]: dt.datetime.fromisoformat(row[1])
            for row in self._rows(
                "SELECT key_id, retired_at FROM terminal_keys WHERE retired_at IS NOT NULL"
            )
        }

    def use_nonce(self, key_id: str, nonce: str) -> None:
        now = time.time()
        with self._tx() as db:
            db.execute("DELETE FROM nonces WHERE expires_ts < ?", [now])
            try:
                db.execute(
                    "INSERT INTO nonces VALUES (?, ?, ?)", [key_id, nonce, now + NONCE_TTL_S]
                )
            except sqlite3.IntegrityError:
                raise ReplayedRequest("this request was already received") from None

    # --- cases ----------------------------------------------------------------------------

    def ingest(
        self, terminal: Terminal, cases: list[dict[str, Any]], source: str
    ) -> list[IngestResult]:
        """Check and store a batch in one transaction; one outcome per case, in order."""
        checked = [(case, _check(terminal, case)) for case in cases]
        outcomes = []
        with self._tx() as db:
            for case, problem in checked:
                case_id = str(case.get("case_id", ""))
                if problem:
                    outcomes.append(IngestResult(case_id, "rejected", problem))
                    continue
                outcomes.append(self._store_case(db, terminal, case, source))
        return outcomes

    def _store_case(
        self, db: sqlite_utils.Database, terminal: Terminal, case: dict[str, Any], source: str
    ) -> IngestResult:
        case_id, digest = case["case_id"], wire.case_digest(case)
        row = db.execute("SELECT digest FROM cases WHERE case_id = ?", [case_id]).fetchone()
        if row is not None:
            if row[0] == digest:
                return IngestResult(case_id, "duplicate")
            return IngestResult(case_id, "rejected", "conflict: a different case has this id")
        envelope = {k: v for k, v in case.items() if k != "attachment_data"}
        db.execute(
            "INSERT INTO cases (case_id, terminal_id, key_id, kind, created_at, received_at, "
            "test, digest, envelope, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                case_id,
                terminal.terminal_id,
                terminal.key_id,
                case["kind"],
                case["created_at"],
                _now_iso(),
                int(bool(case["test"])),
                digest,
                json.dumps(envelope),
                source,
            ],
        )
        for name, blob in (case.get("attachment_data") or {}).items():
            db.execute(
                "INSERT INTO case_attachments VALUES (?, ?, ?)", [case_id, name, wire.b64d(blob)]
            )
        return IngestResult(case_id, "accepted")

    def feed(
        self, after: int, limit: int, test: bool | None = None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Cases committed after `after`, oldest first; `test` filters test cases in or out."""
        rows = self._rows(
            "SELECT seq, terminal_id, received_at, envelope, source FROM cases "
            "WHERE seq > ? AND (? IS NULL OR test = ?) ORDER BY seq LIMIT ?",
            [
                after,
                None if test is None else int(test),
                None if test is None else int(test),
                limit,
            ],
        )
        items = [_feed_item(*row) for row in rows]
        return items, (rows[-1][0] if rows else None)

    def case(self, case_id: str) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT seq, terminal_id, received_at, envelope, source FROM cases WHERE case_id = ?",
            [case_id],
        )
        return _feed_item(*rows[0]) if rows else None

    def attachment(self, case_id: str, name: str) -> bytes | None:
        rows = self._rows(
            "SELECT data FROM case_attachments WHERE case_id = ? AND name = ?", [case_id, name]
        )
        return bytes(rows[0][0]) if rows else None

    def count_cases(self) -> int:
        return int(self._rows("SELECT COUNT(*) FROM cases")[0][0])

    # --- reference faces ------------------------------------------------------------------

    def put_reference_face(self, id_number: str, jpeg: bytes) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO reference_faces VALUES (?, ?, ?) ON CONFLICT (id_number) "
                "DO UPDATE SET jpeg = excluded.jpeg, updated_at = excluded.updated_at",
                [id_number, jpeg, _now_iso()],
            )

    def reference_face(self, id_number: str) -> bytes | None:
        rows = self._rows("SELECT jpeg FROM reference_faces WHERE id_number = ?", [id_number])
        return bytes(rows[0][0]) if rows else None


def _feed_item(
    seq: int, terminal_id: str, received_at: str, envelope: str, source: str
) -> dict[str, Any]:
    case = json.loads(envelope)
    return {
        "case_id": case["case_id"],
        "cursor": str(seq),
        "terminal_id": terminal_id,
        "kind": case["kind"],
        "created_at": case["created_at"],
        "received_at": received_at,
        "test": case["test"],
        "schema_version": case["schema_version"],
        "key_id": case["key_id"],
        "payload": case["payload"],
        "attachments": case["attachments"],
        "signature": case["signature"],
        "source": source,
    }


def _check(terminal: Terminal, case: dict[str, Any]) -> str:
    """Why the case is invalid, or "" when it is fine."""
    try:
        _require(is_uuid7(str(case["case_id"])), "case_id is not a UUIDv7")
        _require(
            case["schema_version"] == wire.SCHEMA_VERSION,
            f"schema version {case['schema_version']!r} is not supported",
        )
        _require(case["key_id"] == terminal.key_id, "the case was signed by another key")
        _require(
            isinstance(case["payload"], dict) and isinstance(case["attachments"], dict),
            "payload and attachments must be objects",
        )
        _require(isinstance(case["kind"], str) and 0 < len(case["kind"]) <= 64, "bad kind")
        _require(isinstance(case["created_at"], str), "created_at must be text")
        wire.verify_case(terminal.public_key, case)
    except KeyError as exc:
        return f"invalid: missing field {exc.args[0]!r}"
    except (wire.WireError, TypeError, ValueError) as exc:
        return f"invalid: {exc}"
    return ""


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise wire.WireError(problem)
