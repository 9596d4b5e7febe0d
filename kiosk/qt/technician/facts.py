"""What the technician view reads from SQLite and files, read on the technician's worker thread
(`kiosk-technician`) and handed to the GUI thread as one `Facts`. No Qt here."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

from contract.certificates import CHINA_TZ
from kiosk.records.print_jobs import KeptJob, PrintJobStore
from kiosk.technician import status
from offline_queue.answers import read_answers_status
from offline_queue.errors import NotRegistered, StoreError
from offline_queue.registration import Registration, load_registration
from offline_queue.store import CaseStore
from screens.technician import scrub
from screens.technician_view import KeptRow, QueueFigures

log = logging.getLogger(__name__)

KEPT_JOBS_LIMIT = 1000
KEPT_LIST_SHOWN = 50  # rows in the panel's list; 全部补打 reprints every kept job

SyncMark = tuple[str | None, str | None]  # (last sync, last sync attempt)
T = TypeVar("T")


@dataclass(frozen=True)
class Facts:
    """One reading of the store, the print jobs, the registration and the log. The defaults
    are what the panel shows before the first reading arrives."""

    sync_mark: SyncMark = (None, None)
    queue: QueueFigures = field(default_factory=QueueFigures)
    last_sync: str | None = None
    last_sync_error: str = ""
    registered: bool = False
    backlog: tuple[tuple[str, int], ...] = ()
    logs: tuple[str, ...] = ()  # scrubbed
    kept_count: int = 0
    kept_list: tuple[KeptRow, ...] = ()  # the newest KEPT_LIST_SHOWN, newest first
    last_printer_status: str = ""  # what the last print job met ("" before any)
    answers: status.AnswersFigures | None = None  # decisions, the face roster (None: unread)


def collect(
    store: CaseStore,
    jobs: PrintJobStore | None,
    data_dir: Path,
    log_setting: str,
    roster_on: bool = True,
) -> Facts:
    """Everything in the view that reads SQLite or files."""
    now = dt.datetime.now().astimezone()
    # The mark first: a queue read after it is at least as new as the sync it marks.
    mark = sync_mark(store)
    counts = store.status()
    last_sync_error = store.get_meta("last_sync_error") or ""
    registered = registration_of(data_dir) is not None
    backlog = _guarded(lambda: status.read_backlog(store.path, now), [])
    path = status.log_file(data_dir, log_setting)
    logs = _guarded(lambda: status.tail_lines(path), [])
    kept = jobs.jobs("kept", limit=KEPT_JOBS_LIMIT) if jobs is not None else []
    latest = jobs.jobs(limit=1) if jobs is not None else []
    answers = answers_line(store, now, roster_on)
    return Facts(
        sync_mark=mark,
        queue=QueueFigures(
            pending=counts["pending"],
            sending=counts["sending"],
            failed=counts["rejected"],
            oldest_pending_age_s=counts["oldest_pending_age_s"],
        ),
        last_sync=counts["last_sync"],
        last_sync_error=last_sync_error,
        registered=registered,
        backlog=tuple((str(day), int(cast(int, count))) for day, count in backlog),
        logs=tuple(scrub(line) for line in logs),
        kept_count=len(kept),
        kept_list=tuple(kept_row(job) for job in kept[:KEPT_LIST_SHOWN]),
        last_printer_status=latest[0].printer_status if latest else "",
        answers=answers,
    )


def answers_line(
    store: CaseStore, now: dt.datetime, roster_on: bool
) -> status.AnswersFigures | None:
    """The platform line's figures: decisions received and awaited, the face roster held."""
    try:
        figures = read_answers_status(store.path)
    except StoreError as exc:
        log.warning("technician view: cannot read the platform's answers: %s", exc)
        return None
    return status.answers_figures(figures, now, roster_on)


def sync_mark(store: CaseStore) -> SyncMark:
    """Changes with every sync attempt, successful or not."""
    return (store.get_meta("last_sync"), store.get_meta("last_sync_attempt"))


def registration_of(data_dir: Path) -> Registration | None:
    try:
        return load_registration(data_dir)
    except NotRegistered:
        return None


def kept_ids(jobs: PrintJobStore) -> list[str]:
    """Every kept job's id, oldest first: the order 全部补打 prints them in."""
    return [job.job_id for job in reversed(jobs.jobs("kept", limit=KEPT_JOBS_LIMIT))]


def kept_row(job: KeptJob) -> KeptRow:
    """A kept job for the panel's list: no receipt content beyond kind and certificate number."""
    return KeptRow(
        job_id=job.job_id,
        kind=job.kind,
        when=_local_time(job.created_at),
        printer_status=job.printer_status,
        attempts=job.attempts,
        certificate_no=job.certificate_no,
    )


def _local_time(stamp: str) -> str:
    """The store's UTC stamp in the time printed on the receipts (China time)."""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return f"{when.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"


def _guarded(read: Callable[[], list[T]], fallback: list[T]) -> list[T]:
    """One unreadable part (a rotated log, a damaged store) must not blank the whole panel."""
    try:
        return read()
    except status.TechnicianStatusError as exc:
        log.warning("technician view: %s", exc)
        return fallback
