"""Receipt printers. Backends are named in config and imported only when chosen."""

from __future__ import annotations

from pathlib import Path

from config.settings import PrinterSettings
from devices.printer.base import Printer
from devices.registry import backend_class

BACKENDS: dict[str, str] = {
    "simulated": "devices.printer.simulated:SimulatedPrinter",
    "escpos": "devices.printer.escpos_backend:EscposPrinter",
}


def create_printer(settings: PrinterSettings, data_dir: Path) -> Printer:
    printer: Printer = backend_class(BACKENDS, settings.backend).from_settings(settings, data_dir)
    return printer
