"""Receipt printers. Backends are named in config and imported only when chosen."""

from __future__ import annotations

import importlib
from pathlib import Path

from config.settings import PrinterSettings
from devices.printer.base import Printer

BACKENDS: dict[str, str] = {
    "simulated": "devices.printer.simulated:SimulatedPrinter",
    "escpos": "devices.printer.escpos_backend:EscposPrinter",
}


def create_printer(settings: PrinterSettings, data_dir: Path) -> Printer:
    module_name, class_name = BACKENDS[settings.backend].split(":")
    backend_class = getattr(importlib.import_module(module_name), class_name)
    printer: Printer = backend_class.from_settings(settings, data_dir)
    return printer
