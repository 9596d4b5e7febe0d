"""The audit log: every view of personal data and every decision, append-only.

Rows are only ever inserted: the database refuses UPDATE and DELETE on `audit_log` with
triggers (migration 4), so not even the platform's own code can rewrite history; there is
no code path that tries. An entry names who (a staff account, `cli:NAME`, or `auto`), what,
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

import sqlite_utils

from central.intake import now_iso

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


def write(
    tx: sqlite_utils.Database,
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
        "INSERT INTO audit_log (at, actor, action, terminal_id, case_id, detail, address) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            now_iso(),
            actor,
            action,
            terminal_id,
            case_id,
            json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
            address,
        ],
    )


def record(db: PlatformDB, **fields: Any) -> None:
    """Append one entry in a transaction of its own."""
    with db.transaction() as tx:
        write(tx, **fields)


def read(
    db: PlatformDB, *, after: int = 0, limit: int = 100, actor: str | None = None
) -> list[dict[str, Any]]:
    """Entries after `after`, oldest first (optionally one actor's)."""
    rows = db.rows(
        f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE seq > ? "  # noqa: S608 (constant columns)
        "AND (? IS NULL OR actor = ?) ORDER BY seq LIMIT ?",
        [after, actor, actor, limit],
    )
    return [_entry(row) for row in rows]


def latest(db: PlatformDB, limit: int = 200) -> list[dict[str, Any]]:
    """The newest entries, newest first (the admin's page)."""
    rows = db.rows(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq DESC LIMIT ?", [limit])  # noqa: S608 (constant columns)
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
