"""Deciding a pending check, once, and finding what awaits a decision.

A decision is final: `decisions` has one row per case (UNIQUE) and triggers refuse UPDATE and
DELETE. It is taken with a conditional UPDATE of the case's state inside the transaction that
inserts it, so two reviewers (or a reviewer and the matcher, or two worker processes) cannot
both decide one case: the second waits for the first's row lock (PostgreSQL), then finds the
case no longer awaiting and is told so (`NotAwaiting`). The same transaction signs the
decision (the document the terminal pulls is stored as sent), writes the audit entry, and adds
the feed entry that shows the case again; the decision's row is written at commit with that
entry's number as its `seq`, so a terminal following `GET /api/v1/decisions?after=` gets its
decisions in commit order too (`central.store`), never skipping one.

Two reviewers working the queue get different checks: the next one is claimed with
`FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite's write lock serialises the claim).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from central import audit
from central.errors import CentralError
from central.store import Tx
from central.tables import case_checks, decisions
from contract.decisions import DecidedBy, Decision, Reason, Verdict, sign_decision

if TYPE_CHECKING:
    from central.db import PlatformDB

AWAITING_MATCH = "awaiting_match"
AWAITING_REVIEW = "awaiting_review"
DECIDED = "decided"


class NotAwaiting(CentralError):
    """The case is not awaiting this decision (decided already, or not a pending check)."""


class UnknownCase(CentralError):
    """No pension check with this id (on this terminal)."""


@dataclass(frozen=True)
class Awaiting:
    """A check in the review queue."""

    terminal_id: str
    case_id: str
    received_at: str
    reason: str
    service_point: str
    created_at: str
    test: bool
    distance: float | None
    threshold: float | None

    def listed(self) -> dict[str, Any]:
        """`kiosk-central review list --json`'s fields."""
        return {
            "case_id": self.case_id,
            "terminal_id": self.terminal_id,
            "received_at": self.received_at,
            "reason": self.reason,
        }


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def decide(
    db: PlatformDB,
    *,
    terminal_id: str,
    case_id: str,
    verdict: Verdict,
    reason: Reason,
    decided_by: DecidedBy,
    awaiting: str,
    actor: str,
    reviewer: str | None = None,
    distance: float | None = None,
    threshold: float | None = None,
    note: str = "",
    address: str | None = None,
) -> Decision:
    """Decide a case that is in state `awaiting`; NotAwaiting when it no longer is."""
    with db.transaction() as tx:
        row = tx.execute(
            sa.select(case_checks.c.test).where(_the_check(terminal_id, case_id))
        ).first()
        if row is None:
            raise UnknownCase("no pending check with this id")
        decision = Decision(
            case_id=case_id,
            terminal_id=terminal_id,
            verdict=verdict,
            reason=reason,
            decided_at=utc_now(),
            decided_by=decided_by,
            distance=None if distance is None else round(float(distance), 4),
            threshold=None if threshold is None else float(threshold),
            test=bool(row[0]),
        )
        taken = tx.execute(
            sa.update(case_checks)
            .where(_the_check(terminal_id, case_id), case_checks.c.state == awaiting)
            .values(state=DECIDED)
        ).rowcount
        if taken != 1:
            raise NotAwaiting("this case is not awaiting a decision (decided already?)")
        document = sign_decision(db.receipt_key, decision)
        row_values = {
            "terminal_id": terminal_id,
            "case_id": case_id,
            "verdict": str(verdict),
            "reason": str(reason),
            "decided_by": str(decided_by),
            "reviewer": reviewer,
            "decided_at": decision.decided_at,
            "distance": decision.distance,
            "threshold": decision.threshold,
            "test": int(decision.test),
            "note": note,
            "document": json.dumps(document, ensure_ascii=False),
        }
        audit.write(
            tx,
            actor=actor,
            action="decide",
            terminal_id=terminal_id,
            case_id=case_id,
            detail={
                "verdict": str(verdict),
                "reason": str(reason),
                "decided_by": str(decided_by),
                "distance": decision.distance,
                "threshold": decision.threshold,
                "noted": bool(note),
            },
            address=address,
        )
        tx.feed_entry(
            terminal_id, case_id, "decided", decision.decided_at,
            then=lambda seq: _store_decision(tx, seq, row_values),
        )  # fmt: skip
    return decision


