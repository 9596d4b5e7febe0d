"""Schema 4: the platform as the last release before the port left it (terminals, cases,
decisions, staff, the audit log), on an empty database.

A SQLite database of that release (`schema_migrations` up to 4) is not made again: it is
brought to schema 4 by `central.legacy_schema` and stamped with this revision.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from central.errors import DowngradeRefused

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROW = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SERIAL = {"sqlite_autoincrement": True}


def _serial(name: str) -> sa.Column[int]:
    return sa.Column(name, ROW, sa.Identity(), primary_key=True)


def _text(name: str, *args: object, **kw: object) -> sa.Column[str]:
    return sa.Column(name, sa.Text, *args, **kw)  # type: ignore[arg-type]


def upgrade() -> None:
    _terminals_and_cases()
    _decisions()
    _people()
    _append_only("decisions", "a decision is final")
    _append_only("audit_log", "the audit log is append-only")


def _terminals_and_cases() -> None:
    op.create_table(
        "terminals",
        _text("terminal_id", primary_key=True),
        _text("key_id", unique=True),
        _text("public_key"),
        _text("registered_at"),
        _text("status", nullable=False, server_default="awaiting"),
        _text("service_point", nullable=False, server_default=""),
        _text("revoked_at"),
    )
    op.create_table(
        "registration_codes",
        _text("code_hash", primary_key=True),
        _text("terminal_id", sa.ForeignKey("terminals.terminal_id"), nullable=False),
        sa.Column("expires_ts", sa.Float, nullable=False),
        sa.Column("used_ts", sa.Float),
    )
    op.create_table(
        "terminal_keys",
        _text("key_id", primary_key=True),
        _text("terminal_id", sa.ForeignKey("terminals.terminal_id"), nullable=False),
        _text("public_key", nullable=False),
        _text("registered_at", nullable=False),
        _text("retired_at"),
        _text("revoked_at"),
    )
    op.create_table(
        "cases",
        _serial("seq"),
        _text("case_id", nullable=False),
        _text("terminal_id", nullable=False),
        _text("key_id", nullable=False),
        _text("kind", nullable=False),
        _text("created_at", nullable=False),
        _text("received_at", nullable=False),
        sa.Column("test", sa.Integer, nullable=False),
        _text("digest", nullable=False),
        _text("envelope", nullable=False),
        _text("source", nullable=False),
        sa.UniqueConstraint("terminal_id", "case_id"),
        **SERIAL,
    )
    op.create_index("cases_by_id", "cases", ["case_id"])
    op.create_table(
        "case_attachments",
        _text("terminal_id", primary_key=True),
        _text("case_id", primary_key=True),
        _text("name", primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(["terminal_id", "case_id"], ["cases.terminal_id", "cases.case_id"]),
    )
    op.create_table(
        "nonces",
        _text("key_id", primary_key=True),
        _text("nonce", primary_key=True),
        sa.Column("expires_ts", sa.Float, nullable=False),
    )
    op.create_table(
        "reference_faces",
        _text("id_number", primary_key=True),
        sa.Column("jpeg", sa.LargeBinary, nullable=False),
        _text("updated_at", nullable=False),
    )
    op.create_table(
        "platform_keys",
        _text("name", primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "api_tokens",
        _text("name", primary_key=True),
        _text("token_hash", nullable=False, unique=True),
        _text("scopes", nullable=False),
        _text("created_at", nullable=False),
        _text("revoked_at"),
    )
    op.create_table(
        "certificates",
        _text("token_sha256", primary_key=True),
        _text("terminal_id", nullable=False),
        _text("key_id", nullable=False),
        _text("certificate_no", nullable=False),
        _text("case_id", nullable=False),
        _text("recorded_at", nullable=False),
    )
    op.create_index("certificates_by_terminal", "certificates", ["terminal_id", "certificate_no"])
    op.create_table(
        "rate_limits",
        _text("bucket", primary_key=True),
        _text("state", nullable=False),
        sa.Column("expires_ts", sa.Float, nullable=False),
    )


def _decisions() -> None:
    op.create_table(
        "feed_entries",
        _serial("seq"),
        _text("terminal_id", nullable=False),
        _text("case_id", nullable=False),
        _text("event", nullable=False),
        _text("at", nullable=False),
        **SERIAL,
    )
    op.create_index("feed_entries_by_case", "feed_entries", ["terminal_id", "case_id"])
    op.create_table(
        "case_checks",
        _text("terminal_id", primary_key=True),
        _text("case_id", primary_key=True),
        _text("id_number"),
        _text("outcome", nullable=False),
        _text("service_point", nullable=False),
        _text("created_at", nullable=False),
        _text("received_at", nullable=False),
        sa.Column("test", sa.Integer, nullable=False),
        _text("state", nullable=False),
        _text("review_reason"),
        _text("queued_at"),
        sa.Column("match_distance", sa.Float),
        sa.Column("match_threshold", sa.Float),
        _text("claimed_by"),
        sa.Column("claimed_until", sa.Float),
    )
    op.create_index("case_checks_by_person", "case_checks", ["id_number", "created_at"])
    op.create_index("case_checks_by_state", "case_checks", ["state", "queued_at"])
    op.create_table(
        "decisions",
        _serial("seq"),
        _text("terminal_id", nullable=False),
        _text("case_id", nullable=False),
        _text("verdict", nullable=False),
        _text("reason", nullable=False),
        _text("decided_by", nullable=False),
        _text("reviewer"),
        _text("decided_at", nullable=False),
        sa.Column("distance", sa.Float),
        sa.Column("threshold", sa.Float),
        sa.Column("test", sa.Integer, nullable=False),
        _text("note", nullable=False, server_default=""),
        _text("document", nullable=False),
        sa.UniqueConstraint("terminal_id", "case_id"),
        **SERIAL,
    )
    op.create_index("decisions_by_terminal", "decisions", ["terminal_id", "seq"])
    op.create_table(
        "jobs",
        _serial("job_id"),
        _text("kind", nullable=False),
        _text("terminal_id", nullable=False, server_default=""),
        _text("subject", nullable=False),
        _text("created_at", nullable=False),
        sa.Column("created_ts", sa.Float, nullable=False),
        _text("claimed_by"),
        sa.Column("claimed_until", sa.Float),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        _text("done_at"),
        sa.UniqueConstraint("kind", "terminal_id", "subject"),
        **SERIAL,
    )
    op.create_index("jobs_open", "jobs", ["done_at", "job_id"])
    op.create_table(
        "reference_templates",
        _text("id_number", primary_key=True),
        _text("face_sha256", nullable=False),
        _text("template"),
        _text("problem", nullable=False, server_default=""),
        _text("computed_at", nullable=False),
    )


def _people() -> None:
    op.create_table(
        "residents",
        _text("id_number", primary_key=True),
        _text("service_point", nullable=False),
        _text("imported_at", nullable=False),
    )
    op.create_index("residents_by_point", "residents", ["service_point"])
    op.create_table(
        "verifications",
        _serial("id"),
        _text("id_number", nullable=False),
        _text("verified_at", nullable=False),
        _text("channel", nullable=False),
        _text("imported_at", nullable=False),
        sa.UniqueConstraint("id_number", "verified_at", "channel"),
        **SERIAL,
    )
    op.create_table(
        "rosters",
        _text("service_point", primary_key=True),
        _text("inputs_sha256", nullable=False),
        _text("document", nullable=False),
        _text("etag", nullable=False),
        _text("built_at", nullable=False),
    )
    op.create_table(
        "ratings",
        _text("terminal_id", primary_key=True),
        _text("case_id", primary_key=True),
        _text("service", nullable=False),
        _text("service_point", nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        _text("reason"),
        _text("rated_at", nullable=False),
        _text("month", nullable=False),
        sa.Column("test", sa.Integer, nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5"),
    )
    op.create_index("ratings_by_month", "ratings", ["month", "service_point", "service"])
    op.create_table(
        "followups",
        _serial("id"),
        _text("terminal_id", nullable=False),
        _text("case_id", nullable=False),
        _text("opened_at", nullable=False),
        _text("closed_at"),
        _text("closed_by"),
        _text("note"),
        sa.UniqueConstraint("terminal_id", "case_id"),
        **SERIAL,
    )
    op.create_table(
        "staff_users",
        _text("name", primary_key=True),
        _text("role", nullable=False),
        _text("password_hash", nullable=False),
        sa.Column("must_change", sa.Integer, nullable=False, server_default="1"),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.Float),
        _text("created_at", nullable=False),
        _text("disabled_at"),
        sa.CheckConstraint("role IN ('reviewer', 'admin')"),
    )
    op.create_table(
        "staff_sessions",
        _text("session_hash", primary_key=True),
        _text("user_name", sa.ForeignKey("staff_users.name"), nullable=False),
        _text("csrf_token", nullable=False),
        sa.Column("created_ts", sa.Float, nullable=False),
        sa.Column("last_seen_ts", sa.Float, nullable=False),
        sa.Column("expires_ts", sa.Float, nullable=False),
    )
    op.create_index("staff_sessions_by_user", "staff_sessions", ["user_name"])
    op.create_table(
        "audit_log",
        _serial("seq"),
        _text("at", nullable=False),
        _text("actor", nullable=False),
        _text("action", nullable=False),
        _text("terminal_id"),
        _text("case_id"),
        _text("detail", nullable=False, server_default="{}"),
        _text("address"),
        **SERIAL,
    )


def _append_only(table: str, message: str) -> None:
    """Triggers that refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) on `table`."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION kiosk_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0] "
            "USING ERRCODE = 'restrict_violation'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION kiosk_refuse_change('{message}')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION kiosk_refuse_change('{message}')"
        )
        return
    names = {"decisions": "decisions_are_final", "audit_log": "audit_log_no"}[table]
    for action, suffix in (("UPDATE", "update"), ("DELETE", "delete")):
        op.execute(
            f"CREATE TRIGGER {names}_{suffix} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def downgrade() -> None:
    raise DowngradeRefused("the platform does not migrate down: restore a backup")
