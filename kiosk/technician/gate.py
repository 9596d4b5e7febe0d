"""The PIN gate in front of technician mode and the assisted check (帮办). No Qt.

After `max_attempts` wrong PINs in a row the gate locks for `lockout_s`: while locked no PIN is
even checked (a right one included), so guessing costs the full lockout each round. A right
PIN clears the count. With a `state_file` the count and the lockout survive a restart (pulling
the plug must not reset the lockout); without one they live in memory.

Verifying costs one PBKDF2 (about 0.1-0.3 s): callers on the GUI thread run `check` in a worker.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from config.settings import TechnicianSettings
from kiosk.errors import KioskError
from kiosk.technician.pin import verify_pin

log = logging.getLogger(__name__)


class TechnicianError(KioskError):
    """The technician gate failed or refused."""


class LockedOut(TechnicianError):
    """Too many wrong PINs: no PIN is checked until the lockout ends."""

    def __init__(self, remaining_s: float) -> None:
        super().__init__(f"locked out for another {remaining_s:.0f} s")
        self.remaining_s = remaining_s


@dataclass(frozen=True)
class GateState:
    failures: int = 0
    locked_until: float = 0.0  # clock() time; 0 = not locked


class PinGate:
    """Checks a PIN against a PBKDF2 hash with lockout after repeated failures."""

    def __init__(
        self,
        pin_hash: str,
        *,
        max_attempts: int,
        lockout_s: float,
        state_file: Path | None = None,
        clock: Callable[[], float] = time.time,
        name: str = "technician",
    ) -> None:
        if max_attempts < 1:
            raise TechnicianError("max_attempts must be at least 1")
        self._hash = pin_hash
        self._max = max_attempts
        self._lockout_s = float(lockout_s)
        self._file = state_file
        self._clock = clock
        self._name = name
        self._lock = threading.Lock()
        self._state = self._load()

    @classmethod
    def technician(
        cls,
        settings: TechnicianSettings,
        *,
        state_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> PinGate:
        return cls._make(settings, settings.pin_hash, "technician", state_dir, clock)

    @classmethod
    def staff(
        cls,
        settings: TechnicianSettings,
        *,
        state_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> PinGate:
        """The assisted-check gate: the staff PIN, or the technician PIN when none is set."""
        pin_hash = settings.staff_pin_hash or settings.pin_hash
        return cls._make(settings, pin_hash, "staff", state_dir, clock)

    @classmethod
    def _make(
        cls,
        settings: TechnicianSettings,
        pin_hash: str,
        name: str,
        state_dir: Path | None,
        clock: Callable[[], float],
    ) -> PinGate:
        state_file = state_dir / f"{name}-pin-gate.json" if state_dir is not None else None
        return cls(
            pin_hash,
            max_attempts=settings.max_attempts,
            lockout_s=settings.lockout_s,
            state_file=state_file,
            clock=clock,
            name=name,
        )

    # -- public ----------------------------------------------------------------------------
    def remaining_lockout_s(self) -> float:
        with self._lock:
            return max(0.0, self._state.locked_until - self._clock())

    def attempts_left(self) -> int:
        with self._lock:
            return self._max - self._state.failures

    def check(self, pin: str) -> bool:
        """True for the right PIN; False for a wrong one; raises LockedOut while locked."""
        with self._lock:
            now = self._clock()
            state = self._state
            if state.locked_until > now:
                raise LockedOut(state.locked_until - now)
            if state.locked_until:  # the lockout has run out: a fresh count
                state = GateState()
            ok = bool(pin) and self._matches(pin)
            if ok:
                state = GateState()
                log.info("%s PIN accepted", self._name)
            else:
                failures = state.failures + 1
                locked_until = now + self._lockout_s if failures >= self._max else 0.0
                state = GateState(failures, locked_until)
                # The PIN itself is never logged.
                log.warning("%s PIN rejected (%d/%d)", self._name, failures, self._max)
                if locked_until:
                    log.warning("%s PIN locked for %.0f s", self._name, self._lockout_s)
            self._state = state
            self._save()
            return ok

    def _matches(self, pin: str) -> bool:
        return verify_pin(pin, self._hash)

    # -- persistence -----------------------------------------------------------------------
    def _load(self) -> GateState:
        if self._file is None or not self._file.exists():
            return GateState()
        try:
            data = json.loads(self._file.read_text())
            return GateState(int(data["failures"]), float(data["locked_until"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # A damaged state file must not unlock the gate: start locked instead.
            log.error("%s PIN gate state unreadable (%s): locking", self._name, exc)
            return GateState(self._max, self._clock() + self._lockout_s)

    def _save(self) -> None:
        if self._file is None:
            return
        data = {"failures": self._state.failures, "locked_until": self._state.locked_until}
        tmp = self._file.with_suffix(".tmp")
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(data))
            os.replace(tmp, self._file)
        except OSError as exc:
            log.error("%s PIN gate state not saved: %s", self._name, exc)
