"""The sync worker: sends pending cases to the platform on its own thread (`kiosk-sync`).

- Batches of `platform.batch_size`; the platform answers per case (accepted, duplicate,
  rejected). Accepted and duplicate are both "the platform has it": acked, personal data gone.
- The case id is the idempotency key, and a case is signed once when stored, so a resend after
  a reply that never arrived is accepted as a duplicate, never filed twice.
- A failed batch goes back to pending with exponential backoff and jitter per case, and the
  worker holds off as a whole (no busy loop); `Retry-After` is honoured as given.
- A case the platform rejects as invalid goes to the dead-letter state "rejected" and does not
  block the rest; a batch refused as too large (413) is split, down to the single case.
- After the cases went up it fetches the platform's answers (`offline_queue.answers_sync`):
  decisions on this terminal's cases and the face roster. A refused answer is logged and
  asked for again on the next sync; it never holds up the cases.
- While the link is down the worker only probes `/api/v1/health`; once that answers it sends
  everything at once (sync right after reconnect), and it also wakes every `sync_interval_s`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from config.settings import PlatformSettings
from offline_queue.answers_sync import AnswerPuller
from offline_queue.client import PlatformClient
from offline_queue.errors import (
    PlatformBusy,
    PlatformRefused,
    PlatformUnreachable,
    StoreError,
    SyncError,
)
from offline_queue.store import CaseStore

log = logging.getLogger(__name__)

THREAD_NAME = "kiosk-sync"
# Only "too large" is about the batch; other refusals are systemic and must not dead-letter.
SPLIT_STATUSES = frozenset({413})
PURGE_INTERVAL_S = 3600.0


@dataclass
class SyncReport:
    sent: int = 0
    acked: int = 0
    rejected: int = 0
    retried: int = 0
    batches: int = 0
    error: str | None = None
    error_kind: str | None = None  # unreachable | busy | refused | store
    rejected_ids: list[str] = field(default_factory=list)
    decisions: int = 0  # new decisions from the platform
    answers_error: str | None = None  # fetching them (or the roster) failed: asked again later

    def merge(self, other: SyncReport) -> None:
        self.sent += other.sent
        self.acked += other.acked
        self.rejected += other.rejected
        self.retried += other.retried
        self.batches += other.batches
        self.rejected_ids += other.rejected_ids
        self.decisions += other.decisions
        self.answers_error = other.answers_error or self.answers_error
        self.error, self.error_kind = other.error, other.error_kind


class SyncWorker:
    def __init__(
        self,
        store: CaseStore,
        client: PlatformClient,
        settings: PlatformSettings,
        *,
        backoff_base_s: float = 5.0,
        probe_interval_s: float = 30.0,
        rng: random.Random | None = None,
        answers: AnswerPuller | None = None,
    ) -> None:
        self.store = store
        self.answers = answers
        self.client = client
        self.batch_size = settings.batch_size
        self.interval_s = float(settings.sync_interval_s)
        self.max_backoff_s = float(settings.max_backoff_s)
        self.backoff_base_s = backoff_base_s
        self.probe_interval_s = probe_interval_s
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pass_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._hold_until = 0.0
        self._force = False
        self._failures = 0
        self.online: bool | None = None
        self._last_purge = 0.0

    # --- thread control -----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop after the current request (bounded by the client's timeout)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.error("sync worker did not stop within %.0f s", timeout_s)
            self._thread = None

    def sync_now(self, *, force: bool = False) -> None:
        """Ask the worker to sync at once (after a new case, or when the link came back).

        With force (the technician's "sync now"), cases waiting out a backoff go too.
        """
        self._hold_until = 0.0
        self._force = self._force or force
        self._wake.set()

    def _run(self) -> None:
        log.info("sync worker started")
        while not self._stop.is_set():
            try:
                self._cycle()
            except StoreError as exc:
                log.error("sync worker: the case store failed: %s", exc)
                self._hold_until = time.time() + self.backoff(max(1, self._failures))
            except Exception:
                # A bug must not end syncing for good: log it, back off, go on.
                log.exception("sync worker: unexpected failure")
                self._hold_until = time.time() + self.backoff(max(1, self._failures))
            wait = self._next_wait()
            self._wake.wait(wait)
            self._wake.clear()
        log.info("sync worker stopped")

    def _cycle(self) -> None:
        now = time.time()
        if now - self._last_purge >= PURGE_INTERVAL_S:
            self.store.purge(now)
            self._last_purge = now
        if self._force:
            self._force = False
            self.run_pass(ignore_schedule=True)
            return
        if now < self._hold_until:
            return
        if self.online is False:
            if not self.client.probe():
                self._hold_until = time.time() + self.probe_interval_s
                return
            log.info("platform reachable again: sending everything pending")
            self.run_pass(ignore_schedule=True)
            return
        self.run_pass()

    def _next_wait(self) -> float:
        now = time.time()
        if self._hold_until > now:  # backing off, honouring Retry-After, or probing offline
            return self._hold_until - now
        wait = self.interval_s
        due = self.store.next_due_ts()
        if due is not None:
            wait = min(wait, max(0.0, due - now))
        # Never spin: at least a short pause between cycles.
        return max(wait, 0.05)

    # --- one pass -----------------------------------------------------------------------

    def run_pass(self, *, ignore_schedule: bool = False) -> SyncReport:
        """Send every due case (or every pending one), batch by batch; stop at a failure."""
        report = SyncReport()
        with self._pass_lock:
            while not self._stop.is_set():
                batch = self.store.claim_batch(self.batch_size, due_only=not ignore_schedule)
                if not batch:
                    break
                part = self._send(batch)
                report.merge(part)
                if part.error:
                    break
            if report.batches == 0 and report.error is None:
                self._check_link(report)
            elif report.error is None:
                self._succeeded()
            if report.error is None and not self._stop.is_set():
                self._pull_answers(report)
        return report

    def _pull_answers(self, report: SyncReport) -> None:
        """The platform's answers, once the cases are up; a failure waits for the next sync."""
        if self.answers is None:
            return
        answered = self.answers.pull()
        report.decisions = answered.decisions
        report.answers_error = "; ".join(answered.errors) or None

    def _check_link(self, report: SyncReport) -> None:
        if self.client.probe():
            self._succeeded()
        else:
            report.error, report.error_kind = "platform unreachable", "unreachable"
            self.online = False
            self._hold_until = time.time() + self.probe_interval_s
            self.store.record_sync(report.error)

    def _succeeded(self) -> None:
        self.online = True
        self._failures = 0
        self._hold_until = 0.0
        self.store.record_sync(None)

    def _send(self, batch: list[dict[str, Any]]) -> SyncReport:
        report = SyncReport(batches=1, sent=len(batch))
        ids = [case["case_id"] for case in batch]
        try:
            results = self.client.send_batch(batch)
        except PlatformRefused as exc:
            if exc.status in SPLIT_STATUSES:
                return self._split(batch, exc)
            self._fail(ids, exc, "refused", report)
            return report
        except PlatformBusy as exc:
            self._fail(ids, exc, "busy", report, retry_after_s=exc.retry_after_s)
            return report
        except PlatformUnreachable as exc:
            self._fail(ids, exc, "unreachable", report)
            # Only once the cases are back in the queue: whoever sees the link down sees them.
            self.online = False
            return report
        # The platform answered: say so before the acks land, so that anyone who sees
        # the cases acknowledged also sees the link up.
        self.online = True
        self._apply(batch, results, report)
        return report

    def _apply(
        self, batch: list[dict[str, Any]], results: list[dict[str, Any]], report: SyncReport
    ) -> None:
        acked, retry = [], []
        for case, result in zip(batch, results, strict=True):
            case_id, status = case["case_id"], result.get("status")
            if result.get("case_id") != case_id:
                retry.append(case_id)
            elif status in ("accepted", "duplicate"):
                acked.append(case_id)
            elif status == "rejected":
                self.store.mark_rejected(case_id, str(result.get("reason") or "rejected"))
                report.rejected += 1
                report.rejected_ids.append(case_id)
            else:
                retry.append(case_id)
        self.store.mark_acked(acked)
        report.acked += len(acked)
        if retry:
            self._reschedule(retry, "the platform did not take these cases yet", None)
            report.retried += len(retry)

    def _split(self, batch: list[dict[str, Any]], exc: PlatformRefused) -> SyncReport:
        if len(batch) == 1:
            self.store.mark_rejected(batch[0]["case_id"], str(exc))
            return SyncReport(batches=1, sent=1, rejected=1, rejected_ids=[batch[0]["case_id"]])
        report = SyncReport()
        for case in batch:
            part = self._send([case])
            report.merge(part)
            if part.error:
                # Only the cases still "sending" (not yet tried) go back; the others are done.
                ids = [c["case_id"] for c in batch]
                self.store.release(ids, str(part.error), self._hold_until)
                break
        return report

    def _fail(
        self,
        ids: list[str],
        exc: SyncError,
        kind: str,
        report: SyncReport,
        *,
        retry_after_s: float | None = None,
    ) -> None:
        self._failures += 1
        delay = self._reschedule(ids, str(exc), retry_after_s)
        if kind == "unreachable":
            # The cases wait out their backoff, but the link is probed cheaply meanwhile so
            # that everything goes as soon as it is back.
            delay = min(delay, self.probe_interval_s)
        self._hold_until = time.time() + delay
        report.error, report.error_kind, report.retried = str(exc), kind, len(ids)
        self.store.record_sync(str(exc))
        log.warning("sync failed (%s), next try in %.1f s: %s", kind, delay, exc)

    def _reschedule(self, ids: list[str], error: str, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            delay = min(retry_after_s, self.max_backoff_s)
        else:
            attempts = max(1, self._failures)
            delay = self.backoff(attempts)
        self.store.release(ids, error, time.time() + delay)
        return delay

    def backoff(self, attempts: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        ceiling = min(self.max_backoff_s, self.backoff_base_s * 2 ** min(attempts - 1, 30))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    # --- for the CLI and the benchmarks ----------------------------------------------------

    def drain(self, timeout_s: float) -> SyncReport:
        """Sync in the foreground until nothing is pending, or give up after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        total = SyncReport()
        first = True
        while True:
            part = self.run_pass(ignore_schedule=first)
            first = False
            total.merge(part)
            if not self.store.case_ids("pending", "sending"):
                total.error = total.error_kind = None
                return total
            if part.error_kind == "refused":
                return total
            wait = max(0.05, self._hold_until - time.time())
            due = self.store.next_due_ts()
            if due is not None and not part.error:
                wait = max(0.05, due - time.time())
            if time.monotonic() + wait > deadline:
                total.error = total.error or "gave up: cases still pending at the time limit"
                total.error_kind = total.error_kind or "timeout"
                return total
            time.sleep(wait)
