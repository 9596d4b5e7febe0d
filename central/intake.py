"""What the platform files when a case arrives, inside the ingest's transaction.

- Every case gets a feed entry (`received`): the pull feed's cursor.
- A pension check is filed in `case_checks` with where it stands:
  `terminal_decided` (the terminal verified or refused it), `awaiting_match` (pending, live,
  with a face frame: the decide worker matches it, a `match` job), or `awaiting_review` with
  the reason a person must look (assisted, liveness not passed, no face frame, no ID number).
- A rating is filed in `ratings`; a poor one (1-2) opens a follow-up (回访).
- A staff call is filed in `staff_calls` (central.staff_calls), one row per call.

The functions take the transaction's connection and never commit: the case, its filing and
its work are stored together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from typing import Any

import sqlite_utils
from pydantic import ValidationError

from central import staff_calls
from central.payloads import PENSION_KIND, PensionCheck, pension_check
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


def add_feed_entry(tx: sqlite_utils.Database, terminal_id: str, case_id: str, event: str) -> int:
    cursor = tx.execute(
        "INSERT INTO feed_entries (terminal_id, case_id, event, at) VALUES (?, ?, ?, ?)",
        [terminal_id, case_id, event, now_iso()],
    )
    return int(cursor.lastrowid or 0)


def add_job(tx: sqlite_utils.Database, kind: str, terminal_id: str, subject: str) -> None:
    """Work for the decide worker; the same work again (a new reference face) is reopened."""
    tx.execute(
        "INSERT INTO jobs (kind, terminal_id, subject, created_at, created_ts) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, terminal_id, subject) DO UPDATE SET "
        "done_at = NULL, attempts = 0, claimed_by = NULL, claimed_until = NULL, "
        "created_at = excluded.created_at, created_ts = excluded.created_ts",
        [kind, terminal_id, subject, now_iso(), time.time()],
    )


def on_case_stored(
    tx: sqlite_utils.Database, terminal_id: str, case: dict[str, Any], received_at: str
) -> bool:
    """File a newly stored case; True when the decide worker has new work."""
    case_id = case["case_id"]
    tx.execute(
        "INSERT INTO feed_entries (terminal_id, case_id, event, at) VALUES (?, ?, ?, ?)",
        [terminal_id, case_id, "received", received_at],
    )
    return file_case(tx, terminal_id, case, received_at)


def file_case(
    tx: sqlite_utils.Database, terminal_id: str, case: dict[str, Any], received_at: str
) -> bool:
    if case["kind"] == PENSION_KIND:
        return _file_check(tx, terminal_id, case, received_at)
    if case["kind"] == RATING_KIND:
        _file_rating(tx, terminal_id, case, received_at)
    if case["kind"] == STAFF_CALL_KIND:
        staff_calls.file_call(tx, terminal_id, case, received_at)
    return False


def _file_check(
    tx: sqlite_utils.Database, terminal_id: str, case: dict[str, Any], received_at: str
) -> bool:
    try:
        check = pension_check(case["payload"])
    except ValidationError:  # stored before payloads were checked (a migrated case)
        return False
    if check.outcome is None:  # not a check the platform can act on
        return False
    id_number = check.resident.id_number if check.resident else None
    state, reason = _where_it_stands(check, case, id_number)
    # The review queue is filtered by the service point the platform knows the terminal at.
    row = tx.execute(
        "SELECT service_point FROM terminals WHERE terminal_id = ?", [terminal_id]
    ).fetchone()
    service_point = (row[0] if row else "") or check.service_point or ""
    tx.execute(
        "INSERT OR IGNORE INTO case_checks (terminal_id, case_id, id_number, outcome, "
        "service_point, created_at, received_at, test, state, review_reason, queued_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            terminal_id,
            case["case_id"],
            id_number,
            check.outcome,
            service_point,
            case["created_at"],
            received_at,
            int(case["test"]),
            state,
            reason,
            received_at if state == "awaiting_review" else None,
        ],
    )
    if state == "awaiting_match":
        add_job(tx, "match", terminal_id, case["case_id"])
        return True
    return False


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


def _file_rating(
    tx: sqlite_utils.Database, terminal_id: str, case: dict[str, Any], received_at: str
) -> None:
    try:
        rating = check_rating(case["payload"])
    except RatingError:  # stored before payloads were checked
        return
    rated = dt.datetime.fromisoformat(rating.rated_at).astimezone(CHINA_TZ)
    tx.execute(
        "INSERT OR IGNORE INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            terminal_id,
            case["case_id"],
            rating.service,
            rating.service_point,
            rating.score,
            rating.reason,
            rating.rated_at,
            f"{rated:%Y-%m}",
            int(case["test"]),
        ],
    )
    if rating.poor:
        tx.execute(
            "INSERT OR IGNORE INTO followups (terminal_id, case_id, opened_at) VALUES (?, ?, ?)",
            [terminal_id, case["case_id"], received_at],
        )


def on_reference_face(tx: sqlite_utils.Database, id_number: str) -> None:
    """A reference face was stored or replaced: its template is made again (the old one
    is dropped now, so neither a match nor a roster uses it meanwhile)."""
    tx.execute("DELETE FROM reference_templates WHERE id_number = ?", [id_number])
    add_job(tx, "template", "", id_number)


def face_digest(jpeg: bytes) -> str:
    return hashlib.sha256(jpeg).hexdigest()


def backfill(tx: sqlite_utils.Database) -> None:
    """Migration 4: file the cases and reference faces stored before decisions existed."""
    for terminal_id, envelope, received_at in tx.execute(
        "SELECT terminal_id, envelope, received_at FROM cases ORDER BY seq"
    ).fetchall():
        file_case(tx, terminal_id, json.loads(envelope), received_at)
    for (id_number,) in tx.execute("SELECT id_number FROM reference_faces").fetchall():
        on_reference_face(tx, id_number)
