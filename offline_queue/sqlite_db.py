"""One way to keep an SQLite file on the terminal: the case store and the print-job store.

    db = open_database(path, schema, FileOptions(secure_delete=True))   # sqlite_utils.Database
    with translated("storing a job", schema.errors), db.atomic(): ...   # writes
    with read_only(path, schema) as conn: ...                           # another process's file

`open_database` makes the folder 0700 and the file 0600 (the -wal and -shm files SQLite makes
take the file's mode), turns on WAL, `synchronous=FULL` and foreign keys, and migrates.
`migrate` runs versioned steps, each recorded in a `schema_migrations` row in the same
transaction as the step, and keeps `PRAGMA user_version` at the newest step, so a release
that only knows user_version still sees that a newer one changed the file. A file whose
schema is newer than this software is refused before anything is written. Every SQLite error
becomes the store's own "full" (disk or size limit) or "broken" error, saying what was being
done. No Qt, no kiosk, no platform: only the standard library and sqlite-utils.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

SQLITE_FULL = 13
BUSY_TIMEOUT_S = 10.0
FILE_MODE = 0o600
FOLDER_MODE = 0o700
SIDE_FILES = ("-wal", "-shm", "-journal")


class DatabaseError(Exception):
    """An SQLite file cannot be opened, read or written; the message says what was being done."""


class DatabaseFull(DatabaseError):
    """The disk (or the file's configured size limit) is full: the write was refused."""


class DatabaseBroken(DatabaseError):
    """The database failed: corrupt, unreadable, locked too long, an I/O error."""


class SchemaTooNew(DatabaseBroken):
    """A newer release migrated the file (an update, then a rollback): this software must
    neither read nor change it."""


@dataclass(frozen=True)
class ErrorKinds:
    """The errors one store raises: each store keeps its own hierarchy on top of these."""

    full: type[DatabaseFull] = DatabaseFull
    broken: type[DatabaseBroken] = DatabaseBroken
    too_new: type[SchemaTooNew] = SchemaTooNew


@dataclass(frozen=True)
class Schema:
    """A store's versioned schema. Append a step; never edit one that shipped.

    Each step is SQL statements separated by ";" (no ";" inside a statement): they run one by
    one in the step's transaction (executescript() would commit first).
    """

    name: str  # "case store": every message says which file failed
    migrations: tuple[tuple[int, str], ...]
    errors: ErrorKinds = field(default_factory=ErrorKinds)

    def __post_init__(self) -> None:
        versions = [version for version, _script in self.migrations]
        if not versions or versions != sorted(set(versions)) or versions[0] < 1:
            raise ValueError(f"{self.name}: migration versions must rise from 1 or more")

    @property
    def latest(self) -> int:
        return self.migrations[-1][0]


@dataclass(frozen=True)
class FileOptions:
    """What a store asks of its file beyond WAL, `synchronous=FULL` and foreign keys."""

    secure_delete: bool = False  # deleted personal data is overwritten, not left in free pages
    incremental_vacuum: bool = False  # only on a new file: freed pages can go back to the disk
    max_bytes: int = 0  # 0: no limit but the disk
    quick_check: bool = False  # refuse a damaged file on open


def translate(exc: sqlite3.Error, what: str, errors: ErrorKinds) -> DatabaseError:
    """The one translation: a full disk is "full", everything else "broken"."""
    code = getattr(exc, "sqlite_errorcode", None)
    if (code is not None and code & 0xFF == SQLITE_FULL) or "disk is full" in str(exc):
        return errors.full(f"{what}: the disk or the store's size limit is full")
    return errors.broken(f"{what}: database failure ({type(exc).__name__}: {exc})")


@contextmanager
def translated(what: str, errors: ErrorKinds) -> Iterator[None]:
    """SQLite errors inside become the store's full / broken error; others pass unchanged."""
    try:
        yield
    except sqlite3.Error as exc:
        raise translate(exc, what, errors) from exc


def open_database(
    path: Path, schema: Schema, options: FileOptions | None = None
) -> sqlite_utils.Database:
    """Open (creating and migrating) a store's file for reading and writing.

    One connection, usable from any thread: the caller serialises its use with a lock.
    """
    options = options or FileOptions()
    what = f"opening the {schema.name}"
    try:
        _owner_only_file(path)
    except OSError as exc:
        raise schema.errors.broken(f"{what}: {exc.strerror or exc}") from exc
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        db = sqlite_utils.Database(conn, execute_plugins=False)
        refuse_newer(schema, schema_version(conn))  # before any pragma that could write
        _configure(db, options)
        migrate(db, schema)
        _owner_only_side_files(path)
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, sqlite3.Error):
            raise translate(exc, what, schema.errors) from exc
        if isinstance(exc, OSError):
            raise schema.errors.broken(f"{what}: {exc.strerror or exc}") from exc
        raise
    return db


