"""The terminal's one SQLite idiom on real files: the pragmas in effect, owner-only file modes,
each migration step and its record in one transaction, a newer schema refused untouched, a
user_version-only file adopted, SQLite errors translated into the store's own errors."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline_queue.sqlite_db import (
    DatabaseBroken,
    DatabaseFull,
    ErrorKinds,
    FileOptions,
    Schema,
    SchemaTooNew,
    open_database,
    read_only,
    translated,
)


class WidgetFull(DatabaseFull):
    pass


class WidgetBroken(DatabaseBroken):
    pass


class WidgetTooNew(WidgetBroken, SchemaTooNew):
    pass


KINDS = ErrorKinds(full=WidgetFull, broken=WidgetBroken, too_new=WidgetTooNew)
STEP_1 = (1, "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
STEP_2 = (
    2,
    "CREATE TABLE parts (widget INTEGER REFERENCES widgets (id)); CREATE INDEX p ON parts (widget)",
)
V1 = Schema("widget store", (STEP_1,), KINDS)
V2 = Schema("widget store", (STEP_1, STEP_2), KINDS)


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def recorded(path: Path) -> list[int]:
    conn = raw(path)
    try:
        return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    finally:
        conn.close()


def pragma(path: Path, name: str) -> object:
    conn = raw(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def tables(path: Path) -> set[str]:
    conn = raw(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave new files readable by everyone: the helper must not."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def test_pragmas_are_in_effect_on_the_connection(tmp_path: Path) -> None:
    options = FileOptions(
        secure_delete=True, incremental_vacuum=True, max_bytes=1024 * 1024, quick_check=True
    )
    db = open_database(tmp_path / "w.db", V1, options)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # INCREMENTAL
        page = db.execute("PRAGMA page_size").fetchone()[0]
        assert db.execute("PRAGMA max_page_count").fetchone()[0] == 1024 * 1024 // page
    finally:
        db.close()
    plain = open_database(tmp_path / "plain.db", V1)
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert plain.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert plain.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    finally:
        plain.close()


def test_foreign_keys_refuse_an_orphan(tmp_path: Path) -> None:
    db = open_database(tmp_path / "w.db", V2)
    try:
        with (
            pytest.raises(WidgetBroken, match="adding a part: database failure"),
            translated("adding a part", KINDS),
            db.atomic(),
        ):
            db.execute("INSERT INTO parts (widget) VALUES (42)")
    finally:
        db.close()


def test_the_file_and_its_wal_are_owner_only(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "new" / "folder" / "w.db"
    db = open_database(path, V1)
    try:
        with db.atomic():
            db.execute("INSERT INTO widgets (name) VALUES ('a')")
        for name in ("w.db", "w.db-wal", "w.db-shm"):
            assert (path.parent / name).stat().st_mode & 0o777 == 0o600, name
        assert path.parent.stat().st_mode & 0o777 == 0o700
    finally:
        db.close()


def test_a_file_an_older_release_left_readable_is_tightened(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "w.db"
    conn = raw(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE scratch (x)")
    conn.close()
    path.chmod(0o644)
    wal = path.with_name("w.db-wal")
    wal.write_bytes(b"")
    wal.chmod(0o644)
    open_database(path, V1).close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert not wal.exists() or wal.stat().st_mode & 0o777 == 0o600


def test_each_step_is_recorded_with_user_version_in_its_transaction(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    open_database(path, V1).close()
    assert recorded(path) == [1] and pragma(path, "user_version") == 1
    open_database(path, V2).close()
    assert recorded(path) == [1, 2] and pragma(path, "user_version") == 2
    assert {"widgets", "parts", "schema_migrations"} <= tables(path)
    open_database(path, V2).close()  # nothing left to do: nothing changes
    assert recorded(path) == [1, 2]


def test_a_failing_step_leaves_neither_its_changes_nor_its_record(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    open_database(path, V1).close()
    bad = Schema(
        "widget store",
        (STEP_1, (2, "CREATE TABLE parts (widget INTEGER); INSERT INTO nowhere VALUES (1)")),
        KINDS,
    )
    with pytest.raises(WidgetBroken, match="opening the widget store: database failure"):
        open_database(path, bad)
    assert "parts" not in tables(path)  # the step's first statement was rolled back too
    assert recorded(path) == [1]
    assert pragma(path, "user_version") == 1
    open_database(path, V2).close()  # the fixed release migrates from where it stopped
    assert recorded(path) == [1, 2]


ALL_OPTIONS = FileOptions(
    secure_delete=True, incremental_vacuum=True, max_bytes=1 << 20, quick_check=True
)


def test_a_newer_schema_is_refused_untouched_by_open_and_read(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = open_database(path, V2, ALL_OPTIONS)
    with db.atomic():
        db.execute("INSERT INTO widgets (name) VALUES ('kept')")
    db.close()
    before = path.read_bytes()
    with pytest.raises(WidgetTooNew):
        open_database(path, V1, ALL_OPTIONS)
    with pytest.raises(
        WidgetTooNew, match=r"widget store schema 2 is newer than this software \(1\)"
    ):
        open_database(path, V1)
    with pytest.raises(WidgetTooNew), read_only(path, V1):
        pass
    assert path.read_bytes() == before
    with read_only(path, V2) as conn:
        assert conn.execute("SELECT name FROM widgets").fetchall() == [("kept",)]


def test_a_user_version_only_file_is_adopted_and_a_newer_one_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    conn = raw(path)  # what a release before schema_migrations left: user_version alone
    conn.execute(STEP_1[1])
    conn.execute("INSERT INTO widgets (name) VALUES ('old')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    db = open_database(path, V2)
    try:
        assert db.execute("SELECT name FROM widgets").fetchall() == [("old",)]
    finally:
        db.close()
    assert recorded(path) == [1, 2]  # step 1 adopted, not run again; step 2 run
    assert pragma(path, "user_version") == 2

    newer = tmp_path / "newer.db"
    conn = raw(newer)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    with pytest.raises(WidgetTooNew, match="schema 7 is newer"):
        open_database(newer, V2)


def test_a_full_disk_is_full_and_everything_else_broken(tmp_path: Path) -> None:
    db = open_database(tmp_path / "w.db", V1, FileOptions(max_bytes=64 * 1024))
    try:
        with (
            pytest.raises(WidgetFull, match=r"storing widgets: the disk .* is full"),
            translated("storing widgets", KINDS),
            db.atomic(),
        ):
            for _ in range(100):
                db.execute("INSERT INTO widgets (name) VALUES (?)", ["x" * 4000])
        assert db.execute("SELECT COUNT(*) FROM widgets").fetchone()[0] == 0  # rolled back
    finally:
        db.close()
    big = Schema(
        "widget store", ((1, "CREATE TABLE t (x); INSERT INTO t VALUES (zeroblob(200000))"),), KINDS
    )
    with pytest.raises(WidgetFull, match="opening the widget store"):
        open_database(tmp_path / "big.db", big, FileOptions(max_bytes=64 * 1024))
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database at all" * 400)
    with pytest.raises(WidgetBroken, match="opening the widget store: database failure"):
        open_database(damaged, V1, FileOptions(quick_check=True))
    with pytest.raises(WidgetBroken, match="reading the widget store"), read_only(damaged, V1):
        pass


def test_read_only_reads_while_a_writer_holds_the_file(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = open_database(path, V1)
    try:
        with db.atomic():
            db.execute("INSERT INTO widgets (name) VALUES ('a')")
        with read_only(path, V1) as conn:
            assert conn.execute("SELECT COUNT(*) FROM widgets").fetchone()[0] == 1
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                conn.execute("INSERT INTO widgets (name) VALUES ('b')")
    finally:
        db.close()


def test_read_only_translates_a_missing_table(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    raw(path).close()
    with (
        pytest.raises(WidgetBroken, match="reading the widget store: database failure"),
        read_only(path, V1) as conn,
    ):
        conn.execute("SELECT * FROM widgets")


def test_a_schema_must_count_up() -> None:
    with pytest.raises(ValueError, match="rise"):
        Schema("widget store", (STEP_2, STEP_1))
    with pytest.raises(ValueError, match="rise"):
        Schema("widget store", ())
