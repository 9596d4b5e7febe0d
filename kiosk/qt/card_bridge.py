"""The card reader on its own device thread; its events reach the GUI as a queued signal.

Every change of the reader's state is signalled, starting with the first one: a reader that
is missing when the kiosk boots is reported as NO_READER, not taken for granted as "nothing
changed yet".

Watching again while the reader is down (a resident's Retry on the fault screen) reports the
down state again: the flow hears at once that the reader is still missing, instead of
waiting on the place-your-card screen until its time limit.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from devices.card_reader.base import (
    CardInserted,
    CardReader,
    CardRemoved,
    ReaderState,
    ReaderStateChanged,
    ReaderUnavailable,
)
from devices.worker import DeviceWorker

log = logging.getLogger(__name__)
REOPEN_PAUSE_S = 1.0
READER_DOWN = frozenset({ReaderState.NO_READER, ReaderState.SERVICE_DOWN, ReaderState.ERROR})


class CardReaderBridge(QObject):
    """Owns a CardReader on thread `device-card_reader`. `card_event` carries CardEvent objects."""

    card_event = Signal(object)

    def __init__(self, reader: CardReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reader = reader
        self._watching = threading.Event()
        self._stop = threading.Event()
        self._opened = False
        self._present: CardInserted | None = None  # a card already lying on the reader
        self.state = ReaderState.NO_READER  # what views show until the first report
        self._signalled: ReaderStateChanged | None = None  # the last state sent; None: none yet
        self._worker = DeviceWorker("card_reader", idle=self._step)

    def start(self) -> None:
        self._worker.start()

    def start_watching(self) -> None:
        """Report cards from now on, starting with one already lying on the reader (or the
        reader's down state, when it still is)."""
        self._watching.set()
        self._worker.submit(self._replay_present)

    def stop_watching(self) -> None:
        self._watching.clear()

    def shutdown(self) -> None:
        self._stop.set()
        self._watching.clear()
        self._worker.close_and_stop(self._close)

    # -- on the device thread ---------------------------------------------------------------
    def _step(self) -> None:
        if self._stop.is_set():
            self._stop.wait(0.05)
            return
        if not self._opened and not self._open():
            self._stop.wait(REOPEN_PAUSE_S)
            return
        event = self.reader.wait_event(0.2)
        if event is None:
            return
        if isinstance(event, ReaderStateChanged):
            self.state, self._signalled = event.state, event
        elif isinstance(event, CardInserted):
            self._present = event
        elif isinstance(event, CardRemoved):
            self._present = None
        if self._watching.is_set() or isinstance(event, ReaderStateChanged):
            self.card_event.emit(event)

    def _replay_present(self) -> None:
        if not self._watching.is_set():
            return
        if self._signalled is not None and self._signalled.state in READER_DOWN:
            self.card_event.emit(self._signalled)  # still down: say so again
        elif self._present is not None:
            self.card_event.emit(self._present)

    def _open(self) -> bool:
        try:
            self.reader.open()
        except ReaderUnavailable as exc:
            if self._signalled is None or self._signalled.state is not ReaderState.NO_READER:
                self._signalled = ReaderStateChanged(ReaderState.NO_READER, str(exc))
                self.state = ReaderState.NO_READER
                self.card_event.emit(self._signalled)
            return False
        self._opened = True
        return True

    def _close(self) -> None:
        self._present = None
        if self._opened:
            self.reader.close()
            self._opened = False
