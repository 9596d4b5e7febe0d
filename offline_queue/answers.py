"""The platform's answers as the case store keeps them: decisions, and whose case each one is.

A terminal deletes a case's personal data as soon as the platform has the case, yet a resident
who comes back while the link is down must still hear the answer (查询认证结果). So each case
keeps a **resident tag**: HMAC-SHA256 of the card's ID number under a key derived (HKDF) from
the terminal's storage key. The tag is a keyed pseudonym, not the number: without the storage
key (`keys/storage.key`, 0600, never leaves the terminal) it cannot be computed from an ID
number nor turned back into one, and tags of two terminals for one resident differ. With the
storage key one could enumerate ID numbers against it, so it is protected exactly like the
sealed payloads (same key, same 0600 file) and deleted with the case's metadata when the
retention ends. It lets the terminal answer "is there a decision for the card on the reader?",
nothing else.

Each decision is kept as the platform signed it (`kiosk-decision/1`, checked before it is
stored), sealed with the storage key like a payload (AES-GCM, the case id as associated data);
only its case id, feed cursor, time and test flag are in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from contract import wire
from contract.decisions import Decision
from offline_queue.errors import StoreBroken
from offline_queue.migrations import SCHEMA
from offline_queue.sqlite_db import read_only

CURSOR_KEY = "decisions_cursor"
PSEUDONYM_INFO = b"kiosk-resident-tag/1"
CHECK_KIND = "pension_check"
LISTED_FIELDS = ("case_id", "decision", "reason", "decided_at", "decided_by")


@dataclass(frozen=True)
class SyncedDecision:
    """The platform's signed decision on one of this terminal's cases, as stored here."""

    case_id: str
    verdict: str  # "verified" | "not_verified"
    reason: str  # a `contract.decisions.Reason` code
    decided_at: str  # ISO 8601, UTC
    decided_by: str  # "auto" | "review"
    test: bool  # a test case: never a resident's answer

    def listed(self) -> dict[str, Any]:
        """`kiosk queue decisions --json`'s fields."""
        return {
            "case_id": self.case_id,
            "decision": self.verdict,
            "reason": self.reason,
            "decided_at": self.decided_at,
            "decided_by": self.decided_by,
        }


@dataclass(frozen=True)
class VerifiedDecision:
    """A decision whose signature and terminal were checked, with its feed cursor."""

    cursor: int
    decision: Decision
    document: Mapping[str, Any]


def tag_key(storage_key: bytes) -> bytes:
    """The pseudonym key: derived, so a tag never reveals anything about the storage key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PSEUDONYM_INFO).derive(
        storage_key
    )


def resident_tag(key: bytes, id_number: str) -> str:
    return hmac.new(key, id_number.strip().upper().encode(), hashlib.sha256).hexdigest()


def case_marks(kind: str, payload: Mapping[str, Any]) -> tuple[str | None, bool]:
    """(the card's ID number or None, whether the platform will decide the case)."""
    if kind != CHECK_KIND:
        return None, False
    resident = payload.get("resident")
    number = resident.get("id_number") if isinstance(resident, Mapping) else None
    return (number if isinstance(number, str) and number else None), (
        payload.get("outcome") == "pending"
    )


# --- writing (inside the store's transaction) -------------------------------------------------


def store_decisions(
    db: sqlite_utils.Database,
    storage_key: bytes,
    decisions: list[VerifiedDecision],
    now: float | None = None,
) -> int:
    """File checked decisions and move the cursor past them, in the caller's transaction.
    A decision already held (a page fetched again) is left as it is. Returns how many are new."""
    now = time.time() if now is None else now
    new = 0
    for item in decisions:
        decision = item.decision
        sealed = wire.seal(storage_key, wire.canonical(dict(item.document)), _aad(decision.case_id))
        added = db.execute(
            "INSERT OR IGNORE INTO decisions (case_id, cursor, decided_at, test, stored_ts, "
            "document) VALUES (?, ?, ?, ?, ?, ?)",
            [decision.case_id, item.cursor, decision.decided_at, int(decision.test), now, sealed],
        ).rowcount
        new += added
        db.execute(
            "UPDATE cases SET decided_ts = ? WHERE id = ? AND decided_ts IS NULL",
            [now, decision.case_id],
        )
    if decisions:
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [CURSOR_KEY, str(decisions[-1].cursor)],
        )
    return new


# --- reading ----------------------------------------------------------------------------------

