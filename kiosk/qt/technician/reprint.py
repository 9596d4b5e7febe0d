"""The technician's reprints of kept receipts: each goes to the printer service (thread
`device-printer`, never the GUI thread) and its result comes back on the service's
`printed`/`failed` signals. `Reprints` follows one batch at a time and says how it ended;
`ReprintAction` is the panel's 补打 and 全部补打."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from kiosk.qt.printer_bridge import PrinterBridge
from kiosk.qt.runner import Done, Failed, OffGuiRunner, Result
from kiosk.qt.technician.actions import Action
from kiosk.qt.technician.facts import kept_ids
from kiosk.qt.technician.view import text
from kiosk.records.print_jobs import PrintJobStore
from kiosk.records.receipts import PrintJob
from screens import technician as panel
from screens.technician import scrub, state_text
from screens.technician_view import KeptRow

log = logging.getLogger(__name__)

PRINTING, PRINTED = "printing", "printed"


@dataclass
class _Batch:
    printed: int = 0
    kept: int = 0
    status: str = ""  # the printer state the last failed reprint met


@dataclass
class Reprints:
    """Job ids in flight and the last reprint state of each job the technician touched."""

    printer: PrinterBridge
    pending: set[str] = field(default_factory=set)
    states: dict[str, str] = field(default_factory=dict)  # job id -> printing/printed/state
    _batch: _Batch = field(default_factory=_Batch)

    def submit(self, job_ids: list[str]) -> int:
        """Send the jobs not already in flight; returns how many were sent."""
        if not self.pending:
            self._batch = _Batch()
        sent = 0
        for job_id in job_ids:
            if job_id in self.pending:
                continue
            self.pending.add(job_id)
            self.states[job_id] = PRINTING
            self.printer.submit(PrintJob(reprint_job_id=job_id))
            sent += 1
        if sent:
            log.info("technician reprint of %d kept job(s) sent", sent)
        return sent

    def owns(self, job_id: str) -> bool:
        return job_id in self.pending

    def note(self, job_id: str, failed_status: str) -> str | None:
        """Record one result; the technician's message once the whole batch is done."""
        self.pending.discard(job_id)
        if failed_status:
            self.states[job_id] = failed_status
            self._batch.kept += 1
            self._batch.status = failed_status
        else:
            self.states[job_id] = PRINTED
            self._batch.printed += 1
        if self.pending:
            return None
        batch = self._batch
        log.info("technician reprint done: %d printed, %d kept", batch.printed, batch.kept)
        if not batch.kept:
            return text("reprint_done", printed=batch.printed)
        return text(
            "reprint_partly",
            printed=batch.printed,
            kept=batch.kept,
            status=state_text(batch.status),
        )

    def rows(self, kept_list: tuple[KeptRow, ...]) -> tuple[KeptRow, ...]:
        """The kept list with each job's reprint state; forgets jobs no longer kept."""
        kept_ids = {row.job_id for row in kept_list}
        self.states = {
            job_id: state
            for job_id, state in self.states.items()
            if job_id in kept_ids or job_id in self.pending
        }
        return tuple(replace(row, reprint=self.states.get(row.job_id, "")) for row in kept_list)


class ReprintAction(Action):
    """补打 (one kept receipt) and 全部补打 (every one, oldest first). Busy while the kept list
    is read or any reprint is in flight; says how the batch ended."""

    name = "reprint_all"
    intents = (panel.ReprintJob, panel.ReprintAll)

    def __init__(
        self,
        changed: Callable[[], None],
        runner: OffGuiRunner,
        jobs: PrintJobStore | None,
        printer: PrinterBridge,
    ) -> None:
        super().__init__(changed)
        self._runner, self._jobs = runner, jobs
        self.reprints = Reprints(printer)

    @property
    def busy(self) -> bool:
        return self._busy or bool(self.reprints.pending)

    def handle(self, intent: object) -> None:
        if isinstance(intent, panel.ReprintJob):
            self.one([intent.job_id])
        else:
            self.all()

    def one(self, job_ids: list[str]) -> None:
        """Kept jobs through the printer service: printed, or kept with the printer's state."""
        sent = self.reprints.submit(job_ids)
        if sent:
            self._say(text("reprint_sent", n=sent))

    def all(self) -> None:
        """Every kept job; the list is read on the worker, not the GUI thread."""
        jobs = self._jobs
        if jobs is None:
            self._say(text("reprint_none"))
            return
        self._busy = True  # listing
        self._runner.run(lambda: kept_ids(jobs), self._listed)

    def _listed(self, result: Result[list[str]]) -> None:
        self._busy = False
        match result:
            case Failed(error):
                log.error("technician reprint list: %s", error)
                self._say(text("reprint_failed", error=scrub(str(error))))
            case Done([]):
                self._say(text("reprint_none"))
            case Done(job_ids):
                self.one(job_ids)
        self._changed()

    def on_print_result(self, job_id: str, failed_status: str) -> bool:
        """True when the job was one of these reprints."""
        if not job_id or not self.reprints.owns(job_id):
            return False
        done = self.reprints.note(job_id, failed_status)
        if done is not None:
            self._say(done)
        return True

    def rows(self, kept_list: tuple[KeptRow, ...]) -> tuple[KeptRow, ...]:
        return self.reprints.rows(kept_list)
