"""Assisted checks record who unlocked them; wrong PINs lock the staff gate."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from config.settings import TechnicianSettings
from kiosk.technician.gate import LockedOut, TechnicianError
from kiosk.technician.pin import hash_pin
from kiosk.technician.staff import SHARED_STAFF_ID, StaffGate, parse_staff

FAST = 1_000  # PBKDF2 iterations for tests: the format is the same, the cost is not


def settings(**changes: object) -> TechnicianSettings:
    base = TechnicianSettings(pin_hash=hash_pin("999999", iterations=FAST))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_each_staff_member_is_recorded_by_number(tmp_path: Path) -> None:
    staff = (
        f"0107:{hash_pin('111111', iterations=FAST)}",
        f"0212:{hash_pin('222222', iterations=FAST)}",
    )
    gate = StaffGate(settings(staff=staff), state_dir=tmp_path)
    assert gate.identify("222222") == "0212"
    assert gate.identify("111111") == "0107"
    assert gate.identify("999999") is None  # with a staff list the technician PIN is not staff


def test_shared_staff_pin_unlocks_as_staff(tmp_path: Path) -> None:
    gate = StaffGate(
        settings(staff_pin_hash=hash_pin("424242", iterations=FAST)), state_dir=tmp_path
    )
    assert gate.identify("424242") == SHARED_STAFF_ID
    assert gate.identify("999999") is None


def test_wrong_pins_lock_the_gate_across_restarts(tmp_path: Path) -> None:
    now = [1000.0]
    config = settings(max_attempts=2, lockout_s=60)
    gate = StaffGate(config, state_dir=tmp_path, clock=lambda: now[0])
    assert gate.identify("000000") is None
    assert gate.identify("000001") is None
    with pytest.raises(LockedOut):
        gate.identify("999999")
    reopened = StaffGate(config, state_dir=tmp_path, clock=lambda: now[0])
    with pytest.raises(LockedOut):
        reopened.identify("999999")
    now[0] += 61
    assert reopened.identify("999999") == SHARED_STAFF_ID


@pytest.mark.parametrize("entry", ["0107", ":pbkdf2_sha256$1$00$00", "0107:plain"])
def test_malformed_staff_entries_are_refused(entry: str) -> None:
    with pytest.raises(TechnicianError, match="hash-pin"):
        parse_staff((entry,))
