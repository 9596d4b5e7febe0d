"""呼叫工作人员 on the platform: the kiosks' staff calls, open and ended, per service point,
with the time staff took to answer.

A kiosk records each call twice with one call id (contract.staff_calls): "open" when it goes
out, and its end (answered, cancelled, timed_out). Both are filed at ingest into
`staff_calls`, one row per call: the end overwrites "open", never the other way round, so
records that arrive late or twice change nothing. The service point is the one the platform
knows the terminal at (as for checks), else the kiosk's own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from central.tables import cases, staff_calls, terminals
from contract.staff_calls import STAFF_CALL_KIND, StaffCallError, check_staff_call

if TYPE_CHECKING:
    from central.db import PlatformDB
    from central.store import Tx

OPEN = "open"


def call_row(
    terminal_id: str, case: dict[str, Any], received_at: str, point: str
) -> dict[str, Any] | None:
    """The `staff_calls` row of a staff call record; None for a payload that does not check
    (stored before payloads were checked). `point`: the service point the platform knows."""
    try:
        call = check_staff_call(case["payload"])
    except StaffCallError:
        return None
    return {
        "terminal_id": terminal_id,
        "call_id": call.call_id,
        "service_point": point or call.service_point,
        "reason": call.reason,
        "called_at": call.called_at,
        "outcome": call.outcome,
        "ended_at": call.ended_at,
        "answer_s": call.seconds_to_answer,
        "answered_by": call.answered_by,
        "test": int(case["test"]),
        "received_at": received_at,
    }


def write_calls(tx: Tx, rows: Iterable[dict[str, Any]]) -> None:
    """File call rows (inside the ingest's transaction; never commits). The end of a call
    overwrites "open", never the other way round, so late or repeated records change nothing.
    A batch holding both records of one call keeps the end (one statement may not touch a row
    twice on PostgreSQL)."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["terminal_id"], row["call_id"])
        if key not in latest or latest[key]["outcome"] == OPEN:
            latest[key] = row
    if not latest:
        return
    statement = tx.insert(staff_calls)
    ended = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["terminal_id", "call_id"],
        set_={
            "outcome": ended.outcome,
            "ended_at": ended.ended_at,
            "answer_s": ended.answer_s,
            "answered_by": ended.answered_by,
            "received_at": ended.received_at,
        },
        where=sa.and_(staff_calls.c.outcome == OPEN, ended.outcome != OPEN),
    )
    tx.execute(statement, list(latest.values()))


def backfill(tx: Tx) -> None:
    """Migration 0003: file the staff calls an older platform stored as an unknown kind."""
    points = dict(tx.execute(sa.select(terminals.c.terminal_id, terminals.c.service_point)).all())
    found = tx.execute(
        sa.select(cases.c.terminal_id, cases.c.envelope, cases.c.received_at)
        .where(cases.c.kind == STAFF_CALL_KIND)
        .order_by(cases.c.seq)
    ).all()
    rows = [
        call_row(terminal_id, json.loads(envelope), received_at, points.get(terminal_id) or "")
        for terminal_id, envelope, received_at in found
    ]
    write_calls(tx, [row for row in rows if row is not None])


def _count(outcome: str) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((staff_calls.c.outcome == outcome, 1), else_=0))


def per_service_point(db: PlatformDB, test: bool = False) -> list[dict[str, Any]]:
    """Calls per service point: how many are open, answered, cancelled and timed out, and the
    time to answer (average and longest, seconds)."""
    names = ("service_point", "open", "answered", "cancelled", "timed_out", "average_s", "max_s")
    query = sa.select(
        staff_calls.c.service_point,
        *(_count(outcome) for outcome in names[1:5]),
        sa.func.avg(staff_calls.c.answer_s),
        sa.func.max(staff_calls.c.answer_s),
    )
    if not test:
        query = query.where(staff_calls.c.test == 0)
    rows = db.rows(
        query.group_by(staff_calls.c.service_point).order_by(staff_calls.c.service_point)
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def calls(db: PlatformDB, *, open_only: bool, limit: int = 100) -> list[dict[str, Any]]:
    """Open calls (oldest first: who has waited longest), or the latest ended ones."""
    names = ("terminal_id", "call_id", "service_point", "reason", "called_at", "outcome",
             "ended_at", "answer_s", "answered_by", "test")  # fmt: skip
    query = sa.select(*(staff_calls.c[name] for name in names))
    if open_only:
        query = query.where(staff_calls.c.outcome == OPEN).order_by(staff_calls.c.called_at)
    else:
        query = query.where(staff_calls.c.outcome != OPEN).order_by(staff_calls.c.ended_at.desc())
    rows = db.rows(query.limit(limit))
    return [dict(zip(names, row, strict=True)) for row in rows]


def waiting_s(called_at: str, now: dt.datetime | None = None) -> float:
    """How long an open call has waited."""
    now = now or dt.datetime.now(dt.UTC)
    return (now - dt.datetime.fromisoformat(called_at)).total_seconds()
