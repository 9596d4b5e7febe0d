"""Bringing a platform database to this release's schema, in one transaction.

- An empty database (SQLite or PostgreSQL) runs the Alembic chain from its start.
- A SQLite database of a release before the port (`schema_migrations`, versions 1 to 4, no
  `alembic_version`) is first brought to schema 4 by its own scripts (`legacy_schema`), then
  stamped with revision 0001 (schema 4) and upgraded like any other.
- A database a newer release migrated (a revision this release does not know, or a
  `schema_migrations` version above 4 without Alembic) is refused, untouched: CentralError,
  which the command line turns into exit 3 with the message.

On PostgreSQL the upgrade holds an advisory lock, so two machines starting at once migrate
one after the other (the second finds nothing to do). On SQLite the transaction holds the
write lock (`BEGIN IMMEDIATE`); foreign keys are off while tables are rebuilt.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from central import intake
from central.attachments import Attachments
from central.cases import case_certificate
from central.errors import CentralError
from central.legacy_schema import LATEST as LEGACY_LATEST
from central.legacy_schema import SCHEMA as LEGACY_SCHEMA
from central.store import Store, Tx
from central.tables import certificates

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x6B696F736B  # pg_advisory_xact_lock key: "kiosk"
ADOPTED_AT = "0001"  # the revision that is schema 4


def quiet_migrations(verbose: bool) -> None:
    """Alembic says "Context impl ..." at INFO each time a database is opened; only a
    migration that runs is worth a line (logged here), unless asked for everything."""
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


def alembic_config(tx: Tx | None = None, attachments: Attachments | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "central:migrations")
    if tx is not None:
        config.attributes["connection"] = tx.conn
    config.attributes["attachments"] = attachments
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: sa.Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def migrate(store: Store, attachments: Attachments | None) -> None:
    """Upgrade the database to this release's head (nothing to do: a quick look)."""
    sqlite = store.dialect == "sqlite"
    if sqlite:
        store.raw_connection_pragma("PRAGMA foreign_keys = OFF")
    try:
        with store.transaction() as tx:
            if not sqlite:
                tx.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            _upgrade(store, tx, attachments)
    finally:
        if sqlite:
            store.raw_connection_pragma("PRAGMA foreign_keys = ON")


def _upgrade(store: Store, tx: Tx, attachments: Attachments | None) -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    current = current_revision(tx.conn)
    config = alembic_config(tx, attachments)
    if current is None and sa.inspect(tx.conn).has_table("schema_migrations"):
        _adopt(store, tx)
        command.stamp(config, ADOPTED_AT)
        current = ADOPTED_AT
    if current is not None:
        try:
            scripts.get_revision(current)
        except Exception:  # alembic's "no such revision": a newer release's
            raise CentralError(
                f"{store.target} was migrated by a newer release (revision {current}; this "
                f"release knows up to {scripts.get_current_head()}): run the newer release or "
                "restore a backup"
            ) from None
    if current != scripts.get_current_head():
        log.info("%s: migrating from %s to %s", store.target, current, scripts.get_current_head())
        command.upgrade(config, "head")


def _adopt(store: Store, tx: Tx) -> None:
    """A SQLite database of a release before the port: its own scripts up to schema 4."""
    done = {row[0] for row in tx.execute(sa.text("SELECT version FROM schema_migrations"))}
    newer = [version for version in done if version > LEGACY_LATEST]
    if newer:
        raise CentralError(
            f"{store.target} was migrated by a newer release (schema {max(newer)}; this "
            f"release knows {LEGACY_LATEST}): run the newer release or restore a backup"
        )
    for version, script in LEGACY_SCHEMA:
        if version in done:
            continue
        for statement in statements(script):
            tx.conn.exec_driver_sql(statement)
        if version == 3:
            _index_certificates(tx)
        if version == 4:
            intake.backfill(tx)
        tx.execute(
            sa.text("INSERT INTO schema_migrations VALUES (:version, :at)"),
            {"version": version, "at": intake.now_iso()},
        )


def _index_certificates(tx: Tx) -> None:
    """Schema 3: certificates of the cases stored before the index existed."""
    found = tx.execute(
        sa.text("SELECT case_id, terminal_id, key_id, received_at, envelope FROM cases")
    ).all()
    for case_id, terminal_id, key_id, received_at, envelope in found:
        certificate = case_certificate(json.loads(envelope))
        if certificate is not None:
            tx.execute(
                tx.insert(certificates).on_conflict_do_nothing(),
                _certificate_row(certificate, terminal_id, key_id, case_id, received_at),
            )


def _certificate_row(
    found: tuple[str, str], terminal_id: str, key_id: str, case_id: str, received_at: str
) -> dict[str, Any]:
    return {
        "token_sha256": found[0],
        "terminal_id": terminal_id,
        "key_id": key_id,
        "certificate_no": found[1],
        "case_id": case_id,
        "recorded_at": received_at,
    }


def statements(script: str) -> Iterator[str]:
    """The SQL statements of a legacy script (a trigger's body holds semicolons)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \n;"):
        yield pending.strip()
