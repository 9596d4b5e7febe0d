"""Python's cyclic garbage collector runs on whichever thread allocates when a threshold is
crossed: the sync worker, the embedded platform's server thread, a device thread. If the
garbage holds Qt objects made on the GUI thread, destroying them there crashes the process
(seen here as a segfault "Garbage-collecting" on the platform's thread). So while the kiosk
runs, automatic collection is off and the GUI thread collects on a timer, generation by
generation with the usual thresholds (the pattern PyQt applications such as Spyder use).
"""

from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)
INTERVAL_MS = 500


class MainThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._threshold = gc.get_threshold()
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Collect everything now, on this (the GUI) thread, and hand collection back."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> None:
        count0, count1, count2 = gc.get_count()
        if count0 <= self._threshold[0]:
            return
        gc.collect(0)
        if count1 > self._threshold[1]:
            gc.collect(1)
            if count2 > self._threshold[2]:
                gc.collect(2)