LATEST_SQL = (
    "SELECT d.case_id, d.document FROM decisions d JOIN cases c ON c.id = d.case_id "
    "WHERE c.resident_tag = ? AND d.test = 0 AND c.test = 0 "
    "ORDER BY d.decided_at DESC, d.cursor DESC LIMIT 1"
)
WAITING_SQL = (
    "SELECT 1 FROM cases WHERE resident_tag = ? AND awaits_decision = 1 AND test = 0 "
    "AND decided_ts IS NULL AND status != 'rejected' LIMIT 1"
)


def unsealed(storage_key: bytes, case_id: str, blob: bytes) -> SyncedDecision:
    """A stored decision; StoreBroken when it does not decrypt with this terminal's key."""
    try:
        body = json.loads(wire.unseal(storage_key, blob, _aad(case_id)))
        return SyncedDecision(
            case_id=str(body["case_id"]),
            verdict=str(body["verdict"]),
            reason=str(body["reason"]),
            decided_at=str(body["decided_at"]),
            decided_by=str(body["decided_by"]),
            test=bool(body.get("test", False)),
        )
    except (wire.WireError, ValueError, KeyError, TypeError) as exc:
        raise StoreBroken(f"the decision on case {case_id} is unreadable: {exc}") from None


def read_decisions(path: Path, storage_key: bytes) -> list[SyncedDecision]:
    """Every stored decision, oldest first: read-only, without the writer lock (the kiosk may
    be running), with the storage key to open them."""
    if not path.exists():
        return []
    with read_only(path, SCHEMA) as conn:
        if _version(conn) < SCHEMA_DECISIONS:
            return []
        rows = conn.execute(
            "SELECT case_id, document FROM decisions ORDER BY decided_at, cursor"
        ).fetchall()
    return [unsealed(storage_key, case_id, blob) for case_id, blob in rows]


def decision_counts(conn: Any) -> dict[str, int]:
    """Cases decided here by the platform, and checks still awaiting its decision."""
    if _version(conn) < SCHEMA_DECISIONS:
        return {"decided": 0, "awaiting_decision": 0}
    decided = conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
    awaiting = conn.execute(
        "SELECT COUNT(*) FROM cases WHERE awaits_decision = 1 AND decided_ts IS NULL "
        "AND status != 'rejected'"
    ).fetchone()[0]
    return {"decided": int(decided), "awaiting_decision": int(awaiting)}


SCHEMA_DECISIONS = 2  # the migration that added the tables read here


def _version(conn: Any) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _aad(case_id: str) -> bytes:
    return f"{case_id}/decision".encode()


BACKFILLED_KEY = "resident_tags_backfilled"


def backfill_tags(db: sqlite_utils.Database, storage_key: bytes) -> int:
    """Once, after the migration: tag the cases that still hold their payload (a case whose
    personal data is already gone cannot be tagged, so it answers no resident)."""
    if db.execute("SELECT 1 FROM meta WHERE key = ?", [BACKFILLED_KEY]).fetchone():
        return 0
    key, tagged = tag_key(storage_key), 0
    rows = db.execute(
        "SELECT id, kind, payload FROM cases WHERE payload IS NOT NULL AND resident_tag IS NULL"
    ).fetchall()
    for case_id, kind, blob in rows:
        try:
            payload = json.loads(wire.unseal(storage_key, blob, f"{case_id}/payload".encode()))
        except (wire.WireError, ValueError):
            continue  # the sync worker reports a case that does not decrypt
        number, awaits = case_marks(kind, payload if isinstance(payload, dict) else {})
        db.execute(
            "UPDATE cases SET resident_tag = ?, awaits_decision = ? WHERE id = ?",
            [None if number is None else resident_tag(key, number), int(awaits), case_id],
        )
        tagged += number is not None
    db.execute("INSERT INTO meta (key, value) VALUES (?, '1')", [BACKFILLED_KEY])
    return tagged


ROSTER_META = ("roster_etag", "roster_issued_at", "roster_templates", "roster_bytes")


def read_answers_status(path: Path) -> dict[str, Any]:
    """For the self-test and the technician: decided / awaiting-decision counts and the roster
    held ({"issued_at", "templates", "bytes"} or None). Read-only, no keys, no personal data."""
    status: dict[str, Any] = {"decided": 0, "awaiting_decision": 0, "roster": None}
    if not path.exists():
        return status
    with read_only(path, SCHEMA) as conn:
        status.update(decision_counts(conn))
        marks = ",".join("?" * len(ROSTER_META))
        meta = dict(
            conn.execute(
                f"SELECT key, value FROM meta WHERE key IN ({marks})",  # noqa: S608
                ROSTER_META,
            ).fetchall()
        )
    if meta.get("roster_etag"):
        status["roster"] = {
            "issued_at": meta.get("roster_issued_at"),
            "templates": int(meta.get("roster_templates") or 0),
            "bytes": int(meta.get("roster_bytes") or 0),
        }
    return status
