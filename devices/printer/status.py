"""Real-time status (`DLE EOT n`) requests and how to read their one-byte replies.

Every reply byte has bit 1 and bit 4 set and bits 0 and 7 clear (Epson ESC/POS reference),
which is how a status byte is told apart from stray data.
"""

from __future__ import annotations

from devices.printer.base import PrinterStatus

DLE_EOT = b"\x10\x04"
PRINTER_STATUS = DLE_EOT + b"\x01"  # bit 3: offline
OFFLINE_CAUSE = DLE_EOT + b"\x02"  # bit 2: cover open, bit 5: stopped by paper end, bit 6: error
PAPER_SENSOR = DLE_EOT + b"\x04"  # bits 2-3: paper near end, bits 5-6: paper end
QUERIES = (PRINTER_STATUS, OFFLINE_CAUSE, PAPER_SENSOR)


def is_status_byte(value: int) -> bool:
    return value & 0x93 == 0x12


def decode(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """Combine the three replies; the cause the technician must fix first wins."""
    if not all(is_status_byte(v) for v in (printer, offline_cause, paper)):
        return PrinterStatus.UNKNOWN
    if offline_cause & 0x04:
        return PrinterStatus.COVER_OPEN
    if paper & 0x60 or offline_cause & 0x20:
        return PrinterStatus.PAPER_OUT
    if printer & 0x08 or offline_cause & 0x40:
        return PrinterStatus.OFFLINE
    if paper & 0x0C:
        return PrinterStatus.PAPER_LOW
    return PrinterStatus.READY


def replies_for(status: PrinterStatus) -> tuple[int, int, int]:
    """The three reply bytes a printer in `status` sends (for simulators and test endpoints)."""
    printer, cause, paper = 0x12, 0x12, 0x12
    if status is PrinterStatus.COVER_OPEN:
        printer, cause = printer | 0x08, cause | 0x04
    elif status is PrinterStatus.PAPER_OUT:
        printer, cause, paper = printer | 0x08, cause | 0x20, paper | 0x60
    elif status is PrinterStatus.OFFLINE:
        printer, cause = printer | 0x08, cause | 0x40
    elif status is PrinterStatus.PAPER_LOW:
        paper |= 0x0C
    return printer, cause, paper
