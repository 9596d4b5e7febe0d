"""Kept print jobs: a receipt that could not print is stored, never lost, and reprinted later.

Every receipt goes through `print_or_keep`: it is written to the store first, then printed,
then marked printed. A job the printer refused (paper out, cover open, offline) stays
"kept" for the technician's list or the resident's 补打 (whatever its kind). Printed receipts
stay too (a resident may lose the paper) until `purge`: a certificate for as long as it is
valid (`keep_until`, its 有效期至), so its "如需补打，可在本机补打" holds for its whole year;
the other kinds for `terminal.retention_days`.

Storage: SQLite in the data dir through `offline_queue.sqlite_db` (WAL, synchronous=FULL,
file 0600, every write in `atomic()`, versioned migrations recorded in `schema_migrations`
with `PRAGMA user_version` kept in step). Receipts are JSON sealed with AES-256-GCM under the
terminal's storage key, as the case store seals its payloads (associated data
`print-job/<job_id>`): they hold masked data only, but a year of them is a list of who
came. The resident is found again by `holder_ref`, an HMAC of the ID number under the same
key. A store made before `schema_migrations` (user_version only) is adopted as it is; rows
written before sealing (schema 1) are sealed when the store is opened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from contract import wire
from contract.certificates import CHINA_TZ
from contract.wire import WireError
from devices.printer.base import Printer, PrinterError, PrinterStatus
from devices.printer.layout import Block, Feed, KeyValue, QrCode, Receipt, Rule, Text
from kiosk.errors import KioskError, ResidentNotice
from kiosk.flow.model import ReceiptKind
from offline_queue.sqlite_db import (
    DatabaseBroken,
    DatabaseError,
    DatabaseFull,
    ErrorKinds,
    Schema,
    SchemaTooNew,
    open_database,
    translated,
)

log = logging.getLogger(__name__)

DB_FILE = "print_jobs.sqlite3"
JobState = Literal["kept", "printed"]
_BLOCK_TYPES: dict[str, type[Block]] = {
    "text": Text,
    "kv": KeyValue,
    "qr": QrCode,
    "rule": Rule,
    "feed": Feed,
}
_TYPE_NAMES = {cls: name for name, cls in _BLOCK_TYPES.items()}
# Versions as PRAGMA user_version counted them before schema_migrations: 1 is the first.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
    CREATE TABLE jobs (
        job_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        receipt TEXT NOT NULL,
        holder_ref TEXT NOT NULL DEFAULT '',
        certificate_no TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (state IN ('kept', 'printed')),
        printer_status TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        printed_at TEXT
    );
    CREATE INDEX jobs_state ON jobs (state, created_at);
    CREATE INDEX jobs_holder ON jobs (holder_ref, kind, created_at);
    """,
    ),
    (
        2,
        # keep_until: the ISO date a printed job is kept to at least (a certificate's
        # validity, read here from the 有效期至 line of the receipts schema 1 stored as JSON);
        # sealed: 1 once `receipt` holds the sealed JSON (schema 1 rows are sealed on open).
        """
    ALTER TABLE jobs ADD COLUMN keep_until TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
    UPDATE jobs SET keep_until = COALESCE((
        SELECT json_extract(block.value, '$.value') FROM json_each(jobs.receipt, '$.blocks')
        AS block WHERE json_extract(block.value, '$.key') = '有效期至'), '')
        WHERE kind = 'certificate' AND json_valid(receipt);
    CREATE INDEX jobs_printed ON jobs (state, printed_at)
    """,
    ),
)


_SELECT = (
    "SELECT job_id, kind, receipt, sealed, state, printer_status, attempts, created_at,"
    " printed_at, certificate_no, keep_until FROM jobs "
)


class PrintJobError(KioskError):
    """A print job asked for does not exist."""


class PrintStoreError(KioskError, DatabaseError):
    """The print-job store's file cannot be opened, read or written."""


class PrintStoreFull(PrintStoreError, DatabaseFull):
    """The disk is full: the job could not be kept."""


class PrintStoreBroken(PrintStoreError, DatabaseBroken):
    """The print-job database failed (damaged, unreadable, an I/O error)."""


class PrintStoreTooNew(PrintStoreBroken, SchemaTooNew):
    """A newer release migrated the print-job store: this one leaves it alone."""


SCHEMA = Schema(
    "print-job store",
    MIGRATIONS,
    ErrorKinds(full=PrintStoreFull, broken=PrintStoreBroken, too_new=PrintStoreTooNew),
)


def _aad(job_id: str) -> bytes:
    return f"print-job/{job_id}".encode()


