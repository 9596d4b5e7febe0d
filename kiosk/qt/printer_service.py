"""The receipt printer on its own device thread."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from devices.printer.base import PRINTABLE, Printer, PrinterError, PrinterNotReady, PrinterStatus
from devices.printer.layout import Receipt
from devices.worker import DeviceWorker

log = logging.getLogger(__name__)


class PrinterService(QObject):
    """Owns a Printer on thread `device-printer`. `printed(job_id)` or `failed(job_id, status)`."""

    printed = Signal(str)
    failed = Signal(str, str)

    def __init__(self, printer: Printer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.printer = printer
        self._opened = False
        self._worker = DeviceWorker("printer")

    def start(self) -> None:
        self._worker.start()

    def print_receipt(self, receipt: Receipt) -> None:
        self._worker.submit(self._print, receipt)

    def shutdown(self) -> None:
        if self._worker.running:
            self._worker.submit(self._close)
        self._worker.stop()

    # -- on the device thread ---------------------------------------------------------------
    def _print(self, receipt: Receipt) -> None:
        try:
            if not self._opened:
                self.printer.open()
                self._opened = True
            status = self.printer.status()
            if status not in PRINTABLE:
                raise PrinterNotReady(f"printer is {status}", status)
            self.printer.print_receipt(receipt)
        except PrinterError as exc:
            log.warning("print job %s kept: %s", receipt.job_id, exc)
            self._close()
            known = exc.status is not PrinterStatus.UNKNOWN
            self.failed.emit(receipt.job_id, str(exc.status) if known else "offline")
            return
        self.printed.emit(receipt.job_id)

    def _close(self) -> None:
        if self._opened:
            try:
                self.printer.close()
            except PrinterError:
                log.warning("printer close failed", exc_info=True)
            self._opened = False
