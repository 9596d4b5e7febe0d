"""Deciding a pending check, once, and finding what awaits a decision.

A decision is final: `decisions` has one row per case (UNIQUE) and triggers refuse UPDATE and
DELETE. It is taken with a conditional UPDATE of the case's state inside the transaction that
inserts it, so two reviewers (or a reviewer and the matcher, or two worker processes) cannot
both decide one case: the second finds the case no longer awaiting and is told so
(`NotAwaiting`). The same transaction signs the decision (the document the terminal pulls is
stored as sent), adds the feed entry that shows the case again, and writes the audit entry.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from central import audit
from central.errors import CentralError
from central.intake import add_feed_entry
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
            "SELECT test FROM case_checks WHERE terminal_id = ? AND case_id = ?",
            [terminal_id, case_id],
        ).fetchone()
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
            "UPDATE case_checks SET state = ? WHERE terminal_id = ? AND case_id = ? AND state = ?",
            [DECIDED, terminal_id, case_id, awaiting],
        ).rowcount
        if taken != 1:
            raise NotAwaiting("this case is not awaiting a decision (decided already?)")
        document = sign_decision(db.receipt_key, decision)
        tx.execute(
            "INSERT INTO decisions (terminal_id, case_id, verdict, reason, decided_by, "
            "reviewer, decided_at, distance, threshold, test, note, document) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                terminal_id,
                case_id,
                str(verdict),
                str(reason),
                str(decided_by),
                reviewer,
                decision.decided_at,
                decision.distance,
                decision.threshold,
                int(decision.test),
                note,
                json.dumps(document, ensure_ascii=False),
            ],
        )
        add_feed_entry(tx, terminal_id, case_id, "decided")
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
    return decision


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
        return (
            tx.execute(
                "UPDATE case_checks SET state = ?, review_reason = ?, queued_at = ?, "
                "match_distance = ?, match_threshold = ? WHERE terminal_id = ? AND case_id = ? "
                "AND state = ?",
                [
                    AWAITING_REVIEW,
                    reason,
                    utc_now(),
                    distance,
                    threshold,
                    terminal_id,
                    case_id,
                    AWAITING_MATCH,
                ],
            ).rowcount
            == 1
        )


_AWAITING_COLUMNS = (
    "terminal_id, case_id, received_at, review_reason, service_point, created_at, test, "
    "match_distance, match_threshold"
)


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
        f"SELECT {_AWAITING_COLUMNS} FROM case_checks WHERE state = ? "  # noqa: S608 (constant columns)
        "AND (? IS NULL OR service_point = ?) AND (? IS NULL OR terminal_id = ?) "
        "AND (? IS NULL OR substr(received_at, 1, 10) = ?) "
        "ORDER BY received_at, case_id LIMIT ?",
        [AWAITING_REVIEW, service_point, service_point, terminal_id, terminal_id, day, day, limit],
    )
    return [_awaiting(row) for row in rows]


def awaiting_review(db: PlatformDB, terminal_id: str, case_id: str) -> Awaiting | None:
    rows = db.rows(
        f"SELECT {_AWAITING_COLUMNS} FROM case_checks WHERE state = ? AND terminal_id = ? "  # noqa: S608 (constant columns)
        "AND case_id = ?",
        [AWAITING_REVIEW, terminal_id, case_id],
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
    points = db.rows(
        "SELECT DISTINCT service_point FROM case_checks WHERE state = ? ORDER BY 1",
        [AWAITING_REVIEW],
    )
    terminals = db.rows(
        "SELECT DISTINCT terminal_id FROM case_checks WHERE state = ? ORDER BY 1",
        [AWAITING_REVIEW],
    )
    return [r[0] for r in points], [r[0] for r in terminals]


def terminals_of_case(db: PlatformDB, case_id: str) -> list[str]:
    """The terminals that sent a pension check under `case_id` (two only by accident)."""
    rows = db.rows(
        "SELECT terminal_id FROM case_checks WHERE case_id = ? ORDER BY terminal_id", [case_id]
    )
    return [r[0] for r in rows]


def decisions_for(
    db: PlatformDB, terminal_id: str, after: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """The signed decisions on `terminal_id`'s cases after the cursor, oldest first."""
    rows = db.rows(
        "SELECT seq, document FROM decisions WHERE terminal_id = ? AND seq > ? ORDER BY seq "
        "LIMIT ?",
        [terminal_id, after, limit],
    )
    items = [{"cursor": str(seq), "document": json.loads(doc)} for seq, doc in rows]
    return items, (rows[-1][0] if rows else None)


def counts(db: PlatformDB) -> dict[str, int]:
    """How many checks stand where (the staff site's heading)."""
    return {state: n for state, n in db.rows("SELECT state, COUNT(*) FROM case_checks GROUP BY 1")}


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
    with db.transaction() as tx:
        row = tx.execute(
            "UPDATE case_checks SET claimed_by = ?, claimed_until = ? WHERE rowid = ("
            "SELECT rowid FROM case_checks WHERE state = ? "
            "AND (claimed_until IS NULL OR claimed_until < ? OR claimed_by = ?) "
            "AND (? IS NULL OR service_point = ?) AND (? IS NULL OR terminal_id = ?) "
            "AND (? IS NULL OR substr(received_at, 1, 10) = ?) AND (? IS NULL OR case_id != ?) "
            "ORDER BY received_at, case_id LIMIT 1) RETURNING terminal_id, case_id",
            [
                reviewer, now + hold_s, AWAITING_REVIEW, now, reviewer,
                service_point, service_point, terminal_id, terminal_id, day, day, skip, skip,
            ],
        ).fetchone()  # fmt: skip
    return None if row is None else (str(row[0]), str(row[1]))


def recent_decisions(db: PlatformDB, reviewer: str, limit: int = 10) -> list[dict[str, Any]]:
    names = ("terminal_id", "case_id", "verdict", "reason", "decided_at", "note")
    rows = db.rows(
        "SELECT terminal_id, case_id, verdict, reason, decided_at, note FROM decisions "
        "WHERE reviewer = ? ORDER BY seq DESC LIMIT ?",
        [reviewer, limit],
    )
    return [dict(zip(names, row, strict=True)) for row in rows]
