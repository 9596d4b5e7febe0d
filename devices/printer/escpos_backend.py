"""ESC/POS printers over USB, serial, TCP, a device file or CUPS, through python-escpos.

The transport is chosen by `printer.target`. Real-time status (`DLE EOT`) is asked where the
transport carries replies (TCP, serial, USB) and reads "unknown" elsewhere or when the
printer stays silent; no call waits longer than the configured timeouts.
"""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path
from typing import Any

from config.settings import PrinterSettings
from devices.printer import status as dle
from devices.printer.base import (
    PRINTABLE,
    Printer,
    PrinterError,
    PrinterNotReady,
    PrinterStatus,
)
from devices.printer.escpos_render import RenderOptions, render_escpos
from devices.printer.layout import Receipt
from devices.printer.target import InvalidTarget, Target, parse_target

log = logging.getLogger(__name__)

_REPLYING = frozenset({"tcp", "serial", "usb"})


class EscposPrinter(Printer):
    """One ESC/POS printer. Not thread-safe: its device thread is the only caller."""

    def __init__(
        self,
        target: Target,
        options: RenderOptions,
        timeout_s: float = 5.0,
        status_timeout_s: float = 0.5,
    ) -> None:
        self.target = target
        self.options = options
        self.timeout_s = timeout_s
        self.status_timeout_s = min(status_timeout_s, timeout_s)
        self._escpos: Any = None
        self._opened = False  # open() was called: a lost link may be re-established
        self._silent = False  # the printer did not answer DLE EOT on this connection

    @classmethod
    def from_settings(cls, settings: PrinterSettings, data_dir: Path) -> EscposPrinter:
        if not settings.target:
            raise InvalidTarget("printer.target is empty (e.g. tcp://192.168.1.50:9100)")
        return cls(
            parse_target(settings.target),
            RenderOptions.from_settings(settings),
            settings.timeout_s,
            settings.status_timeout_s,
        )

    # -- connection -------------------------------------------------------------------
    def open(self) -> None:
        self.close()
        self._opened = True
        self._escpos = self._connect()
        self._silent = False
        log.info("printer %s connected", self.target)

    def close(self) -> None:
        device, self._escpos = self._escpos, None
        if device is not None:
            try:
                device.close()
            except OSError as exc:  # closing a dead link is not worth more than a note
                log.debug("closing printer %s: %s", self.target, exc)

    def _connect(self) -> Any:
        from escpos.exceptions import DeviceNotFoundError  # backend-only import

        try:
            device = self._make_device()
            if self.target.scheme == "tcp":
                # escpos's Network.open() leaks the socket when the connection is refused.
                link = socket.create_connection(
                    (self.target.host, self.target.port), timeout=self.timeout_s
                )
                link.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                device.device = link
            else:
                device.open()
        except (DeviceNotFoundError, OSError) as exc:
            raise PrinterNotReady(
                f"printer {self.target} unreachable: {_short(exc)}", PrinterStatus.OFFLINE
            ) from None
        return device

    def _make_device(self) -> Any:
        from escpos import printer as escpos  # imported only when chosen

        t = self.target
        if t.scheme == "tcp":
            return escpos.Network(t.host, t.port, timeout=self.timeout_s)
        if t.scheme == "file":
            if not Path(t.path).exists():  # File() would create a plain file in its place
                raise OSError(f"{t.path} does not exist")
            return escpos.File(t.path, auto_flush=True)
        kind = {"serial": escpos.Serial, "usb": escpos.Usb, "cups": escpos.CupsPrinter}[t.scheme]
        if not kind.is_usable():
            needs = {"serial": "pyserial", "usb": "pyusb", "cups": "pycups"}[t.scheme]
            raise PrinterError(f"{t.scheme} printers need the {needs} package")
        if t.scheme == "serial":
            return escpos.Serial(t.path, baudrate=t.baud, timeout=self.timeout_s)
        if t.scheme == "usb":
            return escpos.Usb(t.vendor_id, t.product_id, timeout=int(self.timeout_s * 1000))
        return escpos.CupsPrinter(t.path)

    # -- status -----------------------------------------------------------------------
    def status(self) -> PrinterStatus:
        if self._escpos is None:
            return PrinterStatus.OFFLINE
        if self.target.scheme not in _REPLYING or self._silent:
            return PrinterStatus.UNKNOWN
        deadline = time.monotonic() + self.status_timeout_s
        replies: list[int] = []
        try:
            self._drain()
            for query in dle.QUERIES:
                self._escpos._raw(query)
                reply = self._read_status_byte(deadline)
                if reply is None:
                    log.info("printer %s does not answer DLE EOT: status unknown", self.target)
                    self._silent = True
                    return PrinterStatus.UNKNOWN
                replies.append(reply)
        except OSError as exc:
            log.warning("printer %s link lost while asking status: %s", self.target, exc)
            self.close()
            return PrinterStatus.OFFLINE
        return dle.decode(*replies)

    def _read_status_byte(self, deadline: float) -> int | None:
        while (left := deadline - time.monotonic()) > 0:
            chunk = self._read(left)
            for value in chunk:
                if dle.is_status_byte(value):
                    return value
        return None

    def _read(self, timeout_s: float) -> bytes:
        device = self._escpos.device
        if self.target.scheme == "tcp":
            device.settimeout(timeout_s)
            try:
                chunk: bytes = device.recv(16)
            except TimeoutError:
                return b""
            finally:
                device.settimeout(self.timeout_s)
            if not chunk:
                raise ConnectionResetError("printer closed the connection")
            return chunk
        if self.target.scheme == "serial":
            device.timeout = timeout_s
            return bytes(device.read(1))
        try:  # usb
            return bytes(device.read(self._escpos.in_ep, 16, int(timeout_s * 1000) or 1))
        except Exception as exc:  # pyusb raises USBTimeoutError/USBError; treat as no reply
            log.debug("usb status read: %s", exc)
            return b""

    def _drain(self) -> None:
        """Drop late replies to an earlier question so they are not read as answers."""
        device = self._escpos.device
        if self.target.scheme == "tcp":
            device.setblocking(False)
            try:
                while device.recv(64):
                    pass
            except (BlockingIOError, InterruptedError):
                pass
            finally:
                device.settimeout(self.timeout_s)
        elif self.target.scheme == "serial":
            device.reset_input_buffer()

    # -- printing ---------------------------------------------------------------------
    def print_receipt(self, receipt: Receipt) -> bytes:
        if self._escpos is None:
            if not self._opened:
                raise PrinterError("print_receipt before open()", PrinterStatus.OFFLINE)
            self.open()  # the link was lost after a successful open(): reconnect once
        before = self.status()
        if before not in PRINTABLE:
            raise PrinterNotReady(f"printer {self.target} is {before}", before)
        data = render_escpos(receipt, self.options)
        try:
            self._escpos._raw(data)
        except OSError as exc:
            self.close()
            raise PrinterNotReady(
                f"printer {self.target} link lost: {_short(exc)}", PrinterStatus.OFFLINE
            ) from None
        after = self.status()
        if after in (PrinterStatus.PAPER_OUT, PrinterStatus.COVER_OPEN):
            # The job may be cut short; keeping it costs at most a duplicate slip.
            raise PrinterNotReady(f"printer {self.target} became {after} during the job", after)
        log.info("printed %s job %s (%d bytes)", receipt.kind, receipt.job_id, len(data))
        return data


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160]
