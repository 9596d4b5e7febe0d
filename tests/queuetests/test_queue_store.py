"""The case store on real SQLite files: durability, encryption, statuses, retention, failures."""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path

import pytest

from contract import wire
from contract.ids import is_uuid7, uuid7
from offline_queue.errors import CaseNotFound, StoreBroken, StoreFull, StoreTooNew
from offline_queue.keys import TerminalKeyError, load, load_or_create
from offline_queue.migrations import LATEST
from offline_queue.store import (
    CaseStore,
    CaseTimes,
    InvalidCase,
    read_case_times,
    read_rejected,
    read_status,
)
from tests.queuetests.conftest import ID_NUMBER, NAME, case_payload

FACE = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 80


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    keys = load_or_create(tmp_path)
    opened = CaseStore.open(tmp_path / "queue.db", keys)
    yield opened
    opened.close()


def raw_bytes(path: Path) -> bytes:
    """The database file and its WAL, as a thief with the disk would read them."""
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_uuid7_ids_are_time_ordered_and_unique() -> None:
    ids = [uuid7() for _ in range(2000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(is_uuid7(i) for i in ids[:10])
    assert uuid.UUID(ids[0]).version == 7
    assert uuid7(now_ms=1_000) < uuid7(now_ms=2_000_000_000_000)


def test_store_uses_wal_full_sync_and_records_migrations(store: CaseStore) -> None:
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    finally:
        conn.close()
    assert versions == list(range(1, LATEST + 1))
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.path.stat().st_mode & 0o077 == 0


def test_enqueue_then_envelope_is_signed_and_round_trips(store: CaseStore, tmp_path: Path) -> None:
    keys = load_or_create(tmp_path)
    case_id = store.enqueue("pension_check", case_payload(), {"face.jpg": FACE}, test=True)
    assert is_uuid7(case_id)
    envelope = store.envelope(case_id)
    assert envelope["payload"] == case_payload()
    assert envelope["test"] is True
    assert wire.b64d(envelope["attachment_data"]["face.jpg"]) == FACE
    wire.verify_case(keys.public_key, envelope)  # raises if anything was altered
    assert store.status()["pending"] == 1


def test_database_file_holds_no_clear_text_name_or_id_number(store: CaseStore) -> None:
    for index in range(5):
        store.enqueue("pension_check", case_payload(index), {"face.jpg": FACE})
    data = raw_bytes(store.path)
    assert NAME.encode() not in data
    assert ID_NUMBER.encode() not in data
    assert FACE[4:200] not in data


def test_a_blob_moved_to_another_case_does_not_decrypt(store: CaseStore) -> None:
    first = store.enqueue("pension_check", case_payload(1), {})
    second = store.enqueue("pension_check", case_payload(2), {})
    with store._db.atomic():
        blob = store._db.execute("SELECT payload FROM cases WHERE id = ?", [first]).fetchone()[0]
        store._db.execute("UPDATE cases SET payload = ? WHERE id = ?", [blob, second])
    with pytest.raises(StoreBroken, match="does not decrypt"):
        store.envelope(second)


def test_status_cycle_ack_purges_personal_data(store: CaseStore) -> None:
    ids = [store.enqueue("pension_check", case_payload(i), {"face.jpg": FACE}) for i in range(3)]
    batch = store.claim_batch(2)
    assert [case["case_id"] for case in batch] == ids[:2]
    assert store.status()["sending"] == 2
    store.mark_acked([ids[0]])
    store.mark_rejected(ids[1], "invalid: schema")
    status = store.status()
    assert (status["pending"], status["sending"], status["acked"], status["rejected"]) == (
        1,
        0,
        1,
        1,
    )
    assert status["oldest_pending_age_s"] is not None
    info = store.case_info(ids[0])
    assert info["purged"] and info["status"] == "acked"
    with pytest.raises(CaseNotFound):
        store.envelope(ids[0])
    assert (
        store._db.execute(
            "SELECT COUNT(*) FROM attachments WHERE case_id = ?", [ids[0]]
        ).fetchone()[0]
        == 0
    )
    assert store.case_info(ids[1])["last_error"] == "invalid: schema"


def test_release_schedules_the_next_attempt(store: CaseStore) -> None:
    case_id = store.enqueue("pension_check", case_payload(), {})
    store.claim_batch(10)
    store.release([case_id], "platform answered 503", time.time() + 60)
    assert store.claim_batch(10) == []  # not due yet
    assert [c["case_id"] for c in store.claim_batch(10, due_only=False)] == [case_id]
    assert store.attempts(case_id) == 2


def test_cases_left_sending_by_a_crash_are_pending_on_open(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path)
    first = CaseStore.open(tmp_path / "queue.db", keys)
    case_id = first.enqueue("pension_check", case_payload(), {})
    first.claim_batch(5)
    first.close()  # as if the process died while sending
    second = CaseStore.open(tmp_path / "queue.db", keys)
    try:
        assert second.case_info(case_id)["status"] == "pending"
    finally:
        second.close()


def test_a_store_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    """An update migrated the store, then a rollback: the older software must neither read
    counts it does not understand nor open (and change) the store; the lock is given back."""
    keys = load_or_create(tmp_path)
    path = tmp_path / "queue.db"
    first = CaseStore.open(path, keys)
    case_id = first.enqueue("pension_check", case_payload(), {})
    first.close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'later')",
            [LATEST + 1],
        )
    with pytest.raises(StoreTooNew, match=f"schema {LATEST + 1} is newer"):
        read_status(path)
    with pytest.raises(StoreTooNew):
        read_rejected(path)
    with pytest.raises(StoreTooNew):
        read_case_times(path, since_ts=0.0, until_ts=time.time())
    with pytest.raises(StoreTooNew):
        CaseStore.open(path, keys)
    with sqlite3.connect(path) as conn:  # the newer release's store is left as it was
        conn.execute("DELETE FROM schema_migrations WHERE version = ?", [LATEST + 1])
    reopened = CaseStore.open(path, keys)  # the refused open did not keep the writer lock
    try:
        assert reopened.case_info(case_id)["status"] == "pending"
    finally:
        reopened.close()


