"""Target URLs, DLE EOT status bytes, and a serial printer on a real pseudo-terminal."""

from __future__ import annotations

import os
import select
import threading
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
from escpos.printer import CupsPrinter, Usb

from devices.printer import status as dle
from devices.printer.base import PrinterError, PrinterNotReady, PrinterStatus
from devices.printer.escpos_backend import EscposPrinter
from devices.printer.escpos_render import RenderOptions
from devices.printer.layout import Receipt, Text
from devices.printer.target import InvalidTarget, Target, parse_target


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("usb://0416:5011", Target("usb", vendor_id=0x0416, product_id=0x5011)),
        ("serial:///dev/ttyUSB0?baud=9600", Target("serial", path="/dev/ttyUSB0", baud=9600)),
        ("serial:///dev/ttyS1", Target("serial", path="/dev/ttyS1", baud=115200)),
        ("tcp://192.168.1.50:9100", Target("tcp", host="192.168.1.50", port=9100)),
        ("tcp://printer.local", Target("tcp", host="printer.local", port=9100)),
        ("file:///dev/usb/lp0", Target("file", path="/dev/usb/lp0")),
        ("cups://POS-80", Target("cups", path="POS-80")),
    ],
)
def test_targets_parse(text: str, target: Target) -> None:
    assert parse_target(text) == target
    assert parse_target(str(target)) == target


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("lpt://1", "scheme"),
        ("usb://04g6:5011", "hex"),
        ("usb://0416", "hex"),
        ("serial:///dev/ttyUSB0?baud=12345", "baud"),
        ("serial://", "no serial device"),
        ("tcp://:9100", "no host"),
        ("tcp://host:99999", "bad port"),
        ("file://", "no file path"),
        ("cups://", "no CUPS queue"),
    ],
)
def test_bad_targets_say_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(InvalidTarget, match=why):
        parse_target(text)


@pytest.mark.parametrize("state", [s for s in PrinterStatus if s is not PrinterStatus.UNKNOWN])
def test_status_bytes_decode_to_the_state_they_encode(state: PrinterStatus) -> None:
    replies = dle.replies_for(state)
    assert all(dle.is_status_byte(b) for b in replies)
    assert dle.decode(*replies) is state


def test_bytes_that_are_not_status_replies_read_unknown() -> None:
    assert dle.decode(0x00, 0x12, 0x12) is PrinterStatus.UNKNOWN
    assert dle.decode(0x12, 0xFF, 0x12) is PrinterStatus.UNKNOWN


@pytest.mark.skipif(Usb.is_usable(), reason="pyusb is installed here")
def test_usb_without_pyusb_is_a_clear_error() -> None:
    printer = EscposPrinter(parse_target("usb://0416:5011"), RenderOptions())
    with pytest.raises(PrinterError, match="pyusb"):
        printer.open()


@pytest.mark.skipif(CupsPrinter.is_usable(), reason="pycups is installed here")
def test_cups_without_pycups_is_a_clear_error() -> None:
    with pytest.raises(PrinterError, match="pycups"):
        EscposPrinter(parse_target("cups://POS-80"), RenderOptions()).open()


def test_a_missing_serial_port_is_offline() -> None:
    printer = EscposPrinter(parse_target("serial:///dev/ttyNOPE9?baud=9600"), RenderOptions())
    with pytest.raises(PrinterNotReady) as missing:
        printer.open()
    assert missing.value.status is PrinterStatus.OFFLINE


class PtyPrinter:
    """The printer end of a pseudo-terminal: captures bytes and answers DLE EOT."""

    def __init__(self, state: PrinterStatus) -> None:
        self.state = state
        self.master, slave = os.openpty()
        tty.setraw(slave)  # no line discipline between the two ends
        self.path = os.ttyname(slave)
        self._slave = slave
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="kiosk-fake-serial-printer")
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            self.received += chunk
            for request in dle.QUERIES:
                if chunk.endswith(request):
                    printer, cause, paper = dle.replies_for(self.state)
                    reply = {dle.PRINTER_STATUS: printer, dle.OFFLINE_CAUSE: cause}
                    os.write(self.master, bytes((reply.get(request, paper),)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        os.close(self.master)
        os.close(self._slave)


@pytest.fixture
def pty_printer() -> Iterator[PtyPrinter]:
    fake = PtyPrinter(PrinterStatus.READY)
    yield fake
    fake.stop()


def test_serial_printer_status_and_print_over_a_pty(
    pty_printer: PtyPrinter, tmp_path: Path
) -> None:
    printer = EscposPrinter(
        parse_target(f"serial://{pty_printer.path}?baud=115200"),
        RenderOptions(384),
        timeout_s=2.0,
        status_timeout_s=0.5,
    )
    printer.open()
    try:
        assert printer.status() is PrinterStatus.READY
        pty_printer.state = PrinterStatus.PAPER_LOW
        assert printer.status() is PrinterStatus.PAPER_LOW
        sent = printer.print_receipt(Receipt("test_page", "serial-1", (Text("串口打印"),)))
        pty_printer.state = PrinterStatus.COVER_OPEN
        with pytest.raises(PrinterNotReady) as refused:
            printer.print_receipt(Receipt("test_page", "serial-2", (Text("盖子开着"),)))
        assert refused.value.status is PrinterStatus.COVER_OPEN
    finally:
        printer.close()
    assert "串口打印".encode("gb18030") in pty_printer.received
    assert sent[-16:] in pty_printer.received
    assert "盖子开着".encode("gb18030") not in pty_printer.received
