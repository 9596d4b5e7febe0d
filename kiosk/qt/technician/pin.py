"""The technician PIN in the running kiosk: the keypad in the window's stack, the check on the
off-GUI runner (PBKDF2 takes ~0.1 s; the gate's lockout state is a file), and the gate's
answer in words. A right PIN calls `accepted`; a forgotten keypad gives the kiosk back to
residents after PIN_ENTRY_TIMEOUT_MS.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer

from kiosk.qt.runner import Done, Failed, OffGuiRunner, Result
from kiosk.qt.technician.view import text
from kiosk.technician.gate import LockedOut, PinGate
from screens.pin_entry import PinEntry
from screens.window import KioskWindow

log = logging.getLogger(__name__)

PIN_ENTRY_TIMEOUT_MS = 60_000  # a forgotten PIN entry gives the kiosk back to residents


@dataclass(frozen=True)
class PinVerdict:
    """The gate's answer to one PIN (a lockout in force comes back as Failed(LockedOut))."""

    accepted: bool
    attempts_left: int
    lockout_s: float  # > 0: that was the last try, the gate is locked now


def check_pin(gate: PinGate, pin: str) -> PinVerdict:
    """On the worker thread."""
    accepted = gate.check(pin)
    return PinVerdict(accepted, gate.attempts_left(), gate.remaining_lockout_s())


class PinPrompt(QObject):
    """The keypad, shown by `open`, gone on `cancel`, on its timeout or on the right PIN."""

    def __init__(
        self,
        gate: PinGate,
        window: KioskWindow,
        runner: OffGuiRunner,
        *,
        accepted: Callable[[], None],
        cancelled: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.gate, self._window, self._runner = gate, window, runner
        self._accepted, self._cancelled = accepted, cancelled
        self.entry: PinEntry | None = None
        self._shown = False
        self.timer = QTimer(self)
        self.timer.setInterval(PIN_ENTRY_TIMEOUT_MS)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.cancel)

    @property
    def showing(self) -> bool:
        return self._shown and self.entry is not None

    def open(self) -> None:
        entry = self._entry()
        entry.reset()
        self._shown = True
        self._window.setCurrentWidget(entry)
        self.timer.start()
        log.info("technician PIN entry opened")

    def cancel(self) -> None:
        if self.showing:
            self._close()
            self._cancelled()

    def _close(self) -> None:
        self._shown = False
        self.timer.stop()

    def _entry(self) -> PinEntry:
        if self.entry is None:
            self.entry = PinEntry()
            self.entry.submitted.connect(self._check)
            self.entry.cancelled.connect(self.cancel)
            self._window.addWidget(self.entry)
        return self.entry

    def _check(self, pin: str) -> None:
        entry = self._entry()
        entry.set_busy(True)
        entry.show_message(text("pin_checking"))
        self.timer.start()
        gate = self.gate
        self._runner.run(lambda: check_pin(gate, pin), self._checked)

    def _checked(self, result: Result[PinVerdict]) -> None:
        entry = self.entry
        if not self.showing or entry is None:
            return  # cancelled or timed out meanwhile
        entry.set_busy(False)
        match result:
            case Failed(LockedOut() as locked):
                entry.show_message(text("pin_locked", n=math.ceil(locked.remaining_s)))
            case Failed(error):
                log.error("technician PIN check failed: %s", error)
                entry.show_message(text("pin_error"))
            case Done(verdict) if verdict.accepted:
                self._close()
                self._accepted()
            case Done(verdict) if verdict.lockout_s > 0:  # that was the last try: locked now
                entry.show_message(text("pin_locked", n=math.ceil(verdict.lockout_s)))
            case Done(verdict):
                entry.show_message(text("pin_wrong", n=verdict.attempts_left))
