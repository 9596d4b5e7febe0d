"""What the platform files when cases arrive, inside the ingest's transaction.

- Every case gets a feed entry (`received`): the pull feed's cursor, numbered at commit.
- A pension check is filed in `case_checks` with where it stands:
  `terminal_decided` (the terminal verified or refused it), `awaiting_match` (pending, live,
  with a face frame: the decide worker matches it, a `match` job), or `awaiting_review` with
  the reason a person must look (assisted, liveness not passed, no face frame, no ID number).
- A rating is filed in `ratings`; a poor one (1-2) opens a follow-up (回访).
- A staff call is filed in `staff_calls` (central.staff_calls), one row per call.

A batch is filed with a few multi-row statements (`Filing`), never committed here: the cases,
their filing and their work are stored together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from central import staff_calls
from central.payloads import PENSION_KIND, PensionCheck, pension_check
from central.store import Tx
from central.tables import (
    case_checks,
    cases,
    followups,
    jobs,
    ratings,
    reference_faces,
    reference_templates,
    terminals,
)
from contract.certificates import CHINA_TZ
from contract.ratings import RATING_KIND, RatingError, check_rating
from contract.staff_calls import STAFF_CALL_KIND

FACE = "face.jpg"

# Why a person must look at a pending check (the review queue's `reason`).
REVIEW_REASONS = (
    "assisted",  # staff helped the resident (帮办): a person confirms
    "liveness_not_passed",  # the live check did not pass
    "no_face",  # no face frame reached the platform
    "no_identity",  # the case names no ID number
    "no_reference",  # the platform holds no reference face for this ID number
    "reference_unusable",  # the reference photo holds no face, or several
    "face_unusable",  # no face found in the live frame
    "borderline",  # a little over the threshold
    "face_mismatch",  # clearly over the threshold
    "match_failed",  # the matcher failed on this case several times
)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def add_job(tx: Tx, kind: str, terminal_id: str, subject: str) -> None:
    """Work for the decide worker; the same work again (a new reference face) is reopened."""
    add_jobs(tx, [(kind, terminal_id, subject)])


def add_jobs(tx: Tx, work: list[tuple[str, str, str]]) -> None:
    if not work:
        return
    at, ts = now_iso(), time.time()
    statement = tx.insert(jobs)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "terminal_id", "subject"],
        set_={
            "done_at": None,
            "attempts": 0,
            "claimed_by": None,
            "claimed_until": None,
            "created_at": statement.excluded.created_at,
            "created_ts": statement.excluded.created_ts,
        },
    )
    tx.insert_many(  # one job per (kind, terminal, subject) in `work`: no key twice
        statement,
        [
            {"kind": k, "terminal_id": t, "subject": s, "created_at": at, "created_ts": ts}
            for k, t, s in work
        ],
    )


@dataclass
class Filing:
    """What a batch of new cases adds besides the cases: checks, jobs, ratings, follow-ups."""

    checks: list[dict[str, Any]] = field(default_factory=list)
    work: list[tuple[str, str, str]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def add(self, terminal_id: str, case: dict[str, Any], received_at: str, point: str) -> None:
        """File one case; `point` is the service point the platform knows the terminal at."""
        if case["kind"] == PENSION_KIND:
            self._check(terminal_id, case, received_at, point)
        elif case["kind"] == RATING_KIND:
            self._rating(terminal_id, case, received_at)
        elif case["kind"] == STAFF_CALL_KIND:
            row = staff_calls.call_row(terminal_id, case, received_at, point)
            if row is not None:
                self.calls.append(row)

    def write(self, tx: Tx) -> bool:
        """Store what was filed; True when the decide worker has new work."""
        if self.checks:
            tx.insert_many(tx.insert(case_checks).on_conflict_do_nothing(), self.checks)
        if self.ratings:
            tx.insert_many(tx.insert(ratings).on_conflict_do_nothing(), self.ratings)
        if self.followups:
            tx.insert_many(tx.insert(followups).on_conflict_do_nothing(), self.followups)
        staff_calls.write_calls(tx, self.calls)
        add_jobs(tx, self.work)
        return bool(self.work)

    def _check(self, terminal_id: str, case: dict[str, Any], received_at: str, point: str) -> None:
        try:
            check = pension_check(case["payload"])
        except ValidationError:  # stored before payloads were checked (a migrated case)
            return
        if check.outcome is None:  # not a check the platform can act on
            return
        id_number = check.resident.id_number if check.resident else None
        state, reason = _where_it_stands(check, case, id_number)
        self.checks.append(
            {
                "terminal_id": terminal_id,
                "case_id": case["case_id"],
                "id_number": id_number,
                "outcome": check.outcome,
                # the review queue is filtered by the service point the platform knows
                "service_point": point or check.service_point or "",
                "created_at": case["created_at"],
                "received_at": received_at,
                "test": int(case["test"]),
                "state": state,
                "review_reason": reason,
                "queued_at": received_at if state == "awaiting_review" else None,
            }
        )
        if state == "awaiting_match":
            self.work.append(("match", terminal_id, case["case_id"]))

    def _rating(self, terminal_id: str, case: dict[str, Any], received_at: str) -> None:
        try:
            rating = check_rating(case["payload"])
        except RatingError:  # stored before payloads were checked
            return
        rated = dt.datetime.fromisoformat(rating.rated_at).astimezone(CHINA_TZ)
        self.ratings.append(
            {
                "terminal_id": terminal_id,
                "case_id": case["case_id"],
                "service": rating.service,
                "service_point": rating.service_point,
                "score": rating.score,
                "reason": rating.reason,
                "rated_at": rating.rated_at,
                "month": f"{rated:%Y-%m}",
                "test": int(case["test"]),
            }
        )
        if rating.poor:
            self.followups.append(
                {"terminal_id": terminal_id, "case_id": case["case_id"], "opened_at": received_at}
            )


def _where_it_stands(
    check: PensionCheck, case: dict[str, Any], id_number: str | None
) -> tuple[str, str | None]:
    if check.outcome != "pending":
        return "terminal_decided", None
    if check.assisted_by:
        return "awaiting_review", "assisted"
    if check.liveness is None or not check.liveness.passed:
        return "awaiting_review", "liveness_not_passed"
    if FACE not in case["attachments"]:
        return "awaiting_review", "no_face"
    if not id_number:
        return "awaiting_review", "no_identity"
    return "awaiting_match", None


def terminal_service_point(tx: Tx, terminal_id: str) -> str:
    row = tx.execute(
        sa.select(terminals.c.service_point).where(terminals.c.terminal_id == terminal_id)
    ).first()
    return str(row[0] or "") if row else ""


def on_reference_face(tx: Tx, id_number: str) -> None:
    """A reference face was stored or replaced: its template is made again (the old one
    is dropped now, so neither a match nor a roster uses it meanwhile)."""
    tx.execute(sa.delete(reference_templates).where(reference_templates.c.id_number == id_number))
    add_job(tx, "template", "", id_number)


def face_digest(jpeg: bytes) -> str:
    return hashlib.sha256(jpeg).hexdigest()


def backfill(tx: Tx) -> None:
    """Schema 4 (a database of an earlier release): file the cases and reference faces
    stored before decisions existed. The tables written here are as schema 4 made them."""
    points: dict[str, str] = {}
    filing = Filing()
    found = tx.execute(
        sa.select(cases.c.terminal_id, cases.c.envelope, cases.c.received_at).order_by(cases.c.seq)
    ).all()
    for terminal_id, envelope, received_at in found:
        if terminal_id not in points:
            points[terminal_id] = terminal_service_point(tx, terminal_id)
        filing.add(terminal_id, json.loads(envelope), received_at, points[terminal_id])
    filing.write(tx)
    for (id_number,) in tx.execute(sa.select(reference_faces.c.id_number)).all():
        on_reference_face(tx, id_number)
