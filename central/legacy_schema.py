"""The platform database's migrations before the port to SQLAlchemy and Alembic (SQLite only),
recorded in `schema_migrations` (versions 1 to 4).

They are kept to bring a database of an earlier release up to schema 4, which is where the
Alembic chain begins (`central/migrations/versions/0001_schema_4.py` makes the same schema on
an empty database); `central.migrate` applies them and then hands over to Alembic. Nothing
changes here any more: new migrations are Alembic revisions.
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
    (
        4,
        # Decisions (issue 15). Every table keeps its state in rows and every claim is a
        # conditional UPDATE or a UNIQUE constraint inside a transaction, so more than one
        # process may serve one database (and the port to PostgreSQL stays mechanical).
        # - feed_entries: one row per change of a case (received, decided); the pull feed's
        #   cursor is its seq (the existing cases keep theirs, so consumers' cursors hold).
        # - case_checks: what the platform acts on in a pension check, and where it stands.
        # - decisions: final, one per case, the signed document as sent (no UPDATE/DELETE).
        # - jobs: work for the decide worker (match a case, make a reference's template),
        #   claimed with a lease that expires, so a killed worker's job is taken up again.
        # - staff, sessions, the audit log (append-only: triggers refuse UPDATE and DELETE).
        """
        CREATE TABLE feed_entries (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            terminal_id TEXT NOT NULL,
            case_id TEXT NOT NULL,
            event TEXT NOT NULL,
            at TEXT NOT NULL
        );
        INSERT INTO feed_entries (seq, terminal_id, case_id, event, at)
            SELECT seq, terminal_id, case_id, 'received', received_at FROM cases;
        CREATE INDEX feed_entries_by_case ON feed_entries (terminal_id, case_id);
        CREATE TABLE case_checks (
            terminal_id TEXT NOT NULL,
            case_id TEXT NOT NULL,
            id_number TEXT,
            outcome TEXT NOT NULL,
            service_point TEXT NOT NULL,
            created_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            test INTEGER NOT NULL,
            state TEXT NOT NULL,
            review_reason TEXT,
            queued_at TEXT,
            match_distance REAL,
            match_threshold REAL,
            claimed_by TEXT,
            claimed_until REAL,
            PRIMARY KEY (terminal_id, case_id)
        );
        CREATE INDEX case_checks_by_person ON case_checks (id_number, created_at);
        CREATE INDEX case_checks_by_state ON case_checks (state, queued_at);
        CREATE TABLE decisions (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            terminal_id TEXT NOT NULL,
            case_id TEXT NOT NULL,
            verdict TEXT NOT NULL,
            reason TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            reviewer TEXT,
            decided_at TEXT NOT NULL,
            distance REAL,
            threshold REAL,
            test INTEGER NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            document TEXT NOT NULL,
            UNIQUE (terminal_id, case_id)
        );
        CREATE INDEX decisions_by_terminal ON decisions (terminal_id, seq);
        CREATE TRIGGER decisions_are_final_update BEFORE UPDATE ON decisions
            BEGIN SELECT RAISE(ABORT, 'a decision is final'); END;
        CREATE TRIGGER decisions_are_final_delete BEFORE DELETE ON decisions
            BEGIN SELECT RAISE(ABORT, 'a decision is final'); END;
        CREATE TABLE jobs (
            job_id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            terminal_id TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_ts REAL NOT NULL,
            claimed_by TEXT,
            claimed_until REAL,
            attempts INTEGER NOT NULL DEFAULT 0,
            done_at TEXT,
            UNIQUE (kind, terminal_id, subject)
        );
        CREATE INDEX jobs_open ON jobs (done_at, job_id);
        CREATE TABLE reference_templates (
            id_number TEXT PRIMARY KEY,
            face_sha256 TEXT NOT NULL,
            template TEXT,
            problem TEXT NOT NULL DEFAULT '',
            computed_at TEXT NOT NULL
        );
        CREATE TABLE residents (
            id_number TEXT PRIMARY KEY,
            service_point TEXT NOT NULL,
            imported_at TEXT NOT NULL
        );
        CREATE INDEX residents_by_point ON residents (service_point);
        CREATE TABLE verifications (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            id_number TEXT NOT NULL,
            verified_at TEXT NOT NULL,
            channel TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            UNIQUE (id_number, verified_at, channel)
        );
        CREATE TABLE rosters (
            service_point TEXT PRIMARY KEY,
            inputs_sha256 TEXT NOT NULL,
            document TEXT NOT NULL,
            etag TEXT NOT NULL,
            built_at TEXT NOT NULL
        );
        CREATE TABLE ratings (
            terminal_id TEXT NOT NULL,
            case_id TEXT NOT NULL,
            service TEXT NOT NULL,
            service_point TEXT NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            reason TEXT,
            rated_at TEXT NOT NULL,
            month TEXT NOT NULL,
            test INTEGER NOT NULL,
            PRIMARY KEY (terminal_id, case_id)
        );
        CREATE INDEX ratings_by_month ON ratings (month, service_point, service);
        CREATE TABLE followups (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            terminal_id TEXT NOT NULL,
            case_id TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            closed_at TEXT,
            closed_by TEXT,
            note TEXT,
            UNIQUE (terminal_id, case_id)
        );
        CREATE TABLE staff_users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
            password_hash TEXT NOT NULL,
            must_change INTEGER NOT NULL DEFAULT 1,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until REAL,
            created_at TEXT NOT NULL,
            disabled_at TEXT
        );
        CREATE TABLE staff_sessions (
            session_hash TEXT PRIMARY KEY,
            user_name TEXT NOT NULL REFERENCES staff_users (name),
            csrf_token TEXT NOT NULL,
            created_ts REAL NOT NULL,
            last_seen_ts REAL NOT NULL,
            expires_ts REAL NOT NULL
        );
        CREATE INDEX staff_sessions_by_user ON staff_sessions (user_name);
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            terminal_id TEXT,
            case_id TEXT,
            detail TEXT NOT NULL DEFAULT '{}',
            address TEXT
        );
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
        """,
    ),
)
LATEST = SCHEMA[-1][0]
