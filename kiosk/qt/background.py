"""Short blocking jobs (a PIN's PBKDF2, a file read) off the GUI thread, answered by signal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from devices.worker import DeviceWorker

log = logging.getLogger(__name__)


class Background(QObject):
    """Runs `fn()` on thread `kiosk-background`; `on_done(result_or_exception)` on the GUI."""

    _finished = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = DeviceWorker("background", thread_prefix="kiosk-")
        self._finished.connect(lambda callback, result: callback(result))

    def start(self) -> None:
        self._worker.start()

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self._worker.submit(self._call, fn, on_done)

    def shutdown(self) -> None:
        self._worker.stop()

    def _call(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        try:
            result: Any = fn()
        except Exception as exc:  # handed to the GUI side, which decides what to show
            result = exc
        self._finished.emit(on_done, result)
