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
from typing import TYPE_CHECKING, Any

import sqlite_utils

from contract.staff_calls import STAFF_CALL_KIND, StaffCallError, check_staff_call

if TYPE_CHECKING:
    from central.db import PlatformDB

# Migration 5 (central.schema): one row per call.
TABLE = """
        CREATE TABLE staff_calls (
            terminal_id TEXT NOT NULL,
            call_id TEXT NOT NULL,
            service_point TEXT NOT NULL,
            reason TEXT NOT NULL,
            called_at TEXT NOT NULL,
            outcome TEXT NOT NULL
                CHECK (outcome IN ('open', 'answered', 'cancelled', 'timed_out')),
            ended_at TEXT,
            answer_s REAL,
            answered_by TEXT,
            test INTEGER NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (terminal_id, call_id)
        );
        CREATE INDEX staff_calls_by_point ON staff_calls (service_point, outcome)
        """


def file_call(
    tx: sqlite_utils.Database, terminal_id: str, case: dict[str, Any], received_at: str
) -> None:
    """File a staff call record (inside the ingest's transaction; never commits)."""
    try:
        call = check_staff_call(case["payload"])
    except StaffCallError:  # stored before payloads were checked
        return
    row = tx.execute(
        "SELECT service_point FROM terminals WHERE terminal_id = ?", [terminal_id]
    ).fetchone()
    service_point = (row[0] if row else "") or call.service_point
    tx.execute(
        "INSERT INTO staff_calls (terminal_id, call_id, service_point, reason, called_at, "
        "outcome, ended_at, answer_s, answered_by, test, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (terminal_id, call_id) DO UPDATE SET outcome = excluded.outcome, "
        "ended_at = excluded.ended_at, answer_s = excluded.answer_s, "
        "answered_by = excluded.answered_by, received_at = excluded.received_at "
        "WHERE staff_calls.outcome = 'open' AND excluded.outcome <> 'open'",
        [
            terminal_id,
            call.call_id,
            service_point,
            call.reason,
            call.called_at,
            call.outcome,
            call.ended_at,
            call.seconds_to_answer,
            call.answered_by,
            int(case["test"]),
            received_at,
        ],
    )


def backfill(tx: sqlite_utils.Database) -> None:
    """Migration 5: file the staff calls an older platform stored as an unknown kind."""
    for terminal_id, envelope, received_at in tx.execute(
        "SELECT terminal_id, envelope, received_at FROM cases WHERE kind = ? ORDER BY seq",
        [STAFF_CALL_KIND],
    ).fetchall():
        file_call(tx, terminal_id, json.loads(envelope), received_at)


def per_service_point(db: PlatformDB, test: bool = False) -> list[dict[str, Any]]:
    """Calls per service point: how many are open, answered, cancelled and timed out, and the
    time to answer (average and longest, seconds)."""
    names = ("service_point", "open", "answered", "cancelled", "timed_out", "average_s", "max_s")
    rows = db.rows(
        "SELECT service_point, SUM(outcome = 'open'), SUM(outcome = 'answered'), "
        "SUM(outcome = 'cancelled'), SUM(outcome = 'timed_out'), AVG(answer_s), MAX(answer_s) "
        "FROM staff_calls WHERE (? OR test = 0) GROUP BY service_point ORDER BY service_point",
        [int(test)],
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def calls(db: PlatformDB, *, open_only: bool, limit: int = 100) -> list[dict[str, Any]]:
    """Open calls (oldest first: who has waited longest), or the latest ended ones."""
    names = ("terminal_id", "call_id", "service_point", "reason", "called_at", "outcome",
             "ended_at", "answer_s", "answered_by", "test")  # fmt: skip
    where, order = ("= 'open'", "called_at") if open_only else ("<> 'open'", "ended_at DESC")
    rows = db.rows(
        f"SELECT {', '.join(names)} FROM staff_calls WHERE outcome {where} "  # noqa: S608
        f"ORDER BY {order} LIMIT ?",
        [limit],
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def waiting_s(called_at: str, now: dt.datetime | None = None) -> float:
    """How long an open call has waited."""
    now = now or dt.datetime.now(dt.UTC)
    return (now - dt.datetime.fromisoformat(called_at)).total_seconds()
