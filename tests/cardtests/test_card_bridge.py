"""The Qt bridge of the card reader: its first state is signalled, whatever it is.

Real CardReaderBridge on its device thread with real backends (simulated, and the GA 467
backend on a port that does not exist); signals waited on with qtbot, never slept for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from cardtests.sam_emulator import SamEmulator
from devices.card_reader.base import CardReader, ReaderState, ReaderStateChanged
from devices.card_reader.sam_serial import SamSerialCardReader
from devices.card_reader.simulated import SimulatedCardReader
from kiosk.qt.card_bridge import CardReaderBridge

WAIT_MS = 10_000


@pytest.fixture
def start_service(qtbot) -> Iterator[Callable[[CardReader], CardReaderBridge]]:
    services: list[CardReaderBridge] = []

    def start(reader: CardReader) -> CardReaderBridge:
        service = CardReaderBridge(reader)
        services.append(service)
        return service

    yield start
    for service in services:
        service.shutdown()


def _is_state(state: ReaderState) -> Callable[[object], bool]:
    return lambda event: isinstance(event, ReaderStateChanged) and event.state is state


def _first_state(qtbot, service: CardReaderBridge) -> ReaderStateChanged:
    with qtbot.waitSignal(
        service.card_event,
        timeout=WAIT_MS,
        check_params_cb=lambda event: isinstance(event, ReaderStateChanged),
    ) as blocker:
        service.start()
    event = blocker.args[0]
    assert isinstance(event, ReaderStateChanged)
    return event


def test_a_reader_missing_at_boot_is_signalled_as_no_reader(qtbot, start_service) -> None:
    reader = SimulatedCardReader(None, fault="unplugged")
    service = start_service(reader)
    first = _first_state(qtbot, service)
    assert first.state is ReaderState.NO_READER
    assert "unplugged" in first.detail
    assert service.state is ReaderState.NO_READER
    # Plugged in later: the recovery is signalled too.
    with qtbot.waitSignal(
        service.card_event, timeout=WAIT_MS, check_params_cb=_is_state(ReaderState.READY)
    ):
        reader.set_fault("none")
    assert service.state is ReaderState.READY


def test_a_serial_reader_missing_at_boot_is_signalled(qtbot, start_service) -> None:
    service = start_service(SamSerialCardReader("/dev/no-such-card-reader"))
    first = _first_state(qtbot, service)
    assert first.state is ReaderState.NO_READER
    assert "cannot open /dev/no-such-card-reader" in first.detail


def test_a_working_reader_signals_ready_first(qtbot, start_service, sam: SamEmulator) -> None:
    service = start_service(SamSerialCardReader(sam.port, read_timeout_s=0.5))
    assert _first_state(qtbot, service).state is ReaderState.READY
