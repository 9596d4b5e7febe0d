"""The technician / staff PIN gate: right and wrong PINs, lockout, restart, damaged state."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from config.settings import TechnicianSettings
from kiosk.technician.gate import LockedOut, PinGate, TechnicianError
from kiosk.technician.pin import hash_pin

FAST = 1_000  # PBKDF2 iterations: the real 200k would only slow the tests down


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def gate(clock: Clock, state_file: Path | None = None, attempts: int = 3) -> PinGate:
    return PinGate(
        hash_pin("135790", iterations=FAST),
        max_attempts=attempts,
        lockout_s=300,
        state_file=state_file,
        clock=clock,
    )


def test_default_settings_accept_the_documented_pin() -> None:
    g = PinGate.technician(TechnicianSettings())
    assert g.check("246810")
    assert not g.check("246811")
    assert g.attempts_left() == TechnicianSettings().max_attempts - 1


def test_staff_gate_falls_back_to_the_technician_pin_and_prefers_its_own() -> None:
    settings = replace(TechnicianSettings(), pin_hash=hash_pin("111111", iterations=FAST))
    assert PinGate.staff(settings).check("111111")
    own = replace(settings, staff_pin_hash=hash_pin("222222", iterations=FAST))
    staff = PinGate.staff(own)
    assert staff.check("222222")
    assert not staff.check("111111")


def test_lockout_after_max_failures_refuses_even_the_right_pin(clock: Clock) -> None:
    g = gate(clock)
    assert [g.check("000000") for _ in range(3)] == [False, False, False]
    with pytest.raises(LockedOut) as info:
        g.check("135790")
    assert info.value.remaining_s == pytest.approx(300)
    clock.now += 299
    assert g.remaining_lockout_s() == pytest.approx(1)
    with pytest.raises(LockedOut):
        g.check("135790")
    clock.now += 1.5
    assert g.remaining_lockout_s() == 0
    assert g.check("135790")
    assert g.attempts_left() == 3


def test_a_right_pin_clears_the_failure_count(clock: Clock) -> None:
    g = gate(clock)
    assert not g.check("1")
    assert not g.check("2")
    assert g.check("135790")
    assert not g.check("3")
    assert not g.check("4")
    assert g.attempts_left() == 1


def test_after_a_lockout_the_count_starts_afresh(clock: Clock) -> None:
    g = gate(clock)
    for _ in range(3):
        g.check("9")
    clock.now += 301
    assert not g.check("9")  # one failure after the lockout does not lock again
    assert g.attempts_left() == 2


def test_empty_pin_is_a_failure(clock: Clock) -> None:
    g = gate(clock)
    assert not g.check("")
    assert g.attempts_left() == 2


def test_lockout_survives_a_restart(clock: Clock, tmp_path: Path) -> None:
    state = tmp_path / "gate.json"
    g = gate(clock, state)
    for _ in range(3):
        g.check("0")
    restarted = gate(clock, state)
    with pytest.raises(LockedOut):
        restarted.check("135790")
    assert json.loads(state.read_text())["failures"] == 3


def test_damaged_state_file_locks_rather_than_unlocks(clock: Clock, tmp_path: Path) -> None:
    state = tmp_path / "gate.json"
    state.write_text("{not json")
    g = gate(clock, state)
    with pytest.raises(LockedOut):
        g.check("135790")


def test_state_dir_names_one_file_per_gate(clock: Clock, tmp_path: Path) -> None:
    settings = replace(TechnicianSettings(), pin_hash=hash_pin("5", iterations=FAST))
    tech = PinGate.technician(settings, state_dir=tmp_path, clock=clock)
    staff = PinGate.staff(settings, state_dir=tmp_path, clock=clock)
    tech.check("4")
    staff.check("5")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "staff-pin-gate.json",
        "technician-pin-gate.json",
    ]


def test_pins_never_reach_the_log(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    g = gate(clock)
    g.check("864209")
    g.check("135790")
    assert caplog.records
    assert "864209" not in caplog.text
    assert "135790" not in caplog.text


def test_zero_attempts_is_refused() -> None:
    with pytest.raises(TechnicianError):
        PinGate("x", max_attempts=0, lockout_s=10)
