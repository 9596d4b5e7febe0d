"""The pull feed: every change of a case, once, in the order it was committed.

A case enters the feed when it arrives (`event: "received"`) and again when the platform
decides it (`event: "decided"`), as ODK Central's submissions carry their review state; a
poor rating again when its follow-up is closed (`event: "followup_closed"`). Each
item is the case as it stands now: its envelope, where it stands (`state`) and its current
`decision` (null while awaiting). The cursor is the change's number (`feed_entries.seq`).

Numbers are given in commit order (`central.store.Tx.number_feed_entries`: the transaction's
last statement takes them from a one-row counter whose lock it holds until it commits), with
no gaps: when a reader sees number n, every change numbered below n is committed and visible.
A consumer that follows `next` therefore sees every change exactly once, however many worker
processes write at once. Cursors handed out before the port stay valid (numbers continue).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from central.tables import case_checks, cases, decisions, feed_entries, followups

if TYPE_CHECKING:
    from central.db import PlatformDB

_STATE = sa.func.coalesce(
    case_checks.c.state,
    sa.case(
        (followups.c.id.is_(None), sa.null()),
        (followups.c.closed_at.is_(None), "followup_open"),
        else_="followup_closed",
    ),
)
_CASE_COLUMNS = (
    cases.c.terminal_id,
    cases.c.received_at,
    cases.c.envelope,
    cases.c.source,
    _STATE,
    decisions.c.verdict,
    decisions.c.reason,
    decisions.c.decided_by,
    decisions.c.reviewer,
    decisions.c.decided_at,
    decisions.c.distance,
    decisions.c.threshold,
    decisions.c.test,
    decisions.c.note,
    decisions.c.document,
)


def _same_case(table: sa.Table) -> sa.ColumnElement[bool]:
    return sa.and_(table.c.terminal_id == cases.c.terminal_id, table.c.case_id == cases.c.case_id)


def _with_state(query: sa.Select[Any]) -> sa.Select[Any]:
    return (
        query.outerjoin(case_checks, _same_case(case_checks))
        .outerjoin(decisions, _same_case(decisions))
        .outerjoin(followups, _same_case(followups))
    )


def read_feed(
    db: PlatformDB, after: int, limit: int, test: bool | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """Changes after `after`, oldest first; `test` filters test cases in or out."""
    query = _with_state(
        sa.select(feed_entries.c.seq, feed_entries.c.event, *_CASE_COLUMNS)
        .select_from(feed_entries)
        .join(
            cases,
            sa.and_(
                cases.c.terminal_id == feed_entries.c.terminal_id,
                cases.c.case_id == feed_entries.c.case_id,
            ),
        )
    ).where(feed_entries.c.seq > after)
    if test is not None:
        query = query.where(cases.c.test == int(test))
    rows = db.rows(query.order_by(feed_entries.c.seq).limit(limit))
    items = [feed_item(row[0], row[1], row[2:]) for row in rows]
    return items, (rows[-1][0] if rows else None)


def cases_with_id(db: PlatformDB, case_id: str, terminal_id: str | None) -> list[dict[str, Any]]:
    """The cases stored under `case_id` (one per terminal at most), oldest first, each with
    the cursor of its latest change."""
    latest = (
        sa.select(feed_entries.c.seq, feed_entries.c.event)
        .where(_same_case(feed_entries))
        .order_by(feed_entries.c.seq.desc())
        .limit(1)
        .correlate(cases)
    )
    query = _with_state(
        sa.select(
            latest.with_only_columns(feed_entries.c.seq).scalar_subquery(),
            latest.with_only_columns(feed_entries.c.event).scalar_subquery(),
            *_CASE_COLUMNS,
        ).select_from(cases)
    ).where(cases.c.case_id == case_id)
    if terminal_id is not None:
        query = query.where(cases.c.terminal_id == terminal_id)
    rows = db.rows(query.order_by(cases.c.seq))
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
