"""The platform database's versioned migrations (SQLite). Applied in order, each in its own
transaction, recorded in `schema_migrations`; a database migrated by a newer release is
refused (`PlatformDB` checks `LATEST`).
"""

from __future__ import annotations

SCHEMA = (
    (
        1,
        """
        CREATE TABLE terminals (
            terminal_id TEXT PRIMARY KEY,
            key_id TEXT UNIQUE,
            public_key TEXT,
            registered_at TEXT,
            status TEXT NOT NULL DEFAULT 'awaiting'
        );
        CREATE TABLE registration_codes (
            code_hash TEXT PRIMARY KEY,
            terminal_id TEXT NOT NULL REFERENCES terminals (terminal_id),
            expires_ts REAL NOT NULL,
            used_ts REAL
        );
        CREATE TABLE cases (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id TEXT NOT NULL UNIQUE,
            terminal_id TEXT NOT NULL,
            key_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            test INTEGER NOT NULL,
            digest TEXT NOT NULL,
            envelope TEXT NOT NULL,
            source TEXT NOT NULL
        );
        CREATE TABLE case_attachments (
            case_id TEXT NOT NULL REFERENCES cases (case_id),
            name TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (case_id, name)
        );
        CREATE TABLE nonces (
            key_id TEXT NOT NULL,
            nonce TEXT NOT NULL,
            expires_ts REAL NOT NULL,
            PRIMARY KEY (key_id, nonce)
        );
        CREATE TABLE reference_faces (
            id_number TEXT PRIMARY KEY,
            jpeg BLOB NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE platform_keys (name TEXT PRIMARY KEY, value BLOB NOT NULL);
        """,
    ),
    (
        2,
        # Every key a terminal ever registered: certificates printed with an old key must
        # still verify after the terminal re-registers; requests and cases need the current one.
        """
        CREATE TABLE terminal_keys (
            key_id TEXT PRIMARY KEY,
            terminal_id TEXT NOT NULL REFERENCES terminals (terminal_id),
            public_key TEXT NOT NULL,
            registered_at TEXT NOT NULL,
            retired_at TEXT
        );
        INSERT INTO terminal_keys (key_id, terminal_id, public_key, registered_at)
            SELECT key_id, terminal_id, public_key, registered_at FROM terminals
            WHERE key_id IS NOT NULL AND public_key IS NOT NULL;
        """,
    ),
    (
        3,
        # Hardening: operator tokens (hashed), the service point's name, revocation, the
        # certificates the platform holds a case for, rate-limit state shared by every worker,
        # and case ids unique per terminal (one terminal cannot block another's case id).
        # The platform's private keys leave the database for 0600 files (PlatformDB moves them).
        """
        ALTER TABLE terminals ADD COLUMN service_point TEXT NOT NULL DEFAULT '';
        ALTER TABLE terminals ADD COLUMN revoked_at TEXT;
        ALTER TABLE terminal_keys ADD COLUMN revoked_at TEXT;
        CREATE TABLE api_tokens (
            name TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            scopes TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE TABLE certificates (
            token_sha256 TEXT PRIMARY KEY,
            terminal_id TEXT NOT NULL,
            key_id TEXT NOT NULL,
            certificate_no TEXT NOT NULL,
            case_id TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
        CREATE TABLE rate_limits (
            bucket TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            expires_ts REAL NOT NULL
        );
        CREATE TABLE cases_v3 (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id TEXT NOT NULL,
            terminal_id TEXT NOT NULL,
            key_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            test INTEGER NOT NULL,
            digest TEXT NOT NULL,
            envelope TEXT NOT NULL,
            source TEXT NOT NULL,
            UNIQUE (terminal_id, case_id)
        );
        INSERT INTO cases_v3 SELECT seq, case_id, terminal_id, key_id, kind, created_at,
            received_at, test, digest, envelope, source FROM cases;
        CREATE TABLE case_attachments_v3 (
            terminal_id TEXT NOT NULL,
            case_id TEXT NOT NULL,
            name TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (terminal_id, case_id, name),
            FOREIGN KEY (terminal_id, case_id) REFERENCES cases (terminal_id, case_id)
        );
        INSERT INTO case_attachments_v3
            SELECT c.terminal_id, a.case_id, a.name, a.data
            FROM case_attachments a JOIN cases c ON c.case_id = a.case_id;
        DROP TABLE case_attachments;
        DROP TABLE cases;
        ALTER TABLE cases_v3 RENAME TO cases;
        ALTER TABLE case_attachments_v3 RENAME TO case_attachments;
        CREATE INDEX cases_by_id ON cases (case_id);
        CREATE INDEX certificates_by_terminal ON certificates (terminal_id, certificate_no)
        """,
    ),
)
LATEST = SCHEMA[-1][0]
