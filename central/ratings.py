"""好差评 on the platform: ratings per service point, service and month, and the follow-ups
(回访) that poor ratings open, closed by staff with a note (audited).

Ratings are filed at ingest (`central.intake`); their month is the China-time month of
`rated_at`. Test ratings are left out unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from central import audit
from central.errors import CentralError
from central.intake import now_iso
from central.tables import followups, ratings
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

    def count_of(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    score = ratings.c.score
    query = sa.select(
        ratings.c.month,
        ratings.c.service_point,
        ratings.c.service,
        sa.func.count(),
        sa.func.avg(score),
        count_of(score <= 2),
        *(count_of(score == n) for n in range(1, 6)),
    )
    if month is not None:
        query = query.where(ratings.c.month == month)
    if not test:
        query = query.where(ratings.c.test == 0)
    groups = (ratings.c.month, ratings.c.service_point, ratings.c.service)
    rows = db.rows(
        query.group_by(*groups).order_by(
            ratings.c.month.desc(), ratings.c.service_point, ratings.c.service
        )
    )
    return [
        Summary(m, point, service, n, float(avg), int(poor), dict(enumerate(by_score, start=1)))
        for m, point, service, n, avg, poor, *by_score in rows
    ]


def open_followups(db: PlatformDB) -> list[dict[str, Any]]:
    names = ("id", "terminal_id", "opened_at", "service_point", "service", "score", "reason",
             "rated_at", "test")  # fmt: skip
    rows = db.rows(
        sa.select(
            followups.c.id,
            followups.c.terminal_id,
            followups.c.opened_at,
            ratings.c.service_point,
            ratings.c.service,
            ratings.c.score,
            ratings.c.reason,
            ratings.c.rated_at,
            ratings.c.test,
        )
        .join(ratings, _rating_of_followup())
        .where(followups.c.closed_at.is_(None))
        .order_by(followups.c.id)
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def closed_followups(db: PlatformDB, limit: int = 50) -> list[dict[str, Any]]:
    names = ("id", "closed_at", "closed_by", "note", "service_point", "score")
    rows = db.rows(
        sa.select(
            followups.c.id,
            followups.c.closed_at,
            followups.c.closed_by,
            followups.c.note,
            ratings.c.service_point,
            ratings.c.score,
        )
        .join(ratings, _rating_of_followup())
        .where(followups.c.closed_at.is_not(None))
        .order_by(followups.c.closed_at.desc())
        .limit(limit)
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def _rating_of_followup() -> sa.ColumnElement[bool]:
    return sa.and_(
        ratings.c.terminal_id == followups.c.terminal_id, ratings.c.case_id == followups.c.case_id
    )


def close_followup(
    db: PlatformDB, followup_id: int, note: str, actor: str, address: str | None = None
) -> None:
    """Close an open follow-up with the staff member's note (audited; the rating shows
    again on the pull feed)."""
    note = note.strip()
    if not note or len(note) > MAX_NOTE_CHARS:
        raise FollowupError(f"a follow-up note is 1 to {MAX_NOTE_CHARS} characters")
    with db.transaction() as tx:
        closed_at = now_iso()
        row = tx.execute(
            sa.update(followups)
            .where(followups.c.id == followup_id, followups.c.closed_at.is_(None))
            .values(closed_at=closed_at, closed_by=actor, note=note)
            .returning(followups.c.terminal_id, followups.c.case_id)
        ).first()
        if row is None:
            raise FollowupError("no open follow-up with this id")
        audit.write(tx, actor=actor, action="close_followup", terminal_id=row[0],
                    case_id=row[1], detail={"followup": followup_id}, address=address)  # fmt: skip
        tx.feed_entry(row[0], row[1], "followup_closed", closed_at)
