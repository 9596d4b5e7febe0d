"""The audit log: every view of personal data and every decision, append-only.

Rows are only ever inserted: the database refuses UPDATE and DELETE on `audit_log` with
triggers (PostgreSQL: TRUNCATE too), so not even the platform's own code can rewrite history;
there is no code path that tries. An entry names who (a staff account, `cli:NAME`, or `auto`), what,
on which case, and details that never hold the personal data itself (a revealed field is
named, not copied).

    audit.write(tx, actor="wang", action="view_case", terminal_id=..., case_id=...)
    entries = audit.read(db, after=0, limit=100)
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from central.intake import now_iso
from central.store import Tx
from central.tables import audit_log

if TYPE_CHECKING:
    from central.db import PlatformDB

ACTIONS = (
    "login",
    "login_failed",
    "locked_out",
    "logout",
    "password_changed",
    "view_case",
    "view_face",
    "view_reference",
    "reveal_field",
    "decide",
    "close_followup",
    "view_audit",
    "export_audit",
    "residents_import",
)
COLUMNS = ("seq", "at", "actor", "action", "terminal_id", "case_id", "detail", "address")
_COLUMNS = tuple(audit_log.c[name] for name in COLUMNS)


def write(
    tx: Tx,
    *,
    actor: str,
    action: str,
    terminal_id: str | None = None,
    case_id: str | None = None,
    detail: dict[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Append one entry, inside the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    tx.execute(
        sa.insert(audit_log).values(
            at=now_iso(),
            actor=actor,
            action=action,
            terminal_id=terminal_id,
            case_id=case_id,
            detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
            address=address,
        )
    )


def record(db: PlatformDB, **fields: Any) -> None:
    """Append one entry in a transaction of its own."""
    with db.transaction() as tx:
        write(tx, **fields)


def read(
    db: PlatformDB, *, after: int = 0, limit: int = 100, actor: str | None = None
) -> list[dict[str, Any]]:
    """Entries after `after`, oldest first (optionally one actor's)."""
    query = sa.select(*_COLUMNS).where(audit_log.c.seq > after)
    if actor is not None:
        query = query.where(audit_log.c.actor == actor)
    rows = db.rows(query.order_by(audit_log.c.seq).limit(limit))
    return [_entry(row) for row in rows]


def latest(db: PlatformDB, limit: int = 200) -> list[dict[str, Any]]:
    """The newest entries, newest first (the admin's page)."""
    rows = db.rows(sa.select(*_COLUMNS).order_by(audit_log.c.seq.desc()).limit(limit))
    return [_entry(row) for row in rows]


def export_csv(db: PlatformDB, batch: int = 1000) -> Iterator[str]:
    """The whole log as CSV, in pieces (a large log is never held in memory at once)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    after = 0
    while True:
        entries = read(db, after=after, limit=batch)
        for entry in entries:
            writer.writerow([_csv_safe(entry[name]) for name in COLUMNS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        if len(entries) < batch:
            return
        after = entries[-1]["seq"]


def _csv_safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _entry(row: tuple[Any, ...]) -> dict[str, Any]:
    entry = dict(zip(COLUMNS, row, strict=True))
    entry["detail"] = json.loads(entry["detail"])
    return entry
