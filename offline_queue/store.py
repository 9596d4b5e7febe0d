"""The kiosk's case store: every recorded case survives power cuts until the platform has it.

SQLite opened and migrated through `offline_queue.sqlite_db` (WAL, `synchronous=FULL`, file
0600, secure_delete, quick_check on open), every write in `db.atomic()`.
One writer: the store holds an exclusive lock file while open for writing, and a lock inside
serialises the flow's enqueue with the sync worker. Payload and attachments are AES-GCM
sealed with the terminal's storage key (the case id and field name as associated data, so a
blob cannot be moved to another case); each case is signed with the terminal's Ed25519 key
when it is stored, so every resend is byte-identical.

The platform's answers (`offline_queue.answers`) live here too: its signed decisions, sealed
like payloads, and per case a keyed pseudonym of the ID number that outlives the payload.

Status: pending -> sending -> acked (personal data deleted at once), or rejected (dead letter,
kept for the technician until the retention ends). A crash leaves cases "sending"; opening the
store puts them back to pending.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import sqlite_utils

from contract import wire
from contract.ids import uuid7
from offline_queue import answers
from offline_queue.answers import SyncedDecision, VerifiedDecision
from offline_queue.errors import CaseNotFound, StoreBroken, StoreError, StoreFull
from offline_queue.keys import TerminalKeys
from offline_queue.migrations import SCHEMA
from offline_queue.sqlite_db import FileOptions, open_database, read_only, translated

log = logging.getLogger(__name__)

STATUSES = ("pending", "sending", "acked", "rejected")
DEFAULT_MIN_FREE_BYTES = 50 * 1024 * 1024
MAX_KIND_LENGTH = 64


class InvalidCase(StoreError, ValueError):
    """The caller passed something that is not a case (a programming error, not a disk one)."""


def _utc_iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds")


class CaseStore:
    """Open with `CaseStore.open(path, keys)`; close with `.close()`. Thread-safe."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        keys: TerminalKeys,
        path: Path,
        lock_fd: int | None,
        *,
        min_free_bytes: int,
        retention_days: int,
    ) -> None:
        self._db = db
        self._keys = keys
        self.path = path
        self._lock_fd = lock_fd
        self._lock = threading.RLock()
        self._min_free_bytes = min_free_bytes
        self.retention_days = retention_days
        self._closed = False
        self._tag_key = answers.tag_key(keys.storage_key)

    # --- opening and closing ---------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        keys: TerminalKeys,
        *,
        max_db_bytes: int = 0,
        min_free_bytes: int = DEFAULT_MIN_FREE_BYTES,
        retention_days: int = 30,
    ) -> CaseStore:
        """Open (creating and migrating) the store; put cases a crash left "sending" back."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_fd = _take_writer_lock(path)
        try:
            db = open_database(path, SCHEMA, _file_options(max_db_bytes))
        except BaseException:
            os.close(lock_fd)
            raise
        store = cls(
            db, keys, path, lock_fd, min_free_bytes=min_free_bytes, retention_days=retention_days
        )
        try:
            store._recover()
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._db.close()
            finally:
                if self._lock_fd is not None:
                    os.close(self._lock_fd)

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _recover(self) -> None:
        with self._write("recovering interrupted sends"):
            cursor = self._db.execute(
                "UPDATE cases SET status = 'pending', updated_ts = ? WHERE status = 'sending'",
                [time.time()],
            )
        if cursor.rowcount:
            log.warning(
                "%d case(s) were being sent when the kiosk stopped: pending again", cursor.rowcount
            )
        with self._write("tagging cases for residents' answers") as db:
            answers.backfill_tags(db, self._keys.storage_key)

    @contextmanager
    def _write(self, what: str) -> Iterator[sqlite_utils.Database]:
        """One write transaction; SQLite errors become StoreFull / StoreBroken."""
        with self._lock:
            if self._closed:
                raise StoreBroken("the case store is closed")
            with translated(what, SCHEMA.errors), self._db.atomic() as db:
                yield db

    def _read(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._closed:
                raise StoreBroken("the case store is closed")
            with translated("reading the case store", SCHEMA.errors):
                return self._db.execute(sql, params).fetchall()

    # --- the flow's side ------------------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        attachments: dict[str, bytes],
        *,
        test: bool = False,
    ) -> str:
        """Store a case durably; return its id. Raises StoreFull / StoreBroken, never loses it."""
        _check_case(kind, payload, attachments)
        now = time.time()
        case_id = uuid7(int(now * 1000))
        envelope = {
            "case_id": case_id,
            "kind": kind,
            "created_at": _utc_iso(now),
            "schema_version": wire.SCHEMA_VERSION,
            "test": bool(test),
            "key_id": self._keys.key_id,
            "payload": payload,
            "attachments": {
                name: {"sha256": wire.sha256_hex(blob), "size": len(blob)}
                for name, blob in attachments.items()
            },
        }
        signature = wire.sign_case(self._keys.signing_key, envelope)
        key = self._keys.storage_key
        sealed_payload = wire.seal(key, wire.canonical(payload), f"{case_id}/payload".encode())
        sealed = {
            name: wire.seal(key, blob, f"{case_id}/att/{name}".encode())
            for name, blob in attachments.items()
        }
        self._check_free_space(len(sealed_payload) + sum(len(b) for b in sealed.values()))
        number, awaits = answers.case_marks(kind, payload)
        tag = None if number is None else answers.resident_tag(self._tag_key, number)
        with self._write("storing a new case") as db:
            db.execute(
                "INSERT INTO cases (id, kind, created_at, created_ts, schema_version, test, "
                "status, payload, attachments_meta, signature, updated_ts, resident_tag, "
                "awaits_decision) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)",
                [
                    case_id,
                    kind,
                    envelope["created_at"],
                    now,
                    wire.SCHEMA_VERSION,
                    int(test),
                    sealed_payload,
                    json.dumps(envelope["attachments"]),
                    signature,
                    now,
                    tag,
                    int(awaits),
                ],
            )
            for name, blob in sealed.items():
                db.execute(
                    "INSERT INTO attachments (case_id, name, data) VALUES (?, ?, ?)",
                    [case_id, name, blob],
                )
        log.info("case %s (%s%s) stored", case_id, kind, ", test" if test else "")
        return case_id

    def _check_free_space(self, needed: int) -> None:
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError as exc:
            raise StoreBroken(f"cannot check free disk space: {exc.strerror}") from exc
        if free < self._min_free_bytes + needed * 3:
            raise StoreFull(
                f"only {free // 1024} KiB free on the disk of {self.path.parent}; "
                f"the store keeps {self._min_free_bytes // 1024} KiB in reserve"
            )

    def status(self) -> dict[str, Any]:
        """Counts by status, the oldest pending case's age and the last sync (for technicians)."""
        rows = self._read("SELECT status, COUNT(*), MIN(created_ts) FROM cases GROUP BY status")
        return _status_from(rows, self.get_meta("last_sync"))

    # --- the sync worker's side ----------------------------------------------------------

    def claim_batch(
        self, limit: int, *, now: float | None = None, due_only: bool = True
    ) -> list[dict[str, Any]]:
        """Mark up to `limit` pending cases "sending" (oldest first); return their envelopes."""
        now = time.time() if now is None else now
        with self._write("claiming cases to send") as db:
            ids = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM cases WHERE status = 'pending' AND next_attempt_ts <= ? "
                    "ORDER BY id LIMIT ?",
                    [now if due_only else float("inf"), limit],
                ).fetchall()
            ]
            marks = ",".join("?" * len(ids))
            if ids:
                db.execute(
                    f"UPDATE cases SET status = 'sending', attempts = attempts + 1, "  # noqa: S608
                    f"updated_ts = ? WHERE id IN ({marks})",
                    [now, *ids],
                )
        return [self.envelope(case_id) for case_id in ids]

    def envelope(self, case_id: str) -> dict[str, Any]:
        """The signed case as the platform receives it, decrypted (only held in memory)."""
        rows = self._read(
            "SELECT id, kind, created_at, schema_version, test, payload, attachments_meta, "
            "signature FROM cases WHERE id = ?",
            [case_id],
        )
        if not rows:
            raise CaseNotFound(f"no case {case_id}")
        cid, kind, created_at, version, test, payload, meta, signature = rows[0]
        if payload is None:
            raise CaseNotFound(f"case {case_id} holds no personal data any more")
        key = self._keys.storage_key
        try:
            data = json.loads(wire.unseal(key, payload, f"{cid}/payload".encode()))
            blobs = {
                name: wire.b64e(wire.unseal(key, blob, f"{cid}/att/{name}".encode()))
                for name, blob in self._read(
                    "SELECT name, data FROM attachments WHERE case_id = ?", [cid]
                )
            }
        except wire.WireError as exc:
            raise StoreBroken(f"case {cid} does not decrypt: {exc}") from exc
        return {
            "case_id": cid,
            "kind": kind,
            "created_at": created_at,
            "schema_version": version,
            "test": bool(test),
            "key_id": self._keys.key_id,
            "payload": data,
            "attachments": json.loads(meta),
            "signature": signature,
            "attachment_data": blobs,
        }

    def mark_acked(self, case_ids: list[str], now: float | None = None) -> None:
        """The platform has these: delete their personal data, keep the metadata."""
        now = time.time() if now is None else now
        with self._write("recording acknowledgements") as db:
            for case_id in case_ids:
                db.execute(
                    "UPDATE cases SET status = 'acked', acked_ts = ?, payload = NULL, "
                    "purged = 1, last_error = NULL, updated_ts = ? "
                    "WHERE id = ? AND status != 'acked'",
                    [now, now, case_id],
                )
                db.execute("DELETE FROM attachments WHERE case_id = ?", [case_id])

    def mark_rejected(self, case_id: str, reason: str) -> None:
        """Dead letter: the platform says this case is invalid; the others go on."""
        with self._write("recording a rejection") as db:
            db.execute(
                "UPDATE cases SET status = 'rejected', last_error = ?, updated_ts = ? "
                "WHERE id = ? AND status != 'acked'",
                [reason[:500], time.time(), case_id],
            )
        log.warning("case %s rejected by the platform (see `kiosk queue status`)", case_id)

    def release(self, case_ids: list[str], error: str, next_attempt_ts: float) -> None:
        """Sending failed: pending again, not before `next_attempt_ts`."""
        with self._write("rescheduling cases") as db:
            for case_id in case_ids:
                db.execute(
                    "UPDATE cases SET status = 'pending', last_error = ?, next_attempt_ts = ?, "
                    "updated_ts = ? WHERE id = ? AND status = 'sending'",
                    [error[:500], next_attempt_ts, time.time(), case_id],
                )

    def attempts(self, case_id: str) -> int:
        rows = self._read("SELECT attempts FROM cases WHERE id = ?", [case_id])
        if not rows:
            raise CaseNotFound(f"no case {case_id}")
        return int(rows[0][0])

    def next_due_ts(self) -> float | None:
        rows = self._read("SELECT MIN(next_attempt_ts) FROM cases WHERE status = 'pending'")
        return None if rows[0][0] is None else float(rows[0][0])

    def case_ids(self, *statuses: str) -> list[str]:
        wanted = statuses or STATUSES
        marks = ",".join("?" * len(wanted))
        sql = f"SELECT id FROM cases WHERE status IN ({marks}) ORDER BY id"  # noqa: S608
        return [row[0] for row in self._read(sql, list(wanted))]

    def case_info(self, case_id: str) -> dict[str, Any]:
        """Metadata only (no personal data): for the technician's view and tests."""
        rows = self._read(
            "SELECT id, kind, created_at, test, status, attempts, next_attempt_ts, last_error, "
            "acked_ts, exported_ts, purged FROM cases WHERE id = ?",
            [case_id],
        )
        if not rows:
            raise CaseNotFound(f"no case {case_id}")
        names = (
            "case_id",
            "kind",
            "created_at",
            "test",
            "status",
            "attempts",
            "next_attempt_ts",
            "last_error",
            "acked_ts",
            "exported_ts",
            "purged",
        )
        info = dict(zip(names, rows[0], strict=True))
        info["test"], info["purged"] = bool(info["test"]), bool(info["purged"])
        return info

    def mark_exported(self, case_ids: list[str]) -> None:
        now = time.time()
        with self._write("recording an export") as db:
            for case_id in case_ids:
                db.execute("UPDATE cases SET exported_ts = ? WHERE id = ?", [now, case_id])

    # --- the platform's answers (offline_queue.answers) -------------------------------------

    def decisions_cursor(self) -> str | None:
        return self.get_meta(answers.CURSOR_KEY)

    def store_decisions(self, decisions: list[VerifiedDecision]) -> int:
        """Checked decisions and the cursor after them, in one transaction; how many are new."""
        with self._write("storing the platform's decisions") as db:
            return answers.store_decisions(db, self._keys.storage_key, decisions)

    def decisions(self) -> list[SyncedDecision]:
        rows = self._read("SELECT case_id, document FROM decisions ORDER BY decided_at, cursor")
        return [answers.unsealed(self._keys.storage_key, cid, blob) for cid, blob in rows]

    def latest_decision_for(self, id_number: str) -> SyncedDecision | None:
        """The newest decision on a (non-test) case of this card, from what was synced; None
        when there is none. Raises StoreError when the store cannot be read."""
        tag = answers.resident_tag(self._tag_key, id_number)
        rows = self._read(answers.LATEST_SQL, [tag])
        return answers.unsealed(self._keys.storage_key, *rows[0]) if rows else None

    def pending_without_decision_for(self, id_number: str) -> bool:
        """A (non-test) check of this card the platform has yet to decide, synced or not."""
        return bool(
            self._read(answers.WAITING_SQL, [answers.resident_tag(self._tag_key, id_number)])
        )

    # --- retention ------------------------------------------------------------------------

    def purge(self, now: float | None = None) -> dict[str, int]:
        """Apply the retention: nothing personal outlives it; pending cases are never dropped."""
        now = time.time() if now is None else now
        cutoff = now - self.retention_days * 86400
        with self._write("purging old cases") as db:
            old_rejected = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM cases WHERE status = 'rejected' AND purged = 0 "
                    "AND created_ts < ?",
                    [cutoff],
                ).fetchall()
            ]
            for case_id in old_rejected:
                db.execute("DELETE FROM attachments WHERE case_id = ?", [case_id])
                db.execute(
                    "UPDATE cases SET payload = NULL, purged = 1, updated_ts = ? WHERE id = ?",
                    [now, case_id],
                )
            dropped = db.execute(
                "DELETE FROM cases WHERE (status = 'acked' AND acked_ts < ?) "
                "OR (status = 'rejected' AND purged = 1 AND updated_ts < ?)",
                [cutoff, cutoff],
            ).rowcount
            db.execute(  # a decision outlives its case's metadata by no more than that
                "DELETE FROM decisions WHERE stored_ts < ? "
                "AND case_id NOT IN (SELECT id FROM cases)",
                [cutoff],
            )
        self._vacuum()
        return {"rejected_purged": len(old_rejected), "metadata_deleted": dropped}

    def _vacuum(self) -> None:
        """Give pages freed by acknowledged cases back to the disk (kiosk disks are small)."""
        with self._lock:
            try:
                # executescript runs it to completion; execute() would free one page only.
                self._db.conn.executescript("PRAGMA incremental_vacuum;")
            except sqlite3.Error as exc:
                log.warning("incremental vacuum failed: %s", exc)

    # --- small facts ------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", [key])
        return rows[0][0] if rows else None

    def set_meta(self, values: Mapping[str, str]) -> None:
        with self._write("recording sync state") as db:
            for key, value in values.items():
                db.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [key, value],
                )

    def record_sync(self, error: str | None = None) -> None:
        now = _utc_iso(time.time())
        if error is None:
            self.set_meta({"last_sync": now, "last_sync_error": ""})
        else:
            self.set_meta({"last_sync_attempt": now, "last_sync_error": error[:500]})