def test_a_store_from_before_user_version_is_brought_in_step(tmp_path: Path) -> None:
    """Stores made before the shared SQLite helper recorded schema_migrations only (user_version
    0): reopening keeps every case and sets user_version, which older software also reads."""
    keys = load_or_create(tmp_path)
    path = tmp_path / "queue.db"
    with CaseStore.open(path, keys) as first:
        case_id = first.enqueue("pension_check", case_payload(), {})
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 0")  # as the earlier release left it
    conn.close()
    with CaseStore.open(path, keys) as again:
        assert again.envelope(case_id)["payload"]["resident"]["name"] == NAME
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    finally:
        conn.close()
    assert versions == list(range(1, LATEST + 1))


def test_case_times_for_the_backlog_are_metadata_in_a_window(store: CaseStore) -> None:
    """What the technician's backlog chart reads, read-only while the kiosk holds the store."""
    old_acked = store.enqueue("pension_check", case_payload(1), {})
    late_acked = store.enqueue("pension_check", case_payload(2), {})
    pending = store.enqueue("pension_check", case_payload(3), {})
    store.claim_batch(10)
    store.mark_acked([old_acked], now=1_000.0)  # acknowledged before the window
    store.mark_acked([late_acked], now=time.time())
    store.release([pending], "offline", 0)
    now = time.time()
    times = read_case_times(store.path, since_ts=2_000.0, until_ts=now + 1)
    assert all(isinstance(row, CaseTimes) for row in times)
    by_status = sorted((row.status, row.acked_ts is None) for row in times)
    assert by_status == [("acked", False), ("pending", True)]
    assert all(row.created_ts <= now for row in times)
    assert read_case_times(store.path, since_ts=0.0, until_ts=0.0) == []  # none created yet
    assert read_case_times(store.path.with_name("absent.db"), since_ts=0, until_ts=now) == []


def test_only_one_writer_at_a_time(store: CaseStore, tmp_path: Path) -> None:
    with pytest.raises(StoreBroken, match="another process"):
        CaseStore.open(store.path, load_or_create(tmp_path))
    # a technician can still read the counts while the kiosk holds the store
    store.enqueue("pension_check", case_payload(), {})
    assert read_status(store.path)["pending"] == 1


def test_retention_drops_metadata_and_dead_letter_personal_data(store: CaseStore) -> None:
    acked = store.enqueue("pension_check", case_payload(1), {})
    rejected = store.enqueue("pension_check", case_payload(2), {"face.jpg": FACE})
    pending = store.enqueue("pension_check", case_payload(3), {})
    store.claim_batch(10)
    store.mark_acked([acked])
    store.mark_rejected(rejected, "invalid")
    store.release([pending], "offline", 0)
    later = time.time() + (store.retention_days + 1) * 86400
    result = store.purge(later)
    assert result["rejected_purged"] == 1
    assert store.case_ids() == [rejected, pending]  # acked metadata gone, pending kept
    with pytest.raises(CaseNotFound):
        store.envelope(rejected)
    store.envelope(pending)  # never dropped while the platform does not have it
    store.purge(later + (store.retention_days + 1) * 86400)
    assert store.case_ids() == [pending]


