"""Versioned schema of the case store. Append a migration; never edit one that shipped.

Each migration runs in the same transaction as the row that records it, so a power cut
leaves the store either before or after a migration, never half-way.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from offline_queue.errors import StoreTooNew

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE cases (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_ts REAL NOT NULL,
            schema_version INTEGER NOT NULL,
            test INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'acked', 'rejected')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ts REAL NOT NULL DEFAULT 0,
            last_error TEXT,
            payload BLOB,
            attachments_meta TEXT NOT NULL,
            signature TEXT NOT NULL,
            acked_ts REAL,
            exported_ts REAL,
            purged INTEGER NOT NULL DEFAULT 0,
            updated_ts REAL NOT NULL
        );
        CREATE INDEX cases_status_due ON cases (status, next_attempt_ts);
        CREATE TABLE attachments (
            case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (case_id, name)
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
)
LATEST = MIGRATIONS[-1][0]


def applied_versions(db: sqlite_utils.Database) -> set[int]:
    if "schema_migrations" not in db.table_names():
        return set()
    return {row[0] for row in db.execute("SELECT version FROM schema_migrations").fetchall()}


def refuse_newer(applied: set[int]) -> None:
    """StoreTooNew when a newer release has migrated the store past what this one knows."""
    if applied and max(applied) > LATEST:
        raise StoreTooNew(
            f"case store schema {max(applied)} is newer than this software ({LATEST}): "
            "a newer release wrote it; run that release (or a later one), not this one"
        )


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Bring the schema up to date; return the versions applied now."""
    with db.atomic():
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
    done = applied_versions(db)
    refuse_newer(done)
    applied = []
    for version, script in MIGRATIONS:
        if version in done:
            continue
        with db.atomic():
            for statement in _statements(script):
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                [version, dt.datetime.now(dt.UTC).isoformat()],
            )
        applied.append(version)
    return applied


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT first; split so the migration stays one transaction.
    return [part.strip() for part in script.split(";") if part.strip()]
