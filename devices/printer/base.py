"""Receipt printer interface. One device thread calls open(), status(), print_receipt()."""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum

from devices.errors import DeviceError
from devices.printer.layout import Receipt


class PrinterStatus(StrEnum):
    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    UNKNOWN = "unknown"  # the transport cannot tell (e.g. USB without DLE EOT replies)


# A job may go out in these states; the others keep it for a reprint.
PRINTABLE = frozenset({PrinterStatus.READY, PrinterStatus.PAPER_LOW, PrinterStatus.UNKNOWN})


class PrinterError(DeviceError):
    device = "printer"

    def __init__(self, message: str, status: PrinterStatus = PrinterStatus.UNKNOWN) -> None:
        super().__init__(message)
        self.status = status


class PrinterNotReady(PrinterError):
    """Paper out, cover open or offline: the job was not printed and is kept."""


class Printer(ABC):
    """A receipt printer. Not thread-safe: exactly one thread calls it."""

    @abstractmethod
    def open(self) -> None:
        """Connect. Raises PrinterError (offline) without blocking longer than its timeout."""

    @abstractmethod
    def close(self) -> None:
        """Disconnect. Safe to call twice."""

    @abstractmethod
    def status(self) -> PrinterStatus:
        """Real-time status where the transport allows it, UNKNOWN otherwise; never blocks long."""

    @abstractmethod
    def print_receipt(self, receipt: Receipt) -> bytes:
        """Print; return the bytes sent. Raises PrinterNotReady or PrinterError."""
