"""Moving a SQLite platform's data to PostgreSQL (`kiosk-central migrate-db`).

    kiosk-central migrate-db --from /var/lib/kiosk-central/central.sqlite3 \\
        --to postgresql://kiosk-central@/central --files /var/lib/kiosk-central/pg

1. The SQLite database is opened as the platform opens it (upgraded to this release first).
2. Its key folder is copied to `--files DIR/keys` (the same keys: terminals keep trusting the
   receipts and decisions the platform signs); a folder that holds other keys is refused.
3. The PostgreSQL database is migrated to this release's schema and must hold no platform
   data yet (nothing is merged, nothing overwritten).
4. Every attachment file is copied into `--files DIR/attachments` (checked by its SHA-256).
5. Every table's rows are copied in one PostgreSQL transaction, read from one SQLite snapshot,
   with their numbers as they were: feed cursors, decision cursors, the audit log's order and
   row ids stay what consumers, terminals and auditors hold. The feed's counter and the
   identity sequences continue after them. Then every table's count is compared.

Stop the SQLite platform first: what arrives after its snapshot is not moved.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from central.attachments import AttachmentStore
from central.db import PlatformDB
from central.errors import CentralError
from central.files import FILE_MODE, private_folder
from central.store import Target
from central.tables import feed_position, metadata, platform_identity

COPY_BATCH = 1000
# Made by opening the target (its own migration and keys): not copied.
NOT_COPIED = {feed_position.name, platform_identity.name}


class TargetNotEmpty(CentralError):
    """The PostgreSQL database already holds a platform's data."""


def migrate_db(source: Target, target: Target, files_dir: Path) -> dict[str, Any]:
    """Move `source` (SQLite) into `target` (PostgreSQL, empty); what was copied."""
    if source.path is None or target.path is not None or not target.postgresql:
        raise CentralError("migrate-db moves a SQLite file (--from) to PostgreSQL (--to)")
    if not source.path.exists():
        raise CentralError(f"{source} does not exist")
    old = PlatformDB(source)
    try:
        assert old.files.keys is not None
        copy_keys(old.files.keys, private_folder(files_dir) / "keys")
        new = PlatformDB(target, files_dir=files_dir)
        try:
            _check_empty(new)
            attachments = copy_attachments(old, new)
            with old.store.connection() as reading, new.transaction() as tx:
                counts = {
                    table.name: _copy_table(reading, tx.conn, table)
                    for table in metadata.sorted_tables
                    if table.name not in NOT_COPIED
                }
                last = reading.execute(sa.select(feed_position.c.last)).scalar_one()
                tx.execute(sa.update(feed_position).values(last=last))
                _continue_sequences(tx.conn)
            _compare_counts(new, counts)
        finally:
            new.close()
    finally:
        old.close()
    return {"tables": counts, "attachments": attachments, "feed_position": int(last)}


def copy_keys(source: Path, target: Path) -> None:
    """The platform's key files, copied 0600; refused where the target holds another key."""
    private_folder(target)
    for key in sorted(source.glob("*.key")):
        there = target / key.name
        if there.exists():
            if there.read_bytes() != key.read_bytes():
                raise CentralError(
                    f"{there} holds another key than {key}: migrate-db will not replace a "
                    "platform's key (use an empty --files folder)"
                )
            continue
        shutil.copyfile(key, there)
        there.chmod(FILE_MODE)


def _check_empty(new: PlatformDB) -> None:
    held = {
        table.name: n
        for table in metadata.sorted_tables
        if table.name not in NOT_COPIED
        and (n := new.rows(sa.select(sa.func.count()).select_from(table))[0][0])
    }
    if held:
        found = ", ".join(f"{n} in {name}" for name, n in sorted(held.items()))
        raise TargetNotEmpty(
            f"{new.target} already holds platform data ({found}): migrate-db fills an empty "
            "database only, nothing was copied"
        )


def copy_attachments(old: PlatformDB, new: PlatformDB) -> int:
    """Every file of the old attachment store into the new one (checked by SHA-256)."""
    if not isinstance(old.attachments, AttachmentStore):
        return 0
    copied = 0
    batch: list[bytes] = []
    for path in old.attachments.files():
        data = old.attachments.get(path.name)
        if data is None:
            continue
        batch.append(data)
        if len(batch) >= 100:
            copied += len(new.attachments.put_many(batch))
            batch = []
    if batch:
        copied += len(new.attachments.put_many(batch))
    return copied


def _copy_table(reading: sa.Connection, writing: sa.Connection, table: sa.Table) -> int:
    copied = 0
    for rows in _batches(reading, table):
        writing.execute(sa.insert(table), rows)
        copied += len(rows)
    return copied


def _batches(conn: sa.Connection, table: sa.Table) -> Iterator[list[dict[str, Any]]]:
    query = sa.select(table).order_by(*table.primary_key.columns)
    result = conn.execution_options(yield_per=COPY_BATCH).execute(query)
    for part in result.mappings().partitions():
        yield [dict(row) for row in part]


def _continue_sequences(conn: sa.Connection) -> None:
    """Identity columns continue after the copied rows' numbers."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            if column.identity is not None:
                # Names from the schema's own metadata, never from input.
                highest = sa.select(sa.func.coalesce(sa.func.max(column), 0) + 1)
                sequence = sa.func.pg_get_serial_sequence(table.name, column.name)
                conn.execute(sa.select(sa.func.setval(sequence, highest.scalar_subquery(), False)))


def _compare_counts(new: PlatformDB, copied: dict[str, int]) -> None:
    for name, count in copied.items():
        table = metadata.tables[name]
        there = new.rows(sa.select(sa.func.count()).select_from(table))[0][0]
        if there != count:
            raise CentralError(f"{name}: {count} rows copied, {there} in {new.target}")