def test_disk_full_refuses_the_new_case_and_keeps_the_old(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path)
    store = CaseStore.open(tmp_path / "queue.db", keys, max_db_bytes=512 * 1024)
    stored = []
    try:
        with pytest.raises(StoreFull, match="full"):
            for index in range(200):
                stored.append(store.enqueue("pension_check", case_payload(index), {"f": FACE}))
        assert 3 < len(stored) < 200
        assert store.status()["pending"] == len(stored)
        for case_id in stored:
            assert store.envelope(case_id)["payload"]["resident"]["name"] == NAME
        store.claim_batch(2)
        store.mark_acked(stored[:2])  # acknowledgements still work on a full store
    finally:
        store.close()
    reopened = CaseStore.open(tmp_path / "queue.db", keys)
    try:
        assert reopened.status()["pending"] == len(stored) - 2
    finally:
        reopened.close()


def test_free_space_reserve_refuses_before_the_disk_is_full(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path)
    store = CaseStore.open(tmp_path / "queue.db", keys, min_free_bytes=1 << 60)
    try:
        with pytest.raises(StoreFull, match="free"):
            store.enqueue("pension_check", case_payload(), {})
        assert store.status()["pending"] == 0
    finally:
        store.close()


def test_a_corrupt_database_is_a_clear_store_error(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    path.write_bytes(b"this is not a database" * 500)
    with pytest.raises(StoreBroken, match="database failure"):
        CaseStore.open(path, load_or_create(tmp_path))
    # the lock was released: a fresh store opens after the technician moves the file away
    path.unlink()
    CaseStore.open(path, load_or_create(tmp_path)).close()


def test_a_closed_store_refuses_with_a_store_error(tmp_path: Path) -> None:
    store = CaseStore.open(tmp_path / "queue.db", load_or_create(tmp_path))
    store.close()
    with pytest.raises(StoreBroken, match="closed"):
        store.enqueue("pension_check", case_payload(), {})


@pytest.mark.parametrize(
    ("kind", "payload", "attachments"),
    [
        ("", {}, {}),
        ("pension_check", {"bad": float("nan")}, {}),
        ("pension_check", {"bad": object()}, {}),
        ("pension_check", {}, {"a/b": b""}),
        ("pension_check", {}, {"face.jpg": "not bytes"}),
    ],
)
def test_invalid_cases_are_refused(
    store: CaseStore, kind: str, payload: dict[str, object], attachments: dict[str, object]
) -> None:
    with pytest.raises(InvalidCase):
        store.enqueue(kind, payload, attachments)  # type: ignore[arg-type]
    assert store.status()["pending"] == 0


def test_purge_gives_freed_pages_back_to_the_disk(store: CaseStore) -> None:
    ids = [
        store.enqueue("pension_check", case_payload(i), {"face.jpg": FACE * 4}) for i in range(60)
    ]
    store.claim_batch(100)
    store.mark_acked(ids)

    def pages() -> int:
        return int(store._db.execute("PRAGMA page_count").fetchone()[0])

    before = pages()
    store.purge()
    assert pages() < before / 2


@pytest.mark.parametrize("name", ["terminal_ed25519.pem", "storage.key"])
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_key_file_open_to_other_users_is_refused_with_the_fix(
    tmp_path: Path, name: str, mode: int
) -> None:
    load_or_create(tmp_path)
    path = tmp_path / "keys" / name
    path.chmod(mode)
    with pytest.raises(TerminalKeyError) as refused:
        load(tmp_path)
    message = str(refused.value)
    assert str(path) in message and f"chmod 600 {path}" in message
    assert f"{mode:04o}" in message
    with pytest.raises(TerminalKeyError):
        load_or_create(tmp_path)  # creating never papers over an open file either
    path.chmod(0o600)  # the fix the message names
    assert load(tmp_path).key_id == load_or_create(tmp_path).key_id


def test_new_key_files_are_owner_only(tmp_path: Path) -> None:
    load_or_create(tmp_path)
    for name in ("terminal_ed25519.pem", "storage.key"):
        assert (tmp_path / "keys" / name).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys").stat().st_mode & 0o077 == 0
