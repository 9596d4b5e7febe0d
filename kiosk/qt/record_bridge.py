"""Recording cases and looking up earlier checks, on a thread of its own (`kiosk-store`).

Writing with synchronous=FULL takes milliseconds; it still never runs on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from devices.worker import DeviceWorker

log = logging.getLogger(__name__)

# record(command, best_face) -> case id; raises on failure
Recorder = Callable[[Any, Any], str]
# lookup(service, resident) -> (outcome, details)
LookupFn = Callable[[Any, Any], tuple[str, dict[str, Any]]]


class RecordBridge(QObject):
    recorded = Signal(str)
    record_failed = Signal(str)
    lookup_done = Signal(str, dict)

    def __init__(self, recorder: Recorder, lookup: LookupFn, parent: QObject | None = None):
        super().__init__(parent)
        self._recorder = recorder
        self._lookup = lookup
        self._worker = DeviceWorker("store", thread_prefix="kiosk-")

    def start(self) -> None:
        self._worker.start()

    def record(self, command: Any, best_face: Any) -> None:
        self._worker.submit(self._record, command, best_face)

    def lookup(self, service: Any, resident: Any) -> None:
        self._worker.submit(self._look, service, resident)

    def shutdown(self) -> None:
        self._worker.stop()

    def _record(self, command: Any, best_face: Any) -> None:
        try:
            case_id = self._recorder(command, best_face)
        except Exception as exc:  # the resident is told to ask staff; nothing is silently lost
            log.exception("recording the case failed")
            self.record_failed.emit(type(exc).__name__)
            return
        self.recorded.emit(case_id)

    def _look(self, service: Any, resident: Any) -> None:
        try:
            outcome, details = self._lookup(service, resident)
        except Exception:
            log.exception("lookup failed")
            outcome, details = "pending", {}
        self.lookup_done.emit(outcome, details)
