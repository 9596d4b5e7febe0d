"""Versioned schema of the case store. Append a migration; never edit one that shipped.

`offline_queue.sqlite_db.migrate` runs each migration in the same transaction as the row
that records it, so a power cut leaves the store either before or after a migration, never
half-way; a store a newer release migrated is refused with `StoreTooNew`.
"""

from __future__ import annotations

from offline_queue.errors import StoreBroken, StoreFull, StoreTooNew
from offline_queue.sqlite_db import ErrorKinds, Schema

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
    (
        2,
        # The platform's answers (issue 15). A case keeps, past the deletion of its personal
        # data, a keyed pseudonym of the card's ID number (`offline_queue.answers`) and whether
        # it awaits the platform's decision; each decision is kept sealed like a payload.
        """
        ALTER TABLE cases ADD COLUMN resident_tag TEXT;
        ALTER TABLE cases ADD COLUMN awaits_decision INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cases ADD COLUMN decided_ts REAL;
        CREATE INDEX cases_resident_tag ON cases (resident_tag);
        CREATE TABLE decisions (
            case_id TEXT PRIMARY KEY,
            cursor INTEGER NOT NULL,
            decided_at TEXT NOT NULL,
            test INTEGER NOT NULL,
            stored_ts REAL NOT NULL,
            document BLOB NOT NULL
        );
        CREATE INDEX decisions_decided_at ON decisions (decided_at)
        """,
    ),
)
SCHEMA = Schema(
    "case store",
    MIGRATIONS,
    ErrorKinds(full=StoreFull, broken=StoreBroken, too_new=StoreTooNew),
)
LATEST = SCHEMA.latest
