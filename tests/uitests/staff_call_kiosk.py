"""Child process for the staff call test: a whole kiosk (KioskRuntime: real screens offscreen,
the real controller, voice and chime, the outbox and an embedded platform over HTTP) where a
resident presses 呼叫工作人员 on the welcome screen and a staff member answers with their PIN.

    python staff_call_kiosk.py DATA_DIR [--answer-after-rings N] [--quiet-s S] [--interval-s S]

Runs in its own process so that Qt's audio backend starts against the PulseAudio server the
test gives it (PULSE_SERVER). Prints one JSON object: wall-clock times (time.time()) of the
call, of each ring, of the answer; what the help screen said; the platform's staff_calls rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QPushButton

from config import load_settings
from kiosk.app import KioskRuntime
from kiosk.flow import Step
from kiosk.technician.pin import hash_pin

PIN = "135790"


def wait_until(app: QApplication, done: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if done():
            return True
        time.sleep(0.01)
    return done()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--answer-after-rings", type=int, default=2)
    parser.add_argument("--quiet-s", type=float, default=7.0)
    parser.add_argument("--interval-s", type=float, default=3.0)
    args = parser.parse_args()

    app = QApplication([])
    base = load_settings()
    settings = dataclasses.replace(
        base,
        terminal=dataclasses.replace(base.terminal, data_dir=args.data_dir),
        ui=dataclasses.replace(base.ui, fullscreen=False),
        staff_call=dataclasses.replace(base.staff_call, chime_interval_s=args.interval_s),
        technician=dataclasses.replace(base.technician, staff=(f"0107:{hash_pin(PIN)}",)),
    )
    rt = KioskRuntime.build(settings)
    out: dict[str, object] = {}
    try:
        rt.window.resize(1920, 1080)
        rt.window.show()
        rt.start()
        desk, flow = rt.controller.staff, rt.controller.flow
        assert desk is not None and desk.chime is not None
        chime = desk.chime
        rings: list[float] = []
        chime.rang.connect(lambda: rings.append(time.time()))  # type: ignore[attr-defined]
        wait_until(app, lambda: False, 1.5)  # settle: the welcome screen is up

        def tap(name: str) -> None:
            button = rt.window.current_screen().findChild(QPushButton, name)
            assert button is not None, f"no {name} on {flow.step}"
            button.click()

        out["called_at"] = time.time()
        tap("call_staff")
        screen = rt.window.current_screen()
        out["help_title"] = screen.title.raw_text()
        out["help_body"] = screen.body.raw_text()
        out["notified"] = desk.notified
        wait_until(app, lambda: len(rings) >= args.answer_after_rings, 30)
        out["pin_typed_at"] = time.time()
        tap("staff_unlock")
        for digit in PIN:
            tap(f"pin_{digit}")
        tap("pin_ok")
        wait_until(app, lambda: desk.call_open is None and flow.step is Step.IDLE, 10)
        out["answered_at"] = time.time()
        out["step_after"] = str(flow.step)
        wait_until(app, lambda: False, args.quiet_s)  # the chime must stay silent now
        out["rings"] = rings
        out["interval_s"] = args.interval_s
        db = args.data_dir / "central.db"

        def filed() -> list[tuple[object, ...]]:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                return conn.execute(
                    "SELECT call_id, terminal_id, service_point, reason, outcome, answer_s, "
                    "answered_by, called_at, ended_at FROM staff_calls"
                ).fetchall()

        # The records go out through the outbox (the sync worker, over HTTP).
        wait_until(app, lambda: [r[4] for r in filed()] == ["answered"], 30)
        out["platform_rows"] = filed()
        out["outbox"] = rt.store.status()
    finally:
        rt.shutdown()
    print(json.dumps(out, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
