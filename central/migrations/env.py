"""Alembic's environment for the platform: migrations run on the connection and inside the
transaction `central.migrate` opened (config.attributes["connection"]), so an upgrade is one
transaction, committed whole or not at all (both backends' DDL is transactional)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=True,  # SQLite rebuilds a table to change a column
    transaction_per_migration=False,
)
with context.begin_transaction():  # the caller's transaction: nothing is committed here
    context.run_migrations()
