"""Who unlocked an assisted check (帮办): staff PINs with the technician gate's lockout.

Each staff member has their own PIN (`technician.staff = ["0107:pbkdf2_sha256$..."]`), so the
case records the staff number. Without a list, the shared staff PIN (or the technician PIN)
unlocks as "staff".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from config.settings import TechnicianSettings
from kiosk.technician.gate import PinGate, TechnicianError
from kiosk.technician.pin import verify_pin

SHARED_STAFF_ID = "staff"


def parse_staff(entries: tuple[str, ...]) -> dict[str, str]:
    """{"0107": "pbkdf2_sha256$..."}; a malformed entry is a configuration mistake."""
    staff: dict[str, str] = {}
    for entry in entries:
        number, sep, pin_hash = entry.partition(":")
        if not sep or not number.strip() or not pin_hash.startswith("pbkdf2_sha256$"):
            raise TechnicianError(
                'technician.staff entries look like "0107:pbkdf2_sha256$..." '
                "(make the hash with: kiosk config hash-pin)"
            )
        staff[number.strip()] = pin_hash
    return staff


class StaffGate(PinGate):
    """`identify(pin)` -> the staff number, None for a wrong PIN; raises LockedOut."""

    def __init__(
        self,
        settings: TechnicianSettings,
        *,
        state_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        shared = settings.staff_pin_hash or settings.pin_hash
        super().__init__(
            shared,
            max_attempts=settings.max_attempts,
            lockout_s=settings.lockout_s,
            state_file=state_dir / "staff-pin-gate.json" if state_dir is not None else None,
            clock=clock,
            name="staff",
        )
        self._staff = parse_staff(settings.staff)
        self._matched = ""

    def identify(self, pin: str) -> str | None:
        return self._matched if self.check(pin) else None

    def _matches(self, pin: str) -> bool:
        for number, pin_hash in self._staff.items():
            if verify_pin(pin, pin_hash):
                self._matched = number
                return True
        if not self._staff and verify_pin(pin, self._hash):
            self._matched = SHARED_STAFF_ID
            return True
        return False
