"""The staff call through the whole kiosk (KioskRuntime, real screens offscreen, the embedded
platform over HTTP): the resident cancels a call, the deployer's hook gets the reason, and the
help screen says what really happened. No audio device here, so no chime: the hook alone
tells staff (tests/uitests/test_staff_call_audio.py hears the chime on a real sink)."""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton

from config import load_settings
from kiosk.app import KioskRuntime

pytestmark = pytest.mark.slow

WRITE_ARGS = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + chr(10))"


def runtime(qtbot, tmp_path: Path, hook: tuple[str, ...]) -> KioskRuntime:
    base = load_settings()
    settings = dataclasses.replace(
        base,
        terminal=dataclasses.replace(base.terminal, data_dir=tmp_path / "data"),
        ui=dataclasses.replace(base.ui, fullscreen=False),
        voice=dataclasses.replace(base.voice, enabled=False),
        staff_call=dataclasses.replace(base.staff_call, hook=hook),
    )
    rt = KioskRuntime.build(settings)
    qtbot.addWidget(rt.window)
    rt.window.resize(1080, 1920)  # portrait: the other orientation than the audio test
    rt.window.show()
    rt.start()
    return rt


@pytest.fixture
def hooked(qtbot, tmp_path: Path) -> Iterator[tuple[KioskRuntime, Path]]:
    said = tmp_path / "hook.txt"
    rt = runtime(qtbot, tmp_path, (sys.executable, "-c", WRITE_ARGS, str(said)))
    yield rt, said
    rt.shutdown()


def tap(rt: KioskRuntime, name: str) -> None:
    button = rt.window.current_screen().findChild(QPushButton, name)
    assert button is not None, f"no {name} on {rt.controller.flow.step}"
    button.click()


def platform_calls(rt: KioskRuntime) -> list[tuple[str, str]]:
    db = rt.data_dir / "central.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT reason, outcome FROM staff_calls").fetchall()


def test_the_resident_cancels_and_the_platform_sees_the_call_cancelled(
    qtbot, hooked: tuple[KioskRuntime, Path]
) -> None:
    rt, said = hooked
    tap(rt, "service_pension_check")
    qtbot.waitUntil(lambda: str(rt.controller.flow.step) == "read_card", timeout=5000)
    tap(rt, "call_staff")
    screen = rt.window.current_screen()
    assert screen.title.raw_text() == "已通知工作人员"  # the hook is wired and did not fail
    qtbot.waitUntil(said.exists, timeout=10_000)
    assert said.read_text() == "resident\n"
    # The platform shows the call open while it is open.
    qtbot.waitUntil(lambda: platform_calls(rt) == [("resident", "open")], timeout=30_000)
    tap(rt, "help_dismiss")  # 我不需要帮助了
    assert str(rt.controller.flow.step) == "read_card"  # back where the resident was
    qtbot.waitUntil(lambda: platform_calls(rt) == [("resident", "cancelled")], timeout=30_000)


def test_without_chime_or_hook_the_help_screen_points_to_the_window(qtbot, tmp_path: Path) -> None:
    rt = runtime(qtbot, tmp_path, ())
    try:
        tap(rt, "call_staff")
        screen = rt.window.current_screen()
        said = screen.title.raw_text() + screen.body.raw_text()
        assert "窗口找工作人员" in said and "已通知" not in said
        # Still recorded: the platform sees that a resident needed staff here.
        qtbot.waitUntil(lambda: platform_calls(rt) == [("resident", "open")], timeout=30_000)
    finally:
        rt.shutdown()


def test_a_failing_hook_turns_the_help_screen_honest(qtbot, tmp_path: Path) -> None:
    rt = runtime(qtbot, tmp_path, ("sh", "-c", "exit 7", "hook"))
    try:
        tap(rt, "call_staff")
        assert rt.window.current_screen().title.raw_text() == "已通知工作人员"  # not known yet
        qtbot.waitUntil(
            lambda: rt.window.current_screen().title.raw_text() == "请找工作人员帮忙",
            timeout=10_000,
        )
    finally:
        rt.shutdown()