def read_status(path: Path) -> dict[str, Any]:
    """`CaseStore.status()` without keys or the writer lock (the kiosk may be running)."""
    empty: dict[str, Any] = dict.fromkeys(STATUSES, 0)
    empty.update(oldest_pending_age_s=None, last_sync=None)
    if not path.exists():
        return empty
    with read_only(path, SCHEMA) as conn:
        rows = conn.execute(
            "SELECT status, COUNT(*), MIN(created_ts) FROM cases GROUP BY status"
        ).fetchall()
        meta = conn.execute("SELECT value FROM meta WHERE key = 'last_sync'").fetchone()
    return _status_from(rows, meta[0] if meta else None)


REJECTED_FIELDS = ("case_id", "kind", "created_at", "attempts", "reason", "rejected_at")
# An ID number inside a reason would be the platform echoing personal data: never shown.
_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def read_rejected(path: Path) -> list[dict[str, Any]]:
    """Dead letters, oldest first: metadata and the platform's reason, nothing personal.

    Read-only and without keys or the writer lock, like `read_status` (the kiosk may run).
    """
    if not path.exists():
        return []
    with read_only(path, SCHEMA) as conn:
        rows = conn.execute(
            "SELECT id, kind, created_at, attempts, last_error, updated_ts FROM cases "
            "WHERE status = 'rejected' ORDER BY id"
        ).fetchall()
    return [
        dict(
            zip(
                REJECTED_FIELDS,
                (case_id, kind, created_at, attempts, _scrub(reason), _utc_iso(rejected_ts)),
                strict=True,
            )
        )
        for case_id, kind, created_at, attempts, reason, rejected_ts in rows
    ]


