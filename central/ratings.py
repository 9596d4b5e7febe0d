"""好差评 on the platform: ratings per service point, service and month, and the follow-ups
(回访) that poor ratings open, closed by staff with a note (audited).

Ratings are filed at ingest (`central.intake`); their month is the China-time month of
`rated_at`. Test ratings are left out unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from central import audit
from central.errors import CentralError
from central.intake import add_feed_entry, now_iso
from contract.decisions import MAX_NOTE_CHARS

if TYPE_CHECKING:
    from central.db import PlatformDB


class FollowupError(CentralError):
    """No open follow-up with this id, or a note that is missing or too long."""


@dataclass(frozen=True)
class Summary:
    month: str
    service_point: str
    service: str
    count: int
    average: float
    poor: int
    scores: dict[int, int]

    @property
    def satisfied_share(self) -> float:
        """Share rated 3 (基本满意) or better."""
        return (self.scores[3] + self.scores[4] + self.scores[5]) / self.count

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "service_point": self.service_point,
            "service": self.service,
            "count": self.count,
            "average": round(self.average, 3),
            "poor": self.poor,
            "scores": {str(k): v for k, v in self.scores.items()},
        }


def summary(db: PlatformDB, month: str | None = None, test: bool = False) -> list[Summary]:
    """Per month (newest first), service point and service."""
    rows = db.rows(
        "SELECT month, service_point, service, COUNT(*), AVG(score), "
        "SUM(score <= 2), SUM(score = 1), SUM(score = 2), SUM(score = 3), SUM(score = 4), "
        "SUM(score = 5) FROM ratings WHERE (? IS NULL OR month = ?) AND (? OR test = 0) "
        "GROUP BY month, service_point, service ORDER BY month DESC, service_point, service",
        [month, month, int(test)],
    )
    return [
        Summary(m, point, service, n, float(avg), int(poor), dict(enumerate(by_score, start=1)))
        for m, point, service, n, avg, poor, *by_score in rows
    ]


def open_followups(db: PlatformDB) -> list[dict[str, Any]]:
    names = ("id", "terminal_id", "opened_at", "service_point", "service", "score", "reason",
             "rated_at", "test")  # fmt: skip
    rows = db.rows(
        "SELECT f.id, f.terminal_id, f.opened_at, r.service_point, r.service, r.score, "
        "r.reason, r.rated_at, r.test FROM followups f JOIN ratings r ON "
        "r.terminal_id = f.terminal_id AND r.case_id = f.case_id WHERE f.closed_at IS NULL "
        "ORDER BY f.id"
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def closed_followups(db: PlatformDB, limit: int = 50) -> list[dict[str, Any]]:
    names = ("id", "closed_at", "closed_by", "note", "service_point", "score")
    rows = db.rows(
        "SELECT f.id, f.closed_at, f.closed_by, f.note, r.service_point, r.score FROM "
        "followups f JOIN ratings r ON r.terminal_id = f.terminal_id AND r.case_id = f.case_id "
        "WHERE f.closed_at IS NOT NULL ORDER BY f.closed_at DESC LIMIT ?",
        [limit],
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def close_followup(
    db: PlatformDB, followup_id: int, note: str, actor: str, address: str | None = None
) -> None:
    """Close an open follow-up with the staff member's note (audited; the rating shows
    again on the pull feed)."""
    note = note.strip()
    if not note or len(note) > MAX_NOTE_CHARS:
        raise FollowupError(f"a follow-up note is 1 to {MAX_NOTE_CHARS} characters")
    with db.transaction() as tx:
        row = tx.execute(
            "UPDATE followups SET closed_at = ?, closed_by = ?, note = ? WHERE id = ? "
            "AND closed_at IS NULL RETURNING terminal_id, case_id",
            [now_iso(), actor, note, followup_id],
        ).fetchone()
        if row is None:
            raise FollowupError("no open follow-up with this id")
        audit.write(tx, actor=actor, action="close_followup", terminal_id=row[0],
                    case_id=row[1], detail={"followup": followup_id}, address=address)  # fmt: skip
        add_feed_entry(tx, row[0], row[1], "followup_closed")
