"""The platform database's tables as SQLAlchemy Core sees them: one schema for SQLite and
PostgreSQL, at the newest migration (`central/migrations`).

The migrations are the schema's history and never import this module; a test compares a
migrated database (fresh on either backend, or a SQLite database of the release before the
port, adopted) with these tables, so the two cannot drift apart.

Types are chosen so that both backends store the same values: times are ISO 8601 text (UTC,
milliseconds: text order is time order), instants the code compares are epoch seconds
(`Float`), flags are integers 0/1 as the SQLite release stored them, documents are JSON text.
Row numbers (`seq`, `id`) are SQLite rowids (AUTOINCREMENT: never reused) and PostgreSQL
identity columns, except the two numbered from the feed's position (`feed_entries.seq`,
`decisions.seq`), which are given by `central.store.Tx` when the transaction commits.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# A row number: INTEGER PRIMARY KEY (the rowid) on SQLite, BIGINT on PostgreSQL.
RowNumber = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _serial(name: str) -> sa.Column[int]:
    return sa.Column(name, RowNumber, sa.Identity(), primary_key=True)


terminals = sa.Table(
    "terminals",
    metadata,
    sa.Column("terminal_id", sa.Text, primary_key=True),
    sa.Column("key_id", sa.Text, unique=True),
    sa.Column("public_key", sa.Text),
    sa.Column("registered_at", sa.Text),
    sa.Column("status", sa.Text, nullable=False, server_default="awaiting"),
    sa.Column("service_point", sa.Text, nullable=False, server_default=""),
    sa.Column("revoked_at", sa.Text),
)

registration_codes = sa.Table(
    "registration_codes",
    metadata,
    sa.Column("code_hash", sa.Text, primary_key=True),
    sa.Column("terminal_id", sa.Text, sa.ForeignKey("terminals.terminal_id"), nullable=False),
    sa.Column("expires_ts", sa.Float, nullable=False),
    sa.Column("used_ts", sa.Float),
)

terminal_keys = sa.Table(
    "terminal_keys",
    metadata,
    sa.Column("key_id", sa.Text, primary_key=True),
    sa.Column("terminal_id", sa.Text, sa.ForeignKey("terminals.terminal_id"), nullable=False),
    sa.Column("public_key", sa.Text, nullable=False),
    sa.Column("registered_at", sa.Text, nullable=False),
    sa.Column("retired_at", sa.Text),
    sa.Column("revoked_at", sa.Text),
)

cases = sa.Table(
    "cases",
    metadata,
    _serial("seq"),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("terminal_id", sa.Text, nullable=False),
    sa.Column("key_id", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("received_at", sa.Text, nullable=False),
    sa.Column("test", sa.Integer, nullable=False),
    sa.Column("digest", sa.Text, nullable=False),
    sa.Column("envelope", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.UniqueConstraint("terminal_id", "case_id"),
    sa.Index("cases_by_id", "case_id"),
    sqlite_autoincrement=True,
)

# A case's files: what they are; their bytes are in the attachment store beside the database
# (`central.attachments`), named by their SHA-256.
case_attachments = sa.Table(
    "case_attachments",
    metadata,
    sa.Column("terminal_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(["terminal_id", "case_id"], ["cases.terminal_id", "cases.case_id"]),
    sa.Index("case_attachments_by_sha256", "sha256"),
)

nonces = sa.Table(
    "nonces",
    metadata,
    sa.Column("key_id", sa.Text, primary_key=True),
    sa.Column("nonce", sa.Text, primary_key=True),
    sa.Column("expires_ts", sa.Float, nullable=False),
    sa.Index("nonces_by_expiry", "expires_ts"),
)

reference_faces = sa.Table(
    "reference_faces",
    metadata,
    sa.Column("id_number", sa.Text, primary_key=True),
    sa.Column("jpeg", sa.LargeBinary, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
)

# Where releases before 0.1's hardening kept the platform's private keys; emptied into the key
# folder when such a database is opened (`central.platform_keys`).
platform_keys = sa.Table(
    "platform_keys",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
)

# The public halves of the platform's own keys: a process that finds other keys in its key
# folder (a second machine set up without copying the folder) refuses to start.
platform_identity = sa.Table(
    "platform_identity",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("public_key", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.Text, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("token_hash", sa.Text, nullable=False, unique=True),
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("revoked_at", sa.Text),
)

certificates = sa.Table(
    "certificates",
    metadata,
    sa.Column("token_sha256", sa.Text, primary_key=True),
    sa.Column("terminal_id", sa.Text, nullable=False),
    sa.Column("key_id", sa.Text, nullable=False),
    sa.Column("certificate_no", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.Text, nullable=False),
    sa.Index("certificates_by_terminal", "terminal_id", "certificate_no"),
)

rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("bucket", sa.Text, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("expires_ts", sa.Float, nullable=False),
)

# One row per change of a case; `seq` is the pull feed's cursor, given in commit order.
feed_entries = sa.Table(
    "feed_entries",
    metadata,
    sa.Column("seq", RowNumber, primary_key=True, autoincrement=False),
    sa.Column("terminal_id", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Index("feed_entries_by_case", "terminal_id", "case_id"),
)

# The last feed position handed out: one row, updated by every transaction that adds feed
# entries, as its last statement (`central.store.Tx`). Its row lock orders those commits.
feed_position = sa.Table(
    "feed_position",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last", sa.BigInteger, nullable=False),
    sa.CheckConstraint("id = 1", name="feed_position_one_row"),
)

case_checks = sa.Table(
    "case_checks",
    metadata,
    sa.Column("terminal_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("id_number", sa.Text),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("service_point", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("received_at", sa.Text, nullable=False),
    sa.Column("test", sa.Integer, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("review_reason", sa.Text),
    sa.Column("queued_at", sa.Text),
    sa.Column("match_distance", sa.Float),
    sa.Column("match_threshold", sa.Float),
    sa.Column("claimed_by", sa.Text),
    sa.Column("claimed_until", sa.Float),
    sa.Index("case_checks_by_person", "id_number", "created_at"),
    sa.Index("case_checks_by_state", "state", "queued_at"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    # the feed position of the decision's `decided` entry: terminals follow it as a cursor
    sa.Column("seq", RowNumber, primary_key=True, autoincrement=False),
    sa.Column("terminal_id", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("verdict", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("decided_by", sa.Text, nullable=False),
    sa.Column("reviewer", sa.Text),
    sa.Column("decided_at", sa.Text, nullable=False),
    sa.Column("distance", sa.Float),
    sa.Column("threshold", sa.Float),
    sa.Column("test", sa.Integer, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("document", sa.Text, nullable=False),
    sa.UniqueConstraint("terminal_id", "case_id"),
    sa.Index("decisions_by_terminal", "terminal_id", "seq"),
)

jobs = sa.Table(
    "jobs",
    metadata,
    _serial("job_id"),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("terminal_id", sa.Text, nullable=False, server_default=""),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("created_ts", sa.Float, nullable=False),
    sa.Column("claimed_by", sa.Text),
    sa.Column("claimed_until", sa.Float),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("done_at", sa.Text),
    sa.UniqueConstraint("kind", "terminal_id", "subject"),
    sa.Index("jobs_open", "done_at", "job_id"),
    sqlite_autoincrement=True,
)

reference_templates = sa.Table(
    "reference_templates",
    metadata,
    sa.Column("id_number", sa.Text, primary_key=True),
    sa.Column("face_sha256", sa.Text, nullable=False),
    sa.Column("template", sa.Text),
    sa.Column("problem", sa.Text, nullable=False, server_default=""),
    sa.Column("computed_at", sa.Text, nullable=False),
)

residents = sa.Table(
    "residents",
    metadata,
    sa.Column("id_number", sa.Text, primary_key=True),
    sa.Column("service_point", sa.Text, nullable=False),
    sa.Column("imported_at", sa.Text, nullable=False),
    sa.Index("residents_by_point", "service_point"),
)

verifications = sa.Table(
    "verifications",
    metadata,
    _serial("id"),
    sa.Column("id_number", sa.Text, nullable=False),
    sa.Column("verified_at", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("imported_at", sa.Text, nullable=False),
    sa.UniqueConstraint("id_number", "verified_at", "channel"),
    sqlite_autoincrement=True,
)

rosters = sa.Table(
    "rosters",
    metadata,
    sa.Column("service_point", sa.Text, primary_key=True),
    sa.Column("inputs_sha256", sa.Text, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("etag", sa.Text, nullable=False),
    sa.Column("built_at", sa.Text, nullable=False),
)

ratings = sa.Table(
    "ratings",
    metadata,
    sa.Column("terminal_id", sa.Text, primary_key=True),
    sa.Column("case_id", sa.Text, primary_key=True),
    sa.Column("service", sa.Text, nullable=False),
    sa.Column("service_point", sa.Text, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("rated_at", sa.Text, nullable=False),
    sa.Column("month", sa.Text, nullable=False),
    sa.Column("test", sa.Integer, nullable=False),
    sa.CheckConstraint("score BETWEEN 1 AND 5"),
    sa.Index("ratings_by_month", "month", "service_point", "service"),
)

followups = sa.Table(
    "followups",
    metadata,
    _serial("id"),
    sa.Column("terminal_id", sa.Text, nullable=False),
    sa.Column("case_id", sa.Text, nullable=False),
    sa.Column("opened_at", sa.Text, nullable=False),
    sa.Column("closed_at", sa.Text),
    sa.Column("closed_by", sa.Text),
    sa.Column("note", sa.Text),
    sa.UniqueConstraint("terminal_id", "case_id"),
    sqlite_autoincrement=True,
)

staff_users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("must_change", sa.Integer, nullable=False, server_default="1"),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Float),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("disabled_at", sa.Text),
    sa.CheckConstraint("role IN ('reviewer', 'admin')"),
)

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("session_hash", sa.Text, primary_key=True),
    sa.Column("user_name", sa.Text, sa.ForeignKey("staff_users.name"), nullable=False),
    sa.Column("csrf_token", sa.Text, nullable=False),
    sa.Column("created_ts", sa.Float, nullable=False),
    sa.Column("last_seen_ts", sa.Float, nullable=False),
    sa.Column("expires_ts", sa.Float, nullable=False),
    sa.Index("staff_sessions_by_user", "user_name"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    _serial("seq"),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("terminal_id", sa.Text),
    sa.Column("case_id", sa.Text),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    sa.Column("address", sa.Text),
    sqlite_autoincrement=True,
)

# Tables whose rows are only ever inserted (triggers refuse UPDATE and DELETE).
APPEND_ONLY = {"decisions": "a decision is final", "audit_log": "the audit log is append-only"}

# 呼叫工作人员 (central.staff_calls): one row per call, the end overwriting "open".
staff_calls = sa.Table(
    "staff_calls",
    metadata,
    sa.Column("terminal_id", sa.Text, primary_key=True),
    sa.Column("call_id", sa.Text, primary_key=True),
    sa.Column("service_point", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("called_at", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("ended_at", sa.Text),
    sa.Column("answer_s", sa.Float),
    sa.Column("answered_by", sa.Text),
    sa.Column("test", sa.Integer, nullable=False),
    sa.Column("received_at", sa.Text, nullable=False),
    sa.CheckConstraint("outcome IN ('open', 'answered', 'cancelled', 'timed_out')"),
    sa.Index("staff_calls_by_point", "service_point", "outcome"),
)
