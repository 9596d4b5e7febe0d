"""The storage port (issue 16): a feed numbered in commit order, faces out of the database.

- `feed_position`: the last feed number handed out (one row). Feed entries and decisions are
  numbered from it as their transaction's last statement (`central.store.Tx`), so numbers
  follow commit order; their own autoincrement goes (PostgreSQL: the identity is dropped).
- `case_attachments` keeps each file's SHA-256 and size; the bytes move to the attachment
  store beside the database (`central.attachments`), written and synced before this
  transaction commits.
- `platform_identity`: the public halves of the platform's keys (a machine whose key folder
  holds other keys refuses to start).
- an index on `nonces.expires_ts` (expired nonces are swept by time).
- SQLite only: `schema_migrations` records version 5, so a release from before the port
  refuses this database ("migrated by a newer release") instead of misreading it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from alembic import op

from central.errors import DowngradeRefused

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MOVE_BATCH = 200


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE feed_entries ALTER COLUMN seq DROP IDENTITY")
        op.execute("ALTER TABLE decisions ALTER COLUMN seq DROP IDENTITY")
    op.create_table(
        "feed_position",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="feed_position_one_row"),
    )
    last = bind.execute(
        sa.text(
            "SELECT MAX(n) FROM (SELECT MAX(seq) AS n FROM feed_entries "
            "UNION ALL SELECT MAX(seq) FROM decisions) AS numbers"
        )
    ).scalar()
    op.execute(sa.text("INSERT INTO feed_position VALUES (1, :last)").bindparams(last=last or 0))
    op.create_table(
        "platform_identity",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
    )
    op.create_index("nonces_by_expiry", "nonces", ["expires_ts"])
    _attachments_leave_the_database(bind)
    if not postgresql:
        _refuse_older_releases(bind)


def _attachments_leave_the_database(bind: sa.Connection) -> None:
    op.add_column("case_attachments", sa.Column("sha256", sa.Text))
    op.add_column("case_attachments", sa.Column("size", sa.Integer))
    config = op.get_context().config
    store = config.attributes.get("attachments") if config is not None else None
    pending = sa.text(
        "SELECT terminal_id, case_id, name, data FROM case_attachments WHERE sha256 IS NULL "
        "LIMIT :n"
    )
    while True:
        rows = bind.execute(pending, {"n": MOVE_BATCH}).all()
        if not rows:
            break
        if store is None:
            raise RuntimeError("attachments to move, and no attachment store to move them to")
        digests = store.put_many([bytes(row[3]) for row in rows])  # synced before we commit
        bind.execute(
            sa.text(
                "UPDATE case_attachments SET sha256 = :sha256, size = :size "
                "WHERE terminal_id = :terminal_id AND case_id = :case_id AND name = :name"
            ),
            [_moved(row, digest) for row, digest in zip(rows, digests, strict=True)],
        )
    with op.batch_alter_table("case_attachments") as batch:
        batch.drop_column("data")
        batch.alter_column("sha256", existing_type=sa.Text, nullable=False)
        batch.alter_column("size", existing_type=sa.Integer, nullable=False)
    op.create_index("case_attachments_by_sha256", "case_attachments", ["sha256"])


def _moved(row: Any, digest: str) -> dict[str, Any]:
    terminal_id, case_id, name, data = row
    return {
        "sha256": digest,
        "size": len(data),
        "terminal_id": terminal_id,
        "case_id": case_id,
        "name": name,
    }


def _refuse_older_releases(bind: sa.Connection) -> None:
    if not sa.inspect(bind).has_table("schema_migrations"):
        op.create_table(
            "schema_migrations",
            sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("applied_at", sa.Text, nullable=False),
        )
    op.execute(
        sa.text("INSERT INTO schema_migrations VALUES (5, :at)").bindparams(
            at=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        )
    )


def downgrade() -> None:
    raise DowngradeRefused("the platform does not migrate down: restore a backup")
