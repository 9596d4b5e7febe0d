"""Kept print jobs in SQLite: survive reopening, round-trip receipts, find a resident's
certificate again without the ID number, purge only what printed; the store a release before
schema_migrations made is adopted, and a store a newer release migrated is refused by this
release and by that older one."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest

from devices.printer.base import PrinterStatus
from devices.printer.escpos_render import RenderOptions
from devices.printer.layout import Feed, KeyValue, QrCode, Receipt, Rule, Text
from devices.printer.simulated import SimulatedPrinter
from kiosk.flow.model import ReceiptKind
from kiosk.records.certificate import Certificate
from kiosk.records.layouts import certificate_receipt
from kiosk.records.print_jobs import (
    MIGRATIONS,
    SCHEMA,
    PrintJobError,
    PrintJobStore,
    PrintStoreBroken,
    PrintStoreTooNew,
    holder_ref,
    receipt_from_json,
    receipt_to_json,
    reprint,
)
from offline_queue.sqlite_db import Schema, open_database

KEY = bytes(range(32))


def test_receipts_round_trip_through_json(certificate: Certificate) -> None:
    receipt = Receipt(
        "test_page",
        "j1",
        (
            Text("中文", size=2, bold=True, align="center"),
            KeyValue("k", "v"),
            QrCode("q", 5, "c"),
            Rule("="),
            Feed(3),
        ),
        cut=False,
    )
    assert receipt_from_json(receipt_to_json(receipt)) == receipt
    cert = certificate_receipt(certificate, "tok")
    assert receipt_from_json(receipt_to_json(cert)) == cert


def test_a_jobs_kind_is_stored_as_its_old_word_and_read_back_typed(
    tmp_path: Path, certificate: Certificate
) -> None:
    store = PrintJobStore.in_data_dir(tmp_path, KEY)
    try:
        store.add(certificate_receipt(certificate, "tok"))
        store.add(Receipt("failure_notice", "f1"))
        kinds = {job.job_id: job.kind for job in store.jobs()}
    finally:
        store.close()
    assert kinds == {
        certificate.job_id: ReceiptKind.CERTIFICATE,
        "f1": ReceiptKind.FAILURE_NOTICE,
    }
    assert all(type(kind) is ReceiptKind for kind in kinds.values())
    raw = sqlite3.connect(tmp_path / "print_jobs.sqlite3")
    try:
        stored = dict(raw.execute("SELECT job_id, kind FROM jobs").fetchall())
    finally:
        raw.close()
    # the values earlier releases wrote: a kept job from before reads back the same
    assert stored == {certificate.job_id: "certificate", "f1": "failure_notice"}
    assert all(type(kind) is str for kind in stored.values())


def test_jobs_survive_reopening_in_wal_mode(tmp_path: Path, certificate: Certificate) -> None:
    store = PrintJobStore.in_data_dir(tmp_path, KEY)
    receipt = certificate_receipt(certificate, "tok")
    store.add(
        receipt,
        holder=holder_ref("110101195001011239", KEY),
        certificate_no=certificate.certificate_no,
    )
    store.add(receipt)  # a second add of the same job changes nothing
    store.record_attempt(receipt.job_id, PrinterStatus.COVER_OPEN, printed=False)
    store.close()
    raw = sqlite3.connect(tmp_path / "print_jobs.sqlite3")
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
        stored = raw.execute("SELECT receipt, holder_ref, sealed FROM jobs").fetchall()
    finally:
        raw.close()
    assert len(stored) == 1
    sealed, holder, flag = stored[0]
    assert isinstance(sealed, bytes) and flag == 1  # sealed with the storage key
    for plain in ("110101195001011239", certificate.masked_name, certificate.certificate_no):
        assert plain.encode() not in sealed and plain not in holder  # an HMAC, a ciphertext

    again = PrintJobStore.in_data_dir(tmp_path, KEY)
    try:
        job = again.get(receipt.job_id)
        assert job is not None
        assert (job.state, job.printer_status, job.attempts) == ("kept", "cover_open", 1)
        assert job.receipt == receipt
        assert job.summary()["certificate_no"] == certificate.certificate_no
        assert "receipt" not in job.summary()
    finally:
        again.close()


def test_a_resident_finds_their_latest_certificate(
    tmp_path: Path, certificate: Certificate
) -> None:
    store = PrintJobStore.in_data_dir(tmp_path, KEY)
    try:
        mine, other = holder_ref("110101195001011239", KEY), holder_ref("11010119500101123X", KEY)
        assert mine != other and len(mine) == 32
        assert mine != holder_ref("110101195001011239", bytes(32))  # keyed per terminal
        store.add(certificate_receipt(certificate, "tok"), holder=mine)
        store.add(Receipt("failure_notice", "f1"), holder=mine)
        found = store.latest_certificate(mine)
        assert found is not None and found.job_id == certificate.job_id
        assert store.latest_certificate(other) is None
        assert store.latest_certificate("") is None
    finally:
        store.close()


def test_purge_forgets_printed_jobs_only(tmp_path: Path) -> None:
    store = PrintJobStore.in_data_dir(tmp_path, KEY)
    try:
        store.add(Receipt("test_page", "printed"))
        store.record_attempt("printed", PrinterStatus.READY, printed=True)
        store.add(Receipt("test_page", "kept"))
        future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        assert store.purge(future) == 1
        assert [job.job_id for job in store.jobs()] == ["kept"]
    finally:
        store.close()


def test_unknown_jobs_are_errors(tmp_path: Path) -> None:
    store = PrintJobStore.in_data_dir(tmp_path, KEY)
    try:
        with pytest.raises(PrintJobError):
            store.record_attempt("nope", PrinterStatus.READY, printed=True)
        with pytest.raises(PrintJobError):
            reprint(SimulatedPrinter(tmp_path, RenderOptions()), store, "nope")
    finally:
        store.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "print_jobs.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(PrintStoreTooNew, match="newer"):
        PrintJobStore(path, KEY)


def legacy_store(path: Path, receipt: Receipt) -> None:
    """A store as the release before schema_migrations made it: PRAGMA user_version alone."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN IMMEDIATE")
    for statement in filter(str.strip, MIGRATIONS[0][1].split(";")):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO jobs (job_id, kind, receipt, holder_ref, certificate_no, state,"
        " printer_status, attempts, created_at, updated_at)"
        " VALUES (?, ?, ?, 'holder', 'C-1', 'kept', 'paper_out', 2, 'then', 'then')",
        (receipt.job_id, receipt.kind, receipt_to_json(receipt)),
    )
    conn.execute("COMMIT")
    conn.close()


