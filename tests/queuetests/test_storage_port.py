"""The storage port (issue 16): a database of the release before the port is adopted, a
database of a newer release is refused, one schema on both backends, and `migrate-db` moves
a SQLite platform to PostgreSQL with its cursors, decisions, keys and attachments.

The old database is the committed one in `data/schema4/` (made by the release before the
port through its real flow; `expected.json` is what that release served from it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from central.db import PlatformDB
from central.errors import CentralError
from central.tables import metadata
from tests.pgserver import PostgresServer
from tests.queuetests.platform_proc import central

SCHEMA4 = Path(__file__).parent / "data" / "schema4"
EXPECTED = json.loads((SCHEMA4 / "expected.json").read_text(encoding="utf-8"))


def old_copy(tmp_path: Path) -> Path:
    """The committed schema-4 database and its key folder, copied (opening migrates it)."""
    folder = tmp_path / "old"
    folder.mkdir(mode=0o700)
    shutil.copyfile(SCHEMA4 / "central.sqlite3", folder / "central.sqlite3")
    shutil.copytree(SCHEMA4 / "central.sqlite3.keys", folder / "central.sqlite3.keys")
    for path in [folder / "central.sqlite3", *(folder / "central.sqlite3.keys").iterdir()]:
        path.chmod(0o600)
    (folder / "central.sqlite3.keys").chmod(0o700)
    return folder / "central.sqlite3"


def feed_as_before(db: PlatformDB) -> list[dict[str, Any]]:
    items, _ = db.feed(0, 1000)
    keys = ("cursor", "event", "terminal_id", "case_id", "state", "attachments", "decision")
    return [{key: item[key] for key in keys} for item in items]


def attachment_digests(db: PlatformDB) -> dict[str, str]:
    found = {}
    for name in EXPECTED["attachments_sha256"]:
        terminal_id, case_id, file_name = name.split("/")
        data = db.attachment(terminal_id, case_id, file_name)
        assert data is not None, name
        found[name] = hashlib.sha256(data).hexdigest()
    return found


def serves_as_before(db: PlatformDB) -> None:
    assert feed_as_before(db) == EXPECTED["feed"]
    assert attachment_digests(db) == EXPECTED["attachments_sha256"]
    assert db.count_cases() == EXPECTED["counts"]["cases"]
    audit = db.rows(
        "SELECT seq, at, actor, action, terminal_id, case_id, detail, address "
        "FROM audit_log ORDER BY seq"
    )
    assert [list(row) for row in audit] == EXPECTED["audit_log"]
    for table in ("terminals", "terminal_keys", "decisions", "residents", "ratings"):
        assert db.rows(f"SELECT COUNT(*) FROM {table}")[0][0] == EXPECTED["counts"][table]


def test_a_database_of_the_release_before_the_port_is_adopted(tmp_path: Path) -> None:
    path = old_copy(tmp_path)
    db = PlatformDB(path)
    try:
        serves_as_before(db)
        # The faces left the database for the attachment store beside it.
        columns = {c["name"] for c in sa.inspect(db.store.engine).get_columns("case_attachments")}
        assert "data" not in columns
        stored = list((tmp_path / "old" / "central.sqlite3.attachments").rglob("*"))
        assert len([p for p in stored if p.is_file()]) == len(
            set(EXPECTED["attachments_sha256"].values())
        )
        with db.transaction() as tx:  # a later change gets the next cursor
            tx.feed_entry("GD0106-017", EXPECTED["feed"][0]["case_id"], "decided", "now")
        newer, _ = db.feed(int(EXPECTED["feed"][-1]["cursor"]), 10)
        assert [int(i["cursor"]) for i in newer] == [int(EXPECTED["feed"][-1]["cursor"]) + 1]
    finally:
        db.close()
    # A release from before the port now refuses it (schema_migrations says 5).
    with sqlite3.connect(path) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations")]
    assert max(versions) == 5
    again = PlatformDB(path)  # opening again is a quick look: nothing to do
    try:
        serves_as_before_but_one_more(again)
    finally:
        again.close()


def serves_as_before_but_one_more(db: PlatformDB) -> None:
    items, _ = db.feed(0, 1000)
    assert len(items) == len(EXPECTED["feed"]) + 1


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "central.sqlite3")
    return str(request.getfixturevalue("postgres_url"))


def test_a_database_migrated_by_a_newer_release_is_refused_untouched(
    fresh_db: str, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    PlatformDB(fresh_db, files_dir=files).close()
    engine = sa.create_engine(fresh_db if "://" in fresh_db else f"sqlite:///{fresh_db}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(CentralError, match="newer release"):
        PlatformDB(fresh_db, files_dir=files)
    refused = central("terminals", "list", "--db", fresh_db, "--files", str(files))
    assert refused.returncode == 3, refused.stderr
    assert "newer release" in refused.stderr
    assert "Traceback" not in refused.stderr
    engine = sa.create_engine(fresh_db if "://" in fresh_db else f"sqlite:///{fresh_db}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).all() == [("9999",)]
    engine.dispose()


def test_an_old_style_database_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = old_copy(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (9, '2027-01-01')")
    with pytest.raises(CentralError, match="newer release"):
        PlatformDB(path)


def schema_differences(db: PlatformDB) -> list[Any]:
    """What differs between the database and `central.tables`, but for what is meant:
    SQLite keeps `schema_migrations` (version 5: releases before the port refuse the file)."""
    with db.store.engine.connect() as conn:
        found = compare_metadata(MigrationContext.configure(conn), metadata)
    return [d for d in found if not (d[0] == "remove_table" and d[1].name == "schema_migrations")]


def legacy_quirk(difference: Any) -> bool:
    """Tables an old release made on SQLite, where the declared type differs in name only
    (REAL and Float: one affinity), or a text primary key was declared without NOT NULL
    (SQLite lets such a key be NULL; the platform never writes one)."""
    change = difference[0] if isinstance(difference, list) else difference
    if change[0] == "modify_type":
        return str(change[5]).upper() == "REAL" and isinstance(change[6], sa.Float)
    if change[0] == "modify_nullable":
        return metadata.tables[change[2]].c[change[3]].primary_key
    return False


def test_one_schema_the_migrations_make_it_on_both_backends(fresh_db: str, tmp_path: Path) -> None:
    db = PlatformDB(fresh_db, files_dir=tmp_path / "files")
    try:
        assert schema_differences(db) == []
    finally:
        db.close()


def test_an_adopted_sqlite_database_has_the_same_tables_columns_and_indexes(
    tmp_path: Path,
) -> None:
    db = PlatformDB(old_copy(tmp_path))
    try:
        differences = schema_differences(db)
    finally:
        db.close()
    assert [d for d in differences if not legacy_quirk(d)] == []


def test_migrate_db_moves_a_sqlite_platform_to_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    path = old_copy(tmp_path)
    files = tmp_path / "pg-files"
    moved = central("migrate-db", "--from", str(path), "--to", postgres_url, "--files", str(files))
    assert moved.returncode == 0, moved.stderr
    report = json.loads(moved.stdout)
    assert report["tables"]["cases"] == EXPECTED["counts"]["cases"]
    assert report["feed_position"] == int(EXPECTED["feed"][-1]["cursor"])
    assert report["attachments"] == len(set(EXPECTED["attachments_sha256"].values()))
    # The same keys: terminals keep trusting what the platform signs.
    for key in (path.parent / "central.sqlite3.keys").iterdir():
        assert (files / "keys" / key.name).read_bytes() == key.read_bytes()
        assert (files / "keys" / key.name).stat().st_mode & 0o077 == 0
    db = PlatformDB(postgres_url, files_dir=files)
    try:
        serves_as_before(db)
        with db.transaction() as tx:  # cursors continue after the moved ones
            tx.feed_entry("GD0106-017", EXPECTED["feed"][0]["case_id"], "decided", "now")
        newer, _ = db.feed(int(EXPECTED["feed"][-1]["cursor"]), 10)
        assert [int(i["cursor"]) for i in newer] == [int(EXPECTED["feed"][-1]["cursor"]) + 1]
    finally:
        db.close()
    # Nothing is merged into a database that holds data already.
    again = central("migrate-db", "--from", str(path), "--to", postgres_url, "--files", str(files))
    assert again.returncode == 3, again.stderr
    assert "already holds platform data" in again.stderr


def test_migrate_db_refuses_what_it_cannot_move(tmp_path: Path, postgres_url: str) -> None:
    path = old_copy(tmp_path)
    files = str(tmp_path / "pg-files")
    wrong_way = central("migrate-db", "--from", postgres_url, "--to", str(path), "--files", files)
    assert wrong_way.returncode == 2
    no_files = central("migrate-db", "--from", str(path), "--to", postgres_url)
    assert no_files.returncode == 2
    assert "--files" in no_files.stderr


def test_a_postgresql_backup_restores_to_a_platform_that_serves_as_before(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """docs/platform.md's backup and restore, as written: `pg_dump --format=custom`, the files
    folder copied, `pg_restore` into a new database, the platform started on the copy."""
    source = postgres_server.create_database("backup_source")
    files = tmp_path / "files"
    moved = central(
        "migrate-db", "--from", str(old_copy(tmp_path)), "--to", source, "--files", str(files)
    )
    assert moved.returncode == 0, moved.stderr
    dump = tmp_path / "central.pgdump"
    libpq = source.replace("postgresql+psycopg://", "postgresql://")
    pg_tool(postgres_server, "pg_dump", "--format=custom", f"--file={dump}", f"--dbname={libpq}")
    restored_files = tmp_path / "restored-files"
    shutil.copytree(files, restored_files)  # keys and attachments: `cp -a` / rsync of the folder
    target = postgres_server.create_database("restored")
    libpq = target.replace("postgresql+psycopg://", "postgresql://")
    pg_tool(postgres_server, "pg_restore", "--no-owner", f"--dbname={libpq}", str(dump))
    db = PlatformDB(target, files_dir=restored_files)
    try:
        serves_as_before(db)
    finally:
        db.close()


def pg_tool(server: PostgresServer, name: str, *args: str) -> None:
    done = subprocess.run(
        [str(server.bin / name), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr


def test_attachments_gc_deletes_only_old_files_no_case_names(tmp_path: Path) -> None:
    path = old_copy(tmp_path)
    PlatformDB(path).close()  # adopted: the faces are files now
    store = path.with_name("central.sqlite3.attachments")
    named = [p for p in store.rglob("*") if p.is_file()]
    orphan_data = b"\xff\xd8 a face whose transaction never committed"
    orphan = store / hashlib.sha256(orphan_data).hexdigest()[:2]
    orphan.mkdir(mode=0o700, exist_ok=True)
    orphan = orphan / hashlib.sha256(orphan_data).hexdigest()
    orphan.write_bytes(orphan_data)
    fresh_data = b"\xff\xd8 a face being stored right now"
    fresh = store / hashlib.sha256(fresh_data).hexdigest()[:2]
    fresh.mkdir(mode=0o700, exist_ok=True)
    fresh = fresh / hashlib.sha256(fresh_data).hexdigest()
    fresh.write_bytes(fresh_data)
    two_days_ago = time.time() - 2 * 86400
    for old in [*named, orphan]:
        os.utime(old, (two_days_ago, two_days_ago))
    done = central("attachments", "gc", "--db", str(path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "files": len(named) + 2,
        "removed": 1,
        "spared": 0,
        "leftovers": 0,
    }
    assert not orphan.exists() and fresh.exists()
    assert all(p.exists() for p in named)
    db = PlatformDB(path)
    try:
        assert attachment_digests(db) == EXPECTED["attachments_sha256"]
    finally:
        db.close()
    too_short = central("attachments", "gc", "--grace-hours", "0.1", "--db", str(path))
    assert too_short.returncode == 2
