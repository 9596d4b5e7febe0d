"""A printer that writes each job to `<data_dir>/printer/`: `<job_id>.bin` (the ESC/POS bytes
a real printer would get) and `<job_id>.png` (what the paper would show).

Fault knobs (config `printer.fault`, or `set_fault()` from tests and the demo, thread-safe):
none, paper_out, offline, cover_open.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Literal

from config.settings import PrinterSettings
from devices.printer.base import PRINTABLE, Printer, PrinterError, PrinterNotReady, PrinterStatus
from devices.printer.escpos_render import RenderOptions, render_escpos
from devices.printer.layout import Receipt
from devices.printer.preview import render_png

log = logging.getLogger(__name__)

Fault = Literal["none", "paper_out", "offline", "cover_open"]
_FAULT_STATUS: dict[str, PrinterStatus] = {
    "none": PrinterStatus.READY,
    "paper_out": PrinterStatus.PAPER_OUT,
    "offline": PrinterStatus.OFFLINE,
    "cover_open": PrinterStatus.COVER_OPEN,
}


def _write_atomically(path: Path, data: bytes) -> None:
    """The simulated paper holds a resident's masked data: 0600, like everything else."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


class SimulatedPrinter(Printer):
    def __init__(self, out_dir: Path, options: RenderOptions, fault: Fault = "none") -> None:
        self.out_dir = out_dir
        self.options = options
        self._lock = threading.Lock()
        self._fault: Fault = fault
        self._open = False

    @classmethod
    def from_settings(cls, settings: PrinterSettings, data_dir: Path) -> SimulatedPrinter:
        return cls(data_dir / "printer", RenderOptions.from_settings(settings), settings.fault)

    def set_fault(self, fault: Fault) -> None:
        """Change the fault from any thread (a technician refilling paper, say)."""
        if fault not in _FAULT_STATUS:
            raise ValueError(f"unknown printer fault {fault!r}")
        with self._lock:
            self._fault = fault

    def open(self) -> None:
        if self.status() is PrinterStatus.OFFLINE:
            raise PrinterNotReady("simulated printer offline", PrinterStatus.OFFLINE)
        self.out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._open = True

    def close(self) -> None:
        self._open = False

    def status(self) -> PrinterStatus:
        with self._lock:
            return _FAULT_STATUS[self._fault]

    def print_receipt(self, receipt: Receipt) -> bytes:
        if not self._open:
            raise PrinterError("print_receipt before open()", PrinterStatus.OFFLINE)
        state = self.status()
        if state not in PRINTABLE:
            raise PrinterNotReady(f"simulated printer is {state}", state)
        data = render_escpos(receipt, self.options)
        _write_atomically(self.out_dir / f"{receipt.job_id}.bin", data)
        options = self.options
        png = render_png(receipt, options.width_dots, options.font_file, options.margin_dots)
        _write_atomically(self.out_dir / f"{receipt.job_id}.png", png)
        log.info("simulated print of %s job %s (%d bytes)", receipt.kind, receipt.job_id, len(data))
        return data