def holder_ref(id_number: str, storage_key: bytes) -> str:
    """Finds a resident's jobs again without storing the ID number."""
    digest = hmac.new(storage_key, b"print-holder\0" + id_number.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def receipt_to_json(receipt: Receipt) -> str:
    blocks = [{"type": _TYPE_NAMES[type(b)], **dataclasses.asdict(b)} for b in receipt.blocks]
    return json.dumps(
        {"kind": receipt.kind, "job_id": receipt.job_id, "cut": receipt.cut, "blocks": blocks},
        ensure_ascii=False,
    )


def receipt_from_json(text: str) -> Receipt:
    data = json.loads(text)
    blocks = tuple(_BLOCK_TYPES[b.pop("type")](**b) for b in data["blocks"])
    return Receipt(kind=data["kind"], job_id=data["job_id"], blocks=blocks, cut=data["cut"])


@dataclass(frozen=True)
class KeptJob:
    job_id: str
    kind: ReceiptKind
    receipt: Receipt
    state: JobState
    printer_status: str
    attempts: int
    created_at: str
    printed_at: str | None
    certificate_no: str
    keep_until: str = ""  # ISO date: kept at least this long once printed ('' : retention)

    def summary(self) -> dict[str, Any]:
        """For the technician's list and `--json` output (no receipt content)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "receipt"}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class PrintJobStore:
    """Thread-safe: the GUI lists jobs while the printer thread prints them.

    Opening raises PrintStoreTooNew for a store a newer release migrated; any database
    failure is a PrintStoreFull or PrintStoreBroken; PrintJobError is a job that is not there.
    """

    def __init__(self, path: Path, storage_key: bytes) -> None:
        self.path = path
        self._key = storage_key
        self._lock = threading.Lock()
        self._db = open_database(path, SCHEMA)
        try:
            self._seal_plain_rows()
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def in_data_dir(cls, data_dir: Path, storage_key: bytes) -> PrintJobStore:
        return cls(data_dir / DB_FILE, storage_key)

    def _seal(self, job_id: str, receipt: Receipt) -> bytes:
        return wire.seal(self._key, receipt_to_json(receipt).encode(), _aad(job_id))

    def _seal_plain_rows(self) -> None:
        """Seal the receipts a schema-1 store kept as plain JSON (once, on the first open)."""
        with self._lock, translated("reading the print-job store", SCHEMA.errors):
            rows = self._db.execute("SELECT job_id, receipt FROM jobs WHERE sealed = 0").fetchall()
        for job_id, text in rows:
            sealed = self._seal(job_id, receipt_from_json(text))
            with self._transaction("sealing a kept receipt") as db:
                db.execute(
                    "UPDATE jobs SET receipt = ?, sealed = 1 WHERE job_id = ? AND sealed = 0",
                    (sealed, job_id),
                )
        if rows:
            log.info("sealed %d print job(s) kept by an earlier release", len(rows))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self, what: str) -> Iterator[sqlite_utils.Database]:
        # Each transaction starts with its write, so atomic()'s deferred BEGIN takes the
        # write lock at once (waiting for a `kiosk certificate reprint` in another process).
        with self._lock, translated(what, SCHEMA.errors), self._db.atomic() as db:
            yield db

    def add(
        self,
        receipt: Receipt,
        *,
        holder: str = "",
        certificate_no: str = "",
        keep_until: str = "",
    ) -> None:
        """Store a job as kept (before it is sent); a second add of the same job is a no-op.
        `keep_until` (ISO date): once printed, keep it at least until then (a certificate's
        validity), however short the retention."""
        now = _now()
        sealed = self._seal(receipt.job_id, receipt)
        with self._transaction("keeping a print job") as db:
            db.execute(
                "INSERT OR IGNORE INTO jobs (job_id, kind, receipt, sealed, holder_ref,"
                " certificate_no, keep_until, state, created_at, updated_at)"
                " VALUES (?, ?, ?, 1, ?, ?, ?, 'kept', ?, ?)",
                (
                    *(receipt.job_id, receipt.kind, sealed),
                    *(holder, certificate_no, keep_until, now, now),
                ),
            )

    def record_attempt(self, job_id: str, status: PrinterStatus, printed: bool) -> None:
        now = _now()
        with self._transaction("recording a print attempt") as db:
            cursor = db.execute(
                "UPDATE jobs SET attempts = attempts + 1, printer_status = ?, updated_at = ?,"
                " state = CASE WHEN ? THEN 'printed' ELSE state END,"
                " printed_at = CASE WHEN ? THEN ? ELSE printed_at END WHERE job_id = ?",
                (str(status), now, printed, printed, now, job_id),
            )
            if cursor.rowcount != 1:
                raise PrintJobError(f"no print job {job_id}")

    def get(self, job_id: str) -> KeptJob | None:
        rows = self._select("WHERE job_id = ?", (job_id,))
        return rows[0] if rows else None

    def jobs(self, state: JobState | None = None, limit: int = 50) -> list[KeptJob]:
        """Newest first; `state` "kept" is the technician's to-do list."""
        if state is None:
            return self._select("ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,))
        return self._select(
            "WHERE state = ? ORDER BY created_at DESC, rowid DESC LIMIT ?", (state, limit)
        )

    def latest_certificate(self, holder: str) -> KeptJob | None:
        """The resident's newest certificate, printed or kept ("reprint my certificate")."""
        rows = self._select(
            "WHERE holder_ref = ? AND kind = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (holder, ReceiptKind.CERTIFICATE.value),
        )
        return rows[0] if holder and rows else None

    def latest_for_holder(self, holder: str) -> KeptJob | None:
        """The resident's newest receipt of any kind ("query my result")."""
        rows = self._select(
            "WHERE holder_ref = ? ORDER BY created_at DESC, rowid DESC LIMIT 1", (holder,)
        )
        return rows[0] if holder and rows else None

    def latest_for_reprint(self, holder: str) -> KeptJob | None:
        """What 补打 prints for the resident: their newest receipt when it is a certificate or
        never printed (whatever its kind: the print-failed screen promised it), else their
        newest certificate."""
        newest = self.latest_for_holder(holder)
        if newest is None or newest.kind is ReceiptKind.CERTIFICATE or newest.state == "kept":
            return newest
        return self.latest_certificate(holder)

    def purge(self, printed_before: dt.datetime, today: dt.date | None = None) -> int:
        """Forget printed jobs older than the cut-off, unless kept longer (`keep_until`, a
        certificate's validity, on or after `today`); kept jobs wait for their reprint."""
        today = today or dt.datetime.now(CHINA_TZ).date()
        with self._transaction("purging printed jobs") as db:
            cursor = db.execute(
                "DELETE FROM jobs WHERE state = 'printed' AND printed_at < ? AND keep_until < ?",
                (printed_before.astimezone(dt.UTC).isoformat(), today.isoformat()),
            )
            return cursor.rowcount

    def _select(self, where: str, params: tuple[Any, ...]) -> list[KeptJob]:
        # `where` is one of this class's own constant clauses; values go in as parameters.
        with self._lock, translated("reading the print-job store", SCHEMA.errors):
            rows = self._db.execute(_SELECT + where, params).fetchall()
        return [self._kept_job(row) for row in rows]

    def _kept_job(self, row: tuple[Any, ...]) -> KeptJob:
        job_id, kind, stored, sealed, *rest = row  # in _SELECT's order
        try:
            text = wire.unseal(self._key, stored, _aad(job_id)).decode() if sealed else stored
        except WireError as exc:  # another terminal's key, or a damaged row
            raise PrintStoreBroken(f"print job {job_id}: {exc}") from None
        return KeptJob(job_id, ReceiptKind(kind), receipt_from_json(text), *rest)


KEPT_NOTICE = ResidentNotice(
    "凭证暂时无法打印，已为您保存。",
    "请联系工作人员处理打印机，之后可以在本机“补打凭证”打印，不用重新认证。",
    prompt_id="print_kept",
)


@dataclass(frozen=True)
class PrintAttempt:
    job_id: str
    printed: bool
    status: PrinterStatus
    bytes_sent: int = 0
    reason: str = ""  # for the technician and the log, never shown to the resident

    @property
    def notice(self) -> ResidentNotice | None:
        return None if self.printed else KEPT_NOTICE


def _attempt(printer: Printer, store: PrintJobStore, receipt: Receipt) -> PrintAttempt:
    try:
        data = printer.print_receipt(receipt)
    except PrinterError as exc:
        store.record_attempt(receipt.job_id, exc.status, printed=False)
        log.info("print job %s kept: %s (%s)", receipt.job_id, exc.status, exc)
        return PrintAttempt(receipt.job_id, False, exc.status, reason=str(exc))
    store.record_attempt(receipt.job_id, PrinterStatus.READY, printed=True)
    return PrintAttempt(receipt.job_id, True, PrinterStatus.READY, len(data))


def print_or_keep(
    printer: Printer,
    store: PrintJobStore,
    receipt: Receipt,
    *,
    holder: str = "",
    certificate_no: str = "",
    keep_until: str = "",
) -> PrintAttempt:
    """Store the job, then print it; on a printer failure it stays kept for a reprint."""
    store.add(receipt, holder=holder, certificate_no=certificate_no, keep_until=keep_until)
    return _attempt(printer, store, receipt)


def reprint(printer: Printer, store: PrintJobStore, job_id: str) -> PrintAttempt:
    """Print a stored job again (kept or already printed). Raises PrintJobError if unknown."""
    job = store.get(job_id)
    if job is None:
        raise PrintJobError(f"no print job {job_id}")
    return _attempt(printer, store, job.receipt)


def keep_unprinted(
    store: PrintJobStore,
    receipt: Receipt,
    error: PrinterError,
    *,
    holder: str = "",
    certificate_no: str = "",
    keep_until: str = "",
) -> PrintAttempt:
    """Keep a job the printer could not even take (open() failed)."""
    store.add(receipt, holder=holder, certificate_no=certificate_no, keep_until=keep_until)
    store.record_attempt(receipt.job_id, error.status, printed=False)
    log.info("print job %s kept: %s (%s)", receipt.job_id, error.status, error)
    return PrintAttempt(receipt.job_id, False, error.status, reason=str(error))


def record_unstarted_reprint(
    store: PrintJobStore, job_id: str, error: PrinterError
) -> PrintAttempt:
    """A reprint the printer could not even take (open() failed) still counts as an attempt.

    Raises PrintJobError if there is no such job.
    """
    store.record_attempt(job_id, error.status, printed=False)
    log.info("reprint of %s did not start: %s (%s)", job_id, error.status, error)
    return PrintAttempt(job_id, False, error.status, reason=str(error))
