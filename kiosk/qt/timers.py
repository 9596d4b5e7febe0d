"""Named single-shot timers for the flow's StartTimer/CancelTimer commands."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal


class FlowTimers(QObject):
    expired = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timers: dict[str, QTimer] = {}
        self.scale = 1.0  # tests and the demo shrink time; the kiosk never does

    def start(self, name: str, seconds: float) -> None:
        timer = self._timers.get(name)
        if timer is None:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda n=name: self.expired.emit(n))
            self._timers[name] = timer
        timer.start(max(1, int(seconds * 1000 * self.scale)))

    def cancel(self, name: str) -> None:
        timer = self._timers.get(name)
        if timer is not None:
            timer.stop()

    def active(self, name: str) -> bool:
        timer = self._timers.get(name)
        return timer is not None and timer.isActive()

    def remaining_s(self, name: str) -> float | None:
        """Real seconds until `name` fires (None: not running); tests wait on this."""
        timer = self._timers.get(name)
        if timer is None or not timer.isActive():
            return None
        return timer.remainingTime() / 1000

    def cancel_all(self) -> None:
        for timer in self._timers.values():
            timer.stop()