@contextmanager
def read_only(path: Path, schema: Schema) -> Iterator[sqlite3.Connection]:
    """A read-only connection to a store another process may hold open for writing.

    Refuses a file a newer release migrated: what this software would read there are
    guesses. SQLite errors inside become the store's errors ("reading the <name>").
    """
    what = f"reading the {schema.name}"
    with translated(what, schema.errors):
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S
        )
    try:
        with translated(what, schema.errors):
            refuse_newer(schema, schema_version(conn))
            yield conn
    finally:
        conn.close()


def schema_version(conn: sqlite3.Connection) -> int:
    """The newest step the file says it has: its `schema_migrations` rows or, in a file from
    before them, `PRAGMA user_version`. 0 for a new (or foreign) file."""
    user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    return max([user_version, *_recorded(conn)])


def refuse_newer(schema: Schema, version: int) -> None:
    """The store's too-new error when a newer release has migrated the file past this one."""
    if version > schema.latest:
        raise schema.errors.too_new(
            f"{schema.name} schema {version} is newer than this software ({schema.latest}): "
            "a newer release wrote it; run that release (or a later one), not this one"
        )


def migrate(db: sqlite_utils.Database, schema: Schema) -> list[int]:
    """Bring the file's schema up to date; return the versions applied now.

    A file from before `schema_migrations` (versioned by user_version alone) is adopted: its
    steps up to user_version are recorded as applied, nothing is run again.
    """
    conn = db.conn
    refuse_newer(schema, schema_version(conn))
    if _up_to_date(conn, schema):
        return []  # no write lock needed: another process may be writing right now
    with _immediate(conn):
        refuse_newer(schema, schema_version(conn))  # another process may have migrated it
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        _adopt_user_version(conn, schema)
    applied = []
    for version, script in schema.migrations:
        with _immediate(conn):
            if version in _recorded(conn):
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                [version, _now()],
            )
            conn.execute(f"PRAGMA user_version = {int(version)}")
        applied.append(version)
    return applied


# -- inside ------------------------------------------------------------------------------------
def _owner_only_file(path: Path) -> None:
    """The folder 0700 when it is made, the file 0600 before SQLite opens it (its -wal and
    -shm files are made with the file's mode); a file an older release made is tightened."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
    os.chmod(path, FILE_MODE)
    _owner_only_side_files(path)


def _owner_only_side_files(path: Path) -> None:
    for suffix in SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.chmod(side, FILE_MODE)


def _configure(db: sqlite_utils.Database, options: FileOptions) -> None:
    if options.incremental_vacuum and db.execute("PRAGMA page_count").fetchone()[0] == 0:
        # Only on a new file, before WAL: lets freed pages go back to the disk. On an existing
        # file the pragma would rewrite the header (and change a file it must refuse).
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    db.enable_wal()
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    if options.secure_delete:
        db.execute("PRAGMA secure_delete = ON")
    if options.max_bytes:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {max(1, options.max_bytes // page_size)}")
    if options.quick_check:
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {check}")


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    # Not db.atomic(): its deferred BEGIN could read a version another process is changing;
    # IMMEDIATE takes the write lock first, so the check and the step see the same file.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.execute("COMMIT")


def _recorded(conn: sqlite3.Connection) -> set[int]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if exists is None:
        return set()
    return {int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")}


def _up_to_date(conn: sqlite3.Connection, schema: Schema) -> bool:
    recorded = _recorded(conn)
    user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    wanted = {version for version, _script in schema.migrations}
    return wanted <= recorded and user_version == max(recorded)


def _adopt_user_version(conn: sqlite3.Connection, schema: Schema) -> None:
    """Record the steps a user_version-only file already has; bring user_version in step."""
    user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    recorded = _recorded(conn)
    for version, _script in schema.migrations:
        if version <= user_version and version not in recorded:
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                [version, _now()],
            )
    newest = max([user_version, *_recorded(conn)])
    if newest != user_version:
        conn.execute(f"PRAGMA user_version = {int(newest)}")


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT first; split so the step stays one transaction.
    return [part.strip() for part in script.split(";") if part.strip()]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