def _the_check(terminal_id: str, case_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(case_checks.c.terminal_id == terminal_id, case_checks.c.case_id == case_id)


def _store_decision(tx: Tx, seq: int, values: dict[str, Any]) -> None:
    """The decision's row, numbered with its feed entry (at commit)."""
    tx.execute(sa.insert(decisions).values(seq=seq, **values))


def send_to_review(
    db: PlatformDB,
    terminal_id: str,
    case_id: str,
    reason: str,
    distance: float | None = None,
    threshold: float | None = None,
) -> bool:
    """The matcher could not decide: the case joins the review queue (False: not awaiting)."""
    with db.transaction() as tx:
        changed = tx.execute(
            sa.update(case_checks)
            .where(_the_check(terminal_id, case_id), case_checks.c.state == AWAITING_MATCH)
            .values(
                state=AWAITING_REVIEW,
                review_reason=reason,
                queued_at=utc_now(),
                match_distance=distance,
                match_threshold=threshold,
            )
        ).rowcount
    return bool(changed == 1)


_AWAITING_COLUMNS = (
    case_checks.c.terminal_id,
    case_checks.c.case_id,
    case_checks.c.received_at,
    case_checks.c.review_reason,
    case_checks.c.service_point,
    case_checks.c.created_at,
    case_checks.c.test,
    case_checks.c.match_distance,
    case_checks.c.match_threshold,
)


def _queue_filters(
    service_point: str | None, terminal_id: str | None, day: str | None
) -> list[sa.ColumnElement[bool]]:
    """The review queue's filters; `day` (YYYY-MM-DD, UTC) is the day of arrival."""
    where = [case_checks.c.state == AWAITING_REVIEW]
    if service_point is not None:
        where.append(case_checks.c.service_point == service_point)
    if terminal_id is not None:
        where.append(case_checks.c.terminal_id == terminal_id)
    if day is not None:
        where.append(sa.func.substr(case_checks.c.received_at, 1, 10) == day)
    return where


OLDEST_FIRST = (case_checks.c.received_at, case_checks.c.case_id)


def review_queue(
    db: PlatformDB,
    *,
    service_point: str | None = None,
    terminal_id: str | None = None,
    day: str | None = None,
    limit: int = 500,
) -> list[Awaiting]:
    """Checks awaiting review, oldest first; `day` (YYYY-MM-DD, UTC) filters by arrival."""
    rows = db.rows(
        sa.select(*_AWAITING_COLUMNS)
        .where(*_queue_filters(service_point, terminal_id, day))
        .order_by(*OLDEST_FIRST)
        .limit(limit)
    )
    return [_awaiting(row) for row in rows]


def awaiting_review(db: PlatformDB, terminal_id: str, case_id: str) -> Awaiting | None:
    rows = db.rows(
        sa.select(*_AWAITING_COLUMNS).where(
            case_checks.c.state == AWAITING_REVIEW, _the_check(terminal_id, case_id)
        )
    )
    return _awaiting(rows[0]) if rows else None


def _awaiting(row: tuple[Any, ...]) -> Awaiting:
    terminal_id, case_id, received_at, reason, point, created_at, test, distance, threshold = row
    return Awaiting(
        terminal_id, case_id, received_at, reason or "", point, created_at, bool(test),
        distance, threshold,
    )  # fmt: skip


def queue_filters(db: PlatformDB) -> tuple[list[str], list[str]]:
    """The service points and terminals that have checks awaiting review (for the filters)."""
    awaiting = case_checks.c.state == AWAITING_REVIEW
    points = db.rows(
        sa.select(case_checks.c.service_point)
        .where(awaiting)
        .distinct()
        .order_by(case_checks.c.service_point)
    )
    terminals = db.rows(
        sa.select(case_checks.c.terminal_id)
        .where(awaiting)
        .distinct()
        .order_by(case_checks.c.terminal_id)
    )
    return [r[0] for r in points], [r[0] for r in terminals]


def terminals_of_case(db: PlatformDB, case_id: str) -> list[str]:
    """The terminals that sent a pension check under `case_id` (two only by accident)."""
    rows = db.rows(
        sa.select(case_checks.c.terminal_id)
        .where(case_checks.c.case_id == case_id)
        .order_by(case_checks.c.terminal_id)
    )
    return [r[0] for r in rows]


def decisions_for(
    db: PlatformDB, terminal_id: str, after: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """The signed decisions on `terminal_id`'s cases after the cursor, oldest first."""
    rows = db.rows(
        sa.select(decisions.c.seq, decisions.c.document)
        .where(decisions.c.terminal_id == terminal_id, decisions.c.seq > after)
        .order_by(decisions.c.seq)
        .limit(limit)
    )
    items = [{"cursor": str(seq), "document": json.loads(doc)} for seq, doc in rows]
    return items, (rows[-1][0] if rows else None)


def counts(db: PlatformDB) -> dict[str, int]:
    """How many checks stand where (the staff site's heading)."""
    return {
        state: n
        for state, n in db.rows(
            sa.select(case_checks.c.state, sa.func.count()).group_by(case_checks.c.state)
        )
    }


def claim_for_review(
    db: PlatformDB,
    reviewer: str,
    *,
    service_point: str | None = None,
    terminal_id: str | None = None,
    day: str | None = None,
    skip: str | None = None,
    hold_s: float = 300.0,
) -> tuple[str, str] | None:
    """The oldest check awaiting review that no other reviewer has open, now held by
    `reviewer` for `hold_s` (two reviewers working the queue get different cases)."""
    now = time.time()
    where = _queue_filters(service_point, terminal_id, day)
    where.append(
        sa.or_(
            case_checks.c.claimed_until.is_(None),
            case_checks.c.claimed_until < now,
            case_checks.c.claimed_by == reviewer,
        )
    )
    if skip is not None:
        where.append(case_checks.c.case_id != skip)
    with db.transaction() as tx:
        row = tx.execute(
            sa.select(case_checks.c.terminal_id, case_checks.c.case_id)
            .where(*where)
            .order_by(*OLDEST_FIRST)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        tx.execute(
            sa.update(case_checks)
            .where(_the_check(row[0], row[1]))
            .values(claimed_by=reviewer, claimed_until=now + hold_s)
        )
    return str(row[0]), str(row[1])


def recent_decisions(db: PlatformDB, reviewer: str, limit: int = 10) -> list[dict[str, Any]]:
    names = ("terminal_id", "case_id", "verdict", "reason", "decided_at", "note")
    rows = db.rows(
        sa.select(*(decisions.c[name] for name in names))
        .where(decisions.c.reviewer == reviewer)
        .order_by(decisions.c.seq.desc())
        .limit(limit)
    )
    return [dict(zip(names, row, strict=True)) for row in rows]
