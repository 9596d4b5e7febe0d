"""The hidden gesture that opens technician mode, and the touch watch that closes a forgotten
technician screen. Event filters only: neither ever swallows an event."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget

from kiosk.technician.status import TapCounter

CORNER_PX = 160
GESTURE_TAPS = 5
GESTURE_WINDOW_S = 4.0


class CornerGesture(QObject):
    """Emits `triggered` after the hidden tap sequence in the window's top-right corner.

    An event filter on the window: presses on labels and empty areas propagate up to it;
    buttons take their own presses, and the welcome screen has none in that corner.
    """

    triggered = Signal()

    def __init__(
        self,
        window: QWidget,
        *,
        corner_px: int = CORNER_PX,
        taps: int = GESTURE_TAPS,
        window_s: float = GESTURE_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._corner = corner_px
        self._counter = TapCounter(taps, window_s)
        self._clock = clock
        window.installEventFilter(self)

    def remove(self) -> None:
        self._window.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._window and event.type() == QEvent.Type.MouseButtonPress:
            pos = event.position().toPoint()  # type: ignore[attr-defined]
            in_corner = pos.x() >= self._window.width() - self._corner and pos.y() < self._corner
            if in_corner and self._counter.tap(self._clock()):
                self.triggered.emit()
        return False  # never swallow the press: the screen under it still gets it


class ActivityWatch(QObject):
    """While installed on the application, calls `touched` on every press or key."""

    KINDS = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress})

    def __init__(self, touched: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._touched = touched

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in self.KINDS:
            self._touched()
        return False
