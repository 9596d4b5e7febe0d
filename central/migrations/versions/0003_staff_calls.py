"""呼叫工作人员: the kiosks' staff calls, one row per call (`central.staff_calls`), and the
calls an earlier release stored as an unknown record kind filed into it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from central import staff_calls
from central.errors import DowngradeRefused
from central.store import Tx

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_calls",
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
    )
    op.create_index("staff_calls_by_point", "staff_calls", ["service_point", "outcome"])
    staff_calls.backfill(Tx(op.get_bind()))


def downgrade() -> None:
    raise DowngradeRefused("the platform does not migrate down: restore a backup")