def older_release_refuses(path: Path) -> bool:
    """The check that release makes on open: a user_version past its one migration."""
    conn = sqlite3.connect(path)
    try:
        return bool(conn.execute("PRAGMA user_version").fetchone()[0] > 1)
    finally:
        conn.close()


def recorded_versions(path: Path) -> tuple[list[int], int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        return [row[0] for row in rows], conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_a_store_from_the_user_version_release_is_adopted_without_loss(
    tmp_path: Path, certificate: Certificate
) -> None:
    path = tmp_path / "print_jobs.sqlite3"
    receipt = certificate_receipt(certificate, "tok")
    legacy_store(path, receipt)
    path.chmod(0o644)  # that release left the umask's mode
    store = PrintJobStore(path, KEY)
    try:
        job = store.get(receipt.job_id)
        assert job is not None and job.receipt == receipt
        assert (job.state, job.printer_status, job.attempts) == ("kept", "paper_out", 2)
        assert store.latest_certificate("holder") == job
        # Schema 2 read the certificate's validity out of the stored JSON, then sealed it.
        assert job.keep_until == certificate.valid_until.isoformat()
    finally:
        store.close()
    assert recorded_versions(path) == ([1, 2], 2)  # 1 recorded (not run again), 2 run
    assert path.stat().st_mode & 0o777 == 0o600
    raw = sqlite3.connect(path)
    try:
        [(stored, sealed)] = raw.execute("SELECT receipt, sealed FROM jobs").fetchall()
    finally:
        raw.close()
    assert sealed == 1 and certificate.certificate_no.encode() not in stored


def test_a_store_a_newer_release_migrated_is_refused_by_both_releases(tmp_path: Path) -> None:
    path = tmp_path / "print_jobs.sqlite3"
    PrintJobStore(path, KEY).close()
    later = Schema(SCHEMA.name, (*MIGRATIONS, (3, "ALTER TABLE jobs ADD COLUMN later TEXT")))
    open_database(path, later).close()  # what a newer release does to it
    assert recorded_versions(path) == ([1, 2, 3], 3)
    assert older_release_refuses(path)
    before = path.read_bytes()
    with pytest.raises(PrintStoreTooNew, match=r"print-job store schema 3 is newer .*\(2\)"):
        PrintJobStore(path, KEY)
    assert path.read_bytes() == before


def test_a_damaged_store_is_a_print_store_error_not_a_missing_job(tmp_path: Path) -> None:
    path = tmp_path / "print_jobs.sqlite3"
    path.write_bytes(b"this is not a database" * 500)
    with pytest.raises(PrintStoreBroken, match="opening the print-job store: database failure"):
        PrintJobStore(path, KEY)


def test_new_store_files_are_owner_only(tmp_path: Path) -> None:
    before = os.umask(0o022)
    try:
        store = PrintJobStore.in_data_dir(tmp_path / "data", KEY)
        store.add(Receipt("test_page", "j1"))
    finally:
        os.umask(before)
    try:
        for name in ("print_jobs.sqlite3", "print_jobs.sqlite3-wal", "print_jobs.sqlite3-shm"):
            assert (tmp_path / "data" / name).stat().st_mode & 0o777 == 0o600, name
        assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    finally:
        store.close()
