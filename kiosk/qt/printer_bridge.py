"""The receipt printer on its own device thread. Every job is kept before it is sent
(`kiosk.records.print_jobs`), so a job the printer refuses is never lost and can be reprinted.

Between jobs the thread asks the printer's status every `watch_interval_s` (opening it when it
is not open) and says when it changes (`status_changed`): paper out, cover open or offline is
known before a resident starts, and its end too."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from devices.printer.base import PRINTABLE, Printer, PrinterError, PrinterNotReady, PrinterStatus
from devices.worker import DeviceWorker
from kiosk.records.print_jobs import (
    PrintJobError,
    PrintJobStore,
    keep_unprinted,
    print_or_keep,
    reprint,
)
from kiosk.records.receipts import PrintJob

log = logging.getLogger(__name__)


class PrinterBridge(QObject):
    """Owns a Printer on thread `device-printer`. `printed(job_id)` or `failed(job_id, status)`;
    `status_changed(status)` whenever what the printer says changes (a PrinterStatus value)."""

    printed = Signal(str)
    failed = Signal(str, str)
    status_changed = Signal(str)

    def __init__(
        self,
        printer: Printer,
        jobs: PrintJobStore,
        parent: QObject | None = None,
        *,
        watch_interval_s: float = 0.0,
    ):
        super().__init__(parent)
        self.printer = printer
        self.jobs = jobs
        self._opened = False
        self._said = ""  # the status last said by status_changed
        watch = self._watch if watch_interval_s > 0 else None
        self._worker = DeviceWorker("printer", idle=watch, idle_every_s=watch_interval_s)

    def start(self) -> None:
        self._worker.start()

    def submit(self, job: PrintJob) -> None:
        self._worker.submit(self._run, job)

    def shutdown(self) -> None:
        self._worker.close_and_stop(self._close)

    # -- on the device thread ---------------------------------------------------------------
    def _run(self, job: PrintJob) -> None:
        job_id = job.reprint_job_id or (job.receipt.job_id if job.receipt else "")
        try:
            self._ready()
        except PrinterError as exc:
            log.warning("printer not ready for %s: %s", job_id, exc)
            self._say(exc.status)
            self._close()
            if job.receipt is not None:
                keep_unprinted(
                    self.jobs,
                    job.receipt,
                    exc,
                    holder=job.holder,
                    certificate_no=job.certificate_no,
                    keep_until=job.keep_until,
                )
            else:
                self._record_failed_reprint(job.reprint_job_id, exc.status)
            self.failed.emit(job_id, _status_text(exc.status))
            return
        try:
            if job.receipt is not None:
                outcome = print_or_keep(
                    self.printer,
                    self.jobs,
                    job.receipt,
                    holder=job.holder,
                    certificate_no=job.certificate_no,
                    keep_until=job.keep_until,
                )
            else:
                outcome = reprint(self.printer, self.jobs, job.reprint_job_id)
        except PrintJobError as exc:
            log.error("print job %s: %s", job_id, exc)
            self.failed.emit(job_id, "error")
            return
        self._say(outcome.status)
        if outcome.printed:
            self.printed.emit(job_id)
        else:
            self._close()
            self.failed.emit(job_id, _status_text(outcome.status))

    def _watch(self) -> None:
        """Between jobs: what does the printer say now?"""
        try:
            if not self._opened:
                self.printer.open()
                self._opened = True
            status = self.printer.status()
        except PrinterError as exc:
            status = exc.status
            self._close()  # reconnected on the next look, or by the next job
        self._say(status)

    def _say(self, status: PrinterStatus) -> None:
        text = str(status)
        if text != self._said:
            self._said = text
            log.info("printer status: %s", text)
            self.status_changed.emit(text)

    def _record_failed_reprint(self, job_id: str, status: PrinterStatus) -> None:
        """A reprint the printer could not even start still counts as an attempt."""
        try:
            self.jobs.record_attempt(job_id, status, printed=False)
        except PrintJobError:
            log.error("reprint of unknown job %s", job_id)

    def _ready(self) -> None:
        if not self._opened:
            self.printer.open()
            self._opened = True
        status = self.printer.status()
        if status not in PRINTABLE:
            raise PrinterNotReady(f"printer is {status}", status)

    def _close(self) -> None:
        if self._opened:
            try:
                self.printer.close()
            except PrinterError:
                log.warning("printer close failed", exc_info=True)
            self._opened = False


def _status_text(status: PrinterStatus) -> str:
    return "offline" if status is PrinterStatus.UNKNOWN else str(status)