class CaseTimes(NamedTuple):
    """When a case came into the backlog and whether (and when) it left it: no personal data."""

    created_ts: float
    status: str
    acked_ts: float | None
    updated_ts: float


def read_case_times(path: Path, *, since_ts: float, until_ts: float) -> list[CaseTimes]:
    """Every case created by `until_ts` that was not acknowledged before `since_ts`: what the
    technician's backlog chart needs. Read-only, without keys or the writer lock."""
    if not path.exists():
        return []
    with read_only(path, SCHEMA) as conn:
        rows = conn.execute(
            "SELECT created_ts, status, acked_ts, updated_ts FROM cases "
            "WHERE created_ts <= ? AND NOT (status = 'acked' AND acked_ts < ?)",
            [until_ts, since_ts],
        ).fetchall()
    return [CaseTimes(*row) for row in rows]


def _scrub(reason: str | None) -> str:
    return _ID_NUMBER.sub("[ID number]", reason or "")


def _status_from(rows: list[tuple[Any, ...]], last_sync: str | None) -> dict[str, Any]:
    counts: dict[str, Any] = dict.fromkeys(STATUSES, 0)
    oldest = None
    for status, count, first in rows:
        counts[status] = count
        if status == "pending":
            oldest = first
    counts["oldest_pending_age_s"] = (
        None if oldest is None else round(max(0.0, time.time() - oldest), 1)
    )
    counts["last_sync"] = last_sync
    return counts


def _check_case(kind: str, payload: dict[str, Any], attachments: dict[str, bytes]) -> None:
    if not isinstance(kind, str) or not kind or len(kind) > MAX_KIND_LENGTH:
        raise InvalidCase("kind must be a non-empty string of at most 64 characters")
    if not isinstance(payload, dict):
        raise InvalidCase("payload must be a dict")
    try:
        wire.canonical(payload)
    except (TypeError, ValueError) as exc:
        raise InvalidCase(f"payload is not plain JSON: {exc}") from None
    for name, blob in attachments.items():
        if not isinstance(name, str) or not name or "/" in name:
            raise InvalidCase("attachment names are non-empty strings without '/'")
        if not isinstance(blob, bytes):
            raise InvalidCase(f"attachment {name!r} must be bytes")


def _file_options(max_db_bytes: int) -> FileOptions:
    # Deleted personal data is overwritten, freed pages go back to the disk, a damaged
    # file is refused on open.
    return FileOptions(
        secure_delete=True, incremental_vacuum=True, max_bytes=max_db_bytes, quick_check=True
    )


def _take_writer_lock(path: Path) -> int:
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreBroken(
            f"another process has the case store {path} open (is the kiosk running?)"
        ) from None
    return fd
