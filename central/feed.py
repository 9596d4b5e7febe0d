"""The pull feed: every change of a case, once, in the order it was committed.

A case enters the feed when it arrives (`event: "received"`) and again when the platform
decides it (`event: "decided"`), as ODK Central's submissions carry their review state; a
poor rating again when its follow-up is closed (`event: "followup_closed"`). Each
item is the case as it stands now: its envelope, where it stands (`state`) and its current
`decision` (null while awaiting). The cursor is the change's number (`feed_entries.seq`), so
a consumer that follows `next` sees every change exactly once; cursors handed out before
decisions existed stay valid (the existing cases kept their numbers).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from central.db import PlatformDB

_CASE_COLUMNS = (
    "c.terminal_id, c.received_at, c.envelope, c.source, COALESCE(k.state, CASE "
    "WHEN u.id IS NULL THEN NULL WHEN u.closed_at IS NULL THEN 'followup_open' "
    "ELSE 'followup_closed' END), "
    "d.verdict, d.reason, d.decided_by, d.reviewer, d.decided_at, d.distance, d.threshold, "
    "d.test, d.note, d.document"
)
_JOINS = (
    "LEFT JOIN case_checks k ON k.terminal_id = c.terminal_id AND k.case_id = c.case_id "
    "LEFT JOIN decisions d ON d.terminal_id = c.terminal_id AND d.case_id = c.case_id "
    "LEFT JOIN followups u ON u.terminal_id = c.terminal_id AND u.case_id = c.case_id"
)


def read_feed(
    db: PlatformDB, after: int, limit: int, test: bool | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """Changes after `after`, oldest first; `test` filters test cases in or out."""
    flag = None if test is None else int(test)
    rows = db.rows(
        f"SELECT f.seq, f.event, {_CASE_COLUMNS} FROM feed_entries f "  # noqa: S608 (constant columns)
        "JOIN cases c ON c.terminal_id = f.terminal_id AND c.case_id = f.case_id "
        f"{_JOINS} WHERE f.seq > ? AND (? IS NULL OR c.test = ?) ORDER BY f.seq LIMIT ?",
        [after, flag, flag, limit],
    )
    items = [feed_item(row[0], row[1], row[2:]) for row in rows]
    return items, (rows[-1][0] if rows else None)


def cases_with_id(db: PlatformDB, case_id: str, terminal_id: str | None) -> list[dict[str, Any]]:
    """The cases stored under `case_id` (one per terminal at most), oldest first, each with
    the cursor of its latest change."""
    rows = db.rows(
        "SELECT (SELECT MAX(seq) FROM feed_entries f WHERE f.terminal_id = c.terminal_id "  # noqa: S608 (constant columns)
        "AND f.case_id = c.case_id), (SELECT event FROM feed_entries f WHERE "
        "f.terminal_id = c.terminal_id AND f.case_id = c.case_id ORDER BY seq DESC LIMIT 1), "
        f"{_CASE_COLUMNS} FROM cases c {_JOINS} "
        "WHERE c.case_id = ? AND (? IS NULL OR c.terminal_id = ?) ORDER BY c.seq",
        [case_id, terminal_id, terminal_id],
    )
    return [feed_item(row[0] or 0, row[1] or "received", row[2:]) for row in rows]


def feed_item(seq: int, event: str, row: tuple[Any, ...]) -> dict[str, Any]:
    terminal_id, received_at, envelope, source, state, *decided = row
    case = json.loads(envelope)
    return {
        "case_id": case["case_id"],
        "cursor": str(seq),
        "event": event,
        "terminal_id": terminal_id,
        "kind": case["kind"],
        "created_at": case["created_at"],
        "received_at": received_at,
        "test": case["test"],
        "schema_version": case["schema_version"],
        "key_id": case["key_id"],
        "payload": case["payload"],
        "attachments": case["attachments"],
        "signature": case["signature"],
        "source": source,
        "state": state,
        "decision": _decision(decided),
    }


def _decision(row: list[Any]) -> dict[str, Any] | None:
    verdict, reason, decided_by, reviewer, decided_at, distance, threshold, test, note, doc = row
    if verdict is None:
        return None
    return {
        "verdict": verdict,
        "reason": reason,
        "decided_by": decided_by,
        "reviewer": reviewer,
        "decided_at": decided_at,
        "distance": distance,
        "threshold": threshold,
        "test": bool(test),
        "note": note,
        "document": json.loads(doc),
    }
