"""The decide worker: matches pending checks against the platform's reference faces, off the
request path, and makes the templates that matching and rosters use.

Work is rows of `jobs` (added in the transaction that stored the case or the reference face).
A worker claims the oldest open job (`FOR UPDATE SKIP LOCKED` on PostgreSQL: workers in other
processes skip the row it is claiming rather than wait for it or take it too) and sets a
lease; a job whose lease ran out (its worker was killed) is claimed again. Any number of
workers, threads in `kiosk-central serve` or `kiosk-central decide` processes, may run
against one database: the decision itself is taken with a conditional UPDATE
(`central.decision_store`), so a case is decided once even if two workers matched it.

A match at or under the frozen threshold (`contract.face_templates.MATCH_THRESHOLD`, the
terminal's) decides the check `verified` (face_match). Anything else goes to review: no
reference face, an unusable reference or live frame, a borderline distance (up to
`BORDERLINE_MARGIN` over the threshold) or a clear mismatch; the distance is kept for the
reviewer.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa

from central import decision_store
from central.intake import face_digest, now_iso
from central.store import chunks
from central.tables import case_attachments, case_checks, jobs, reference_faces, reference_templates
from contract.decisions import DecidedBy, Reason, Verdict
from contract.face_templates import (
    MATCH_THRESHOLD,
    Embedding,
    FaceEngine,
    FaceTemplateError,
    checked_template,
    decode_image,
    live_template,
    reference_template,
    same_person,
)

if TYPE_CHECKING:
    from central.db import PlatformDB

log = logging.getLogger(__name__)

BORDERLINE_MARGIN = 0.06
LEASE_S = 120.0
MAX_ATTEMPTS = 3
FACE = "face.jpg"


@dataclass(frozen=True)
class Job:
    job_id: int
    kind: str  # match | template
    terminal_id: str
    subject: str  # the case id (match) or the ID number (template)
    attempts: int


@dataclass
class Tally:
    verified: int = 0
    to_review: int = 0
    templates: int = 0
    failed: int = 0
    outcomes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "verified": self.verified,
            "to_review": self.to_review,
            "templates": self.templates,
            "failed": self.failed,
        }


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim(db: PlatformDB, worker: str, lease_s: float = LEASE_S) -> Job | None:
    """The oldest open job no live worker holds, now held by `worker` for `lease_s`."""
    now = time.time()
    with db.transaction() as tx:
        row = tx.execute(
            sa.select(
                jobs.c.job_id, jobs.c.kind, jobs.c.terminal_id, jobs.c.subject, jobs.c.attempts
            )
            .where(
                jobs.c.done_at.is_(None),
                sa.or_(jobs.c.claimed_until.is_(None), jobs.c.claimed_until < now),
            )
            .order_by(jobs.c.job_id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        tx.execute(
            sa.update(jobs)
            .where(jobs.c.job_id == row[0])
            .values(claimed_by=worker, claimed_until=now + lease_s, attempts=row[4] + 1)
        )
    return Job(row[0], row[1], row[2], row[3], row[4] + 1)


def finish(db: PlatformDB, job: Job, worker: str) -> None:
    with db.transaction() as tx:
        tx.execute(
            sa.update(jobs)
            .where(jobs.c.job_id == job.job_id, jobs.c.claimed_by == worker)
            .values(done_at=now_iso(), claimed_until=None)
        )


class Matcher:
    """Runs jobs with one face engine (loaded on first use, ~1.5 s)."""

    def __init__(self, db: PlatformDB, engine_loader: Callable[[], FaceEngine] = FaceEngine.load):
        self.db = db
        self._engine_loader = engine_loader
        self._engine: FaceEngine | None = None

    @property
    def engine(self) -> FaceEngine:
        if self._engine is None:
            self._engine = self._engine_loader()
        return self._engine

    def run(self, job: Job, tally: Tally) -> None:
        if job.kind == "template":
            self.template_for(job.subject)
            tally.templates += 1
        elif job.kind == "match":
            outcome = self.match(job.terminal_id, job.subject)
            tally.outcomes.append(outcome)
            if outcome == "verified":
                tally.verified += 1
            elif outcome != "skipped":
                tally.to_review += 1

    # --- templates ---------------------------------------------------------------------------

    def template_for(self, id_number: str) -> tuple[Embedding | None, str]:
        """(template, "") of the reference face for `id_number`, made once per photo and
        kept; (None, why) when there is no usable reference."""
        rows = self.db.rows(
            sa.select(reference_faces.c.jpeg).where(reference_faces.c.id_number == id_number)
        )
        if not rows:
            return None, "no_reference"
        jpeg = bytes(rows[0][0])
        digest = face_digest(jpeg)
        kept = self.db.rows(
            sa.select(reference_templates.c.template, reference_templates.c.problem).where(
                reference_templates.c.id_number == id_number,
                reference_templates.c.face_sha256 == digest,
            )
        )
        if kept:
            template, problem = kept[0]
            return (
                (None, problem)
                if template is None
                else (checked_template(json.loads(template)), "")
            )
        try:
            made: Embedding | None = reference_template(self.engine, decode_image(jpeg))
            problem = ""
        except FaceTemplateError as exc:
            log.info("reference face unusable: %s", type(exc).__name__)
            made, problem = None, "reference_unusable"
        with self.db.transaction() as tx:
            statement = tx.insert(reference_templates).values(
                id_number=id_number,
                face_sha256=digest,
                template=None if made is None else json.dumps([float(v) for v in made]),
                problem=problem,
                computed_at=now_iso(),
            )
            tx.execute(
                statement.on_conflict_do_update(
                    index_elements=["id_number"],
                    set_={
                        name: statement.excluded[name]
                        for name in ("face_sha256", "template", "problem", "computed_at")
                    },
                )
            )
        return made, problem

    # --- matching ----------------------------------------------------------------------------

    def match(self, terminal_id: str, case_id: str) -> str:
        """Decide one pending check, or send it to review; returns what happened."""
        found = self._pending_case(terminal_id, case_id)
        if found is None:
            return "skipped"  # decided meanwhile, or not a pending check any more
        id_number, face = found
        reference, problem = self.template_for(id_number)
        if reference is None:
            return self._to_review(terminal_id, case_id, problem)
        try:
            live = live_template(self.engine, decode_image(face))
        except FaceTemplateError:
            return self._to_review(terminal_id, case_id, "face_unusable")
        distance = round(self.engine.distance(reference, live), 4)
        if same_person(distance, MATCH_THRESHOLD):
            try:
                decision_store.decide(
                    self.db,
                    terminal_id=terminal_id,
                    case_id=case_id,
                    verdict=Verdict.VERIFIED,
                    reason=Reason.FACE_MATCH,
                    decided_by=DecidedBy.AUTO,
                    awaiting=decision_store.AWAITING_MATCH,
                    actor="auto",
                    distance=distance,
                    threshold=MATCH_THRESHOLD,
                )
            except decision_store.NotAwaiting:
                return "skipped"
            return "verified"
        why = "borderline" if distance <= MATCH_THRESHOLD + BORDERLINE_MARGIN else "face_mismatch"
        return self._to_review(terminal_id, case_id, why, distance)

    def _pending_case(self, terminal_id: str, case_id: str) -> tuple[str, bytes] | None:
        rows = self.db.rows(
            sa.select(case_checks.c.id_number, case_attachments.c.sha256)
            .select_from(case_checks)
            .outerjoin(
                case_attachments,
                sa.and_(
                    case_attachments.c.terminal_id == case_checks.c.terminal_id,
                    case_attachments.c.case_id == case_checks.c.case_id,
                    case_attachments.c.name == FACE,
                ),
            )
            .where(
                case_checks.c.terminal_id == terminal_id,
                case_checks.c.case_id == case_id,
                case_checks.c.state == decision_store.AWAITING_MATCH,
            )
        )
        if not rows:
            return None
        id_number, sha256 = rows[0]
        face = None if sha256 is None else self.db.attachment(terminal_id, case_id, FACE)
        if face is None or not id_number:  # filed as awaiting match only with both
            self._to_review(terminal_id, case_id, "no_face" if face is None else "no_identity")
            return None
        return str(id_number), face

    def _to_review(
        self, terminal_id: str, case_id: str, reason: str, distance: float | None = None
    ) -> str:
        threshold = None if distance is None else MATCH_THRESHOLD
        decision_store.send_to_review(self.db, terminal_id, case_id, reason, distance, threshold)
        return reason

    def give_up(self, job: Job) -> None:
        """A job that failed MAX_ATTEMPTS times: a case goes to a person."""
        if job.kind == "match":
            self._to_review(job.terminal_id, job.subject, "match_failed")


def run_jobs(matcher: Matcher, worker: str, *, limit: int | None = None) -> Tally:
    """Claim and run jobs until none is open (or `limit` ran)."""
    tally = Tally()
    ran = 0
    while limit is None or ran < limit:
        job = claim(matcher.db, worker)
        if job is None:
            break
        ran += 1
        try:
            matcher.run(job, tally)
        except Exception:  # a bad case must not stop the worker; its lease runs out
            log.exception("decide job %d (%s) failed", job.job_id, job.kind)
            tally.failed += 1
            if job.attempts < MAX_ATTEMPTS:
                continue
            matcher.give_up(job)
        finish(matcher.db, job, worker)
    return tally


class DecideWorker:
    """A thread in `kiosk-central serve` that runs jobs as they come.

    It wakes when this process stores work (`PlatformDB.work_added`) and every `poll_s`
    seconds for work other processes stored.
    """

    def __init__(
        self,
        db: PlatformDB,
        *,
        engine_loader: Callable[[], FaceEngine] = FaceEngine.load,
        poll_s: float = 1.0,
    ) -> None:
        self.matcher = Matcher(db, engine_loader)
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="kiosk-central-decide", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        self.matcher.db.work_added.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            self._thread = None

    def _loop(self) -> None:
        worker = worker_name()
        woken = self.matcher.db.work_added
        while not self._stop.is_set():
            woken.clear()
            try:
                run_jobs(self.matcher, worker)
            except Exception:  # the database is busy or gone for a moment: try again later
                log.exception("decide worker: cannot run jobs now")
            woken.wait(self.poll_s)


def template_rows(db: PlatformDB, id_numbers: list[str]) -> dict[str, tuple[str, Any]]:
    """{ID number: (face sha256, template)} of the usable templates kept for `id_numbers`."""
    out: dict[str, tuple[str, Any]] = {}
    for chunk in chunks(id_numbers):
        for id_number, digest, template in db.rows(
            sa.select(
                reference_templates.c.id_number,
                reference_templates.c.face_sha256,
                reference_templates.c.template,
            )
            .join(reference_faces, reference_faces.c.id_number == reference_templates.c.id_number)
            .where(
                reference_templates.c.id_number.in_(chunk),
                reference_templates.c.template.is_not(None),
            )
        ):
            out[id_number] = (digest, np.asarray(json.loads(template), dtype=np.float64))
    return out
