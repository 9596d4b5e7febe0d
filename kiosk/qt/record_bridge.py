"""Recording cases and looking up earlier checks, on a thread of its own (`kiosk-store`).

Writing with synchronous=FULL takes milliseconds; it still never runs on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from devices.worker import DeviceWorker
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import RecordedCase, Resident, Service

log = logging.getLogger(__name__)

BestFace = Callable[[], bytes | None]  # the kept best frame as JPEG, asked for when recording
# record(command, best face) -> the recorded case (with its certificate); raises on failure
Recorder = Callable[[cmd.RecordCase, BestFace], RecordedCase]
# lookup(service, resident) -> the resident's standing (query) or last receipt (reprint)
LookupFn = Callable[[Service, Resident | None], ev.LookupDone]
# rate(command) -> the rating's record id; raises on failure
RatingFn = Callable[[cmd.RecordRating], str]


class RecordBridge(QObject):
    recorded = Signal(object)  # RecordedCase
    record_failed = Signal(str)
    lookup_done = Signal(object)  # ev.LookupDone
    lookup_failed = Signal(str)  # the error's kind: the records could not be read
    rating_recorded = Signal(str)  # the rating's record id (nothing waits on it)

    def __init__(
        self,
        recorder: Recorder,
        lookup: LookupFn,
        parent: QObject | None = None,
        *,
        rate: RatingFn | None = None,
    ):
        super().__init__(parent)
        self._recorder = recorder
        self._lookup = lookup
        self._rate = rate
        self._worker = DeviceWorker("store", thread_prefix="kiosk-")

    def start(self) -> None:
        self._worker.start()

    def record(self, command: cmd.RecordCase, best_face: BestFace) -> None:
        self._worker.submit(self._record, command, best_face)

    def lookup(self, service: Service, resident: Resident | None) -> None:
        self._worker.submit(self._look, service, resident)

    def rate(self, command: cmd.RecordRating) -> None:
        self._worker.submit(self._record_rating, command)

    def shutdown(self) -> None:
        self._worker.stop()

    def _record(self, command: cmd.RecordCase, best_face: BestFace) -> None:
        try:
            case = self._recorder(command, best_face)
        except Exception as exc:  # the resident is told to ask staff; nothing is silently lost
            log.exception("recording the case failed")
            self.record_failed.emit(type(exc).__name__)
            return
        self.recorded.emit(case)

    def _look(self, service: Service, resident: Resident | None) -> None:
        try:
            found = self._lookup(service, resident)
        except Exception as exc:  # an error is no answer: never "pending" or "not found"
            log.exception("lookup failed")
            self.lookup_failed.emit(type(exc).__name__)
            return
        self.lookup_done.emit(found)

    def _record_rating(self, command: cmd.RecordRating) -> None:
        if self._rate is None:
            log.info("rating %s not recorded: this kiosk records no ratings", command.score)
            return
        try:
            rating_id = self._rate(command)
        except Exception:  # a lost rating must not stop the kiosk; the log says why
            log.exception("recording the rating failed")
            return
        self.rating_recorded.emit(rating_id)
