"""Technician mode in a real running kiosk: gesture, PIN, panel, intents, leaving.

A real KioskRuntime with the demo settings (simulated devices, the demo clip, an embedded
central platform on loopback, real SQLite files), offscreen. Waits on conditions through
pytest-qt, never sleeps. The only thing replaced is QApplication.quit (leaving the test's
own application is the far edge: the test records the call instead).
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton, QWidget

from config import load_settings
from kiosk.app import KioskRuntime
from kiosk.demo import demo_settings
from kiosk.flow import Step
from kiosk.flow.commands import ShowScreen
from kiosk.pin import hash_pin
from kiosk.qt.technician_mode import CORNER_PX, TechnicianMode, text
from offline_queue.demo import demo_payload, face_jpeg

pytestmark = [pytest.mark.faces, pytest.mark.slow]

DEFAULT_PIN = "246810"
WAIT_MS = 30_000


def build(qtbot, tmp_path: Path, **technician: Any) -> KioskRuntime:
    base = load_settings()
    base = dataclasses.replace(base, voice=dataclasses.replace(base.voice, enabled=False))
    settings, _ = demo_settings(base, tmp_path)
    settings = dataclasses.replace(
        settings, technician=dataclasses.replace(settings.technician, **technician)
    )
    rt = KioskRuntime.build(settings)
    qtbot.addWidget(rt.window)
    rt.window.setFixedSize(1920, 1080)
    rt.window.show()
    return rt


@pytest.fixture
def runtime(qtbot, tmp_path: Path, testdata: Path) -> Iterator[KioskRuntime]:
    rt = build(qtbot, tmp_path)
    rt.start()
    yield rt
    rt.shutdown()


def tech(rt: KioskRuntime) -> TechnicianMode:
    assert rt.technician is not None
    return rt.technician


def corner_taps(qtbot, rt: KioskRuntime, count: int = 5) -> None:
    """Tap the top-right corner on whatever widget lies there (the press propagates up)."""
    window = rt.window
    point = QPoint(window.width() - CORNER_PX // 4, CORNER_PX // 4)
    target: QWidget = window.childAt(point) or window
    for _ in range(count):
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.mapFrom(window, point))


def click(parent: QWidget, name: str) -> None:
    button = parent.findChild(QPushButton, name)
    assert button is not None, f"no button {name}"
    button.click()


def type_pin(rt: KioskRuntime, pin: str) -> None:
    entry = tech(rt).pin_entry
    assert entry is not None and rt.window.currentWidget() is entry
    for digit in pin:
        click(entry, f"tech_pin_{digit}")
    click(entry, "tech_pin_ok")


def pin_message(rt: KioskRuntime) -> str:
    entry = tech(rt).pin_entry
    assert entry is not None
    return entry.message.text()


def open_panel(qtbot, rt: KioskRuntime, pin: str = DEFAULT_PIN) -> None:
    corner_taps(qtbot, rt)
    type_pin(rt, pin)
    qtbot.waitUntil(lambda: tech(rt).active, timeout=WAIT_MS)
    # The first view has arrived from the worker thread.
    qtbot.waitUntil(lambda: "queue" in tech(rt)._slow, timeout=WAIT_MS)


def press(rt: KioskRuntime, name: str) -> None:
    panel = tech(rt).panel
    assert panel is not None and rt.window.currentWidget() is panel
    panel.buttons[name].click()


def message(rt: KioskRuntime) -> str:
    panel = tech(rt).panel
    assert panel is not None
    return panel.message.text()


def test_gesture_and_pin_open_the_panel_with_live_states(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    log = rt.data_dir / rt.settings.logging.file
    log.parent.mkdir(parents=True, exist_ok=True)
    id_number = rt.settings.card_reader.simulated.id_number
    log.write_text(f"09:30:01 INFO kiosk.sync: 3 cases sent\n09:31:00 WARNING x: {id_number}\n")
    assert rt.window.currentWidget() is rt.window.screens[Step.IDLE]
    corner_taps(qtbot, rt, count=4)
    assert tech(rt).pin_entry is None  # four taps are not the gesture
    corner_taps(qtbot, rt, count=1)
    assert tech(rt).pin_entry is not None
    assert rt.window.currentWidget() is tech(rt).pin_entry
    type_pin(rt, DEFAULT_PIN)
    qtbot.waitUntil(lambda: rt.window.currentWidget() is tech(rt).panel, timeout=WAIT_MS)

    def live() -> None:
        devices = tech(rt).view()["devices"]
        assert devices["camera"]["state"] == "streaming"
        assert devices["card_reader"]["ok"]
        assert devices["platform"]["state"] == "online"

    qtbot.waitUntil(live, timeout=WAIT_MS)
    view = tech(rt).view()
    assert view["terminal_id"] == rt.settings.terminal.id
    assert view["registered"] is True  # the embedded platform registered the demo terminal
    assert len(view["backlog"]) == 7
    panel = tech(rt).panel
    assert panel is not None
    assert panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull()
    logs = panel.logs.toPlainText()
    assert "3 cases sent" in logs and id_number[:4] in logs and id_number not in logs
    config_text = panel.config_text.toPlainText()
    assert "technician.pin_hash = ********" in config_text
    assert rt.settings.technician.pin_hash not in config_text
    assert rt.controller.flow.step is Step.IDLE  # the flow was never told


def test_wrong_pins_lock_out_and_the_right_one_waits(qtbot, tmp_path: Path, testdata: Path) -> None:
    rt = build(
        qtbot,
        tmp_path,
        pin_hash=hash_pin("135790", iterations=1_000),
        max_attempts=2,
        lockout_s=60,
    )
    rt.start()
    try:
        corner_taps(qtbot, rt)
        type_pin(rt, "111111")
        wrong_once = text("pin_wrong", n=1)
        qtbot.waitUntil(lambda: pin_message(rt) == wrong_once, timeout=WAIT_MS)
        type_pin(rt, "222222")
        qtbot.waitUntil(lambda: "60" in pin_message(rt), timeout=WAIT_MS)
        assert pin_message(rt) == text("pin_locked", n=60)
        entry = tech(rt).pin_entry
        assert entry is not None
        type_pin(rt, "135790")  # the right PIN, but locked: not even checked
        assert not entry.keys["ok"].isEnabled()  # busy while the worker answers
        qtbot.waitUntil(entry.keys["ok"].isEnabled, timeout=WAIT_MS)
        assert pin_message(rt) in (text("pin_locked", n=60), text("pin_locked", n=59))
        assert not tech(rt).active
        state = json.loads((rt.data_dir / "technician-pin-gate.json").read_text())
        assert state["failures"] == 2 and state["locked_until"] > time.time()
        click(entry, "tech_pin_cancel")
        assert rt.window.currentWidget() is rt.window.screens[Step.IDLE]
    finally:
        rt.shutdown()


def test_test_print_produces_a_printed_job(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    open_panel(qtbot, rt)
    press(rt, "test_print")
    assert "test_print" in tech(rt).view()["busy"]
    qtbot.waitUntil(lambda: message(rt) == text("print_done"), timeout=WAIT_MS)
    assert rt.jobs is not None
    pages = [job for job in rt.jobs.jobs() if job.kind == "test_page"]
    assert len(pages) == 1 and pages[0].state == "printed"
    printed = list((rt.data_dir / "printer").glob("*.bin"))
    assert len(printed) == 1 and printed[0].stat().st_size > 500
    assert tech(rt).view()["devices"]["printer"]["state"] == "ready"
    assert "test_print" not in tech(rt).view()["busy"]


def _enqueue_case(rt: KioskRuntime) -> str:
    payload = demo_payload(random.Random(7), rt.settings.terminal.id)
    return rt.store.enqueue("pension_check", payload, {"best_frame.jpg": face_jpeg(7)}, test=True)


def test_sync_now_reaches_the_embedded_platform(qtbot, tmp_path: Path, testdata: Path) -> None:
    rt = build(qtbot, tmp_path)
    assert rt.sync is not None
    # The worker holds off (as after a failed attempt): only the technician's press sends.
    rt.sync._hold_until = time.time() + 3600
    rt.start()
    try:
        case_id = _enqueue_case(rt)
        open_panel(qtbot, rt)
        assert tech(rt).view()["queue"]["pending"] == 1
        panel = tech(rt).panel
        assert panel is not None and panel.queue_label.text().startswith("待同步 1 件")
        press(rt, "sync_now")
        qtbot.waitUntil(lambda: message(rt) == text("sync_done", n=0), timeout=WAIT_MS)
        assert rt.store.case_info(case_id)["status"] == "acked"
        assert tech(rt).view()["queue"]["pending"] == 0
        assert "sync_now" not in tech(rt).view()["busy"]
    finally:
        rt.shutdown()


def test_card_read_and_export_show_their_results(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    _enqueue_case(rt)  # the sync worker may or may not have sent it: the export says how many
    open_panel(qtbot, rt)
    press(rt, "test_card_read")
    read = text("card_read", name="张*英", id_number="")
    qtbot.waitUntil(lambda: message(rt).startswith(read), timeout=WAIT_MS)
    assert rt.settings.card_reader.simulated.id_number not in message(rt)
    press(rt, "export_bundle")
    qtbot.waitUntil(lambda: "export_bundle" not in tech(rt).view()["busy"], timeout=WAIT_MS)
    bundles = list((rt.data_dir / "exports").glob("*.kbundle.json"))
    assert len(bundles) == 1
    assert str(bundles[0]) in message(rt)


def test_leave_returns_to_welcome_and_exit_quits(qtbot, tmp_path: Path, testdata: Path) -> None:
    rt = build(qtbot, tmp_path)
    quits: list[bool] = []
    tech(rt)._quit = lambda: quits.append(True)  # the far edge: do not end the test's app
    rt.start()
    try:
        open_panel(qtbot, rt)
        press(rt, "leave_technician")
        assert rt.window.currentWidget() is rt.window.screens[Step.IDLE]
        assert not tech(rt).active
        assert tech(rt)._card_test is False
        # The welcome screen works as before.
        click(rt.window.current_screen(), "service_pension_check")
        assert rt.controller.flow.step is Step.READ_CARD
        click(rt.window.current_screen(), "back")
        qtbot.waitUntil(lambda: rt.controller.flow.step is Step.IDLE, timeout=WAIT_MS)
        open_panel(qtbot, rt)
        press(rt, "exit_to_desktop")
        assert quits == [True]
        assert rt.window.currentWidget() is rt.window.screens[Step.IDLE]
    finally:
        rt.shutdown()


def test_gesture_is_ignored_during_a_session(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    click(rt.window.current_screen(), "service_pension_check")
    assert rt.controller.flow.step is Step.READ_CARD
    screen = rt.window.currentWidget()
    corner_taps(qtbot, rt, count=10)
    assert rt.window.currentWidget() is screen
    assert tech(rt).pin_entry is None
    assert rt.controller.flow.step in (Step.READ_CARD, Step.CONFIRM_IDENTITY)


def test_forgotten_technician_screens_give_the_kiosk_back(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    idle = rt.window.screens[Step.IDLE]
    corner_taps(qtbot, rt)
    tech(rt)._pin_timer.setInterval(50)  # the minute without a PIN, shortened
    tech(rt)._pin_timer.start()
    qtbot.waitUntil(lambda: rt.window.currentWidget() is idle, timeout=WAIT_MS)
    tech(rt)._pin_timer.setInterval(60_000)
    open_panel(qtbot, rt)
    # A screen the flow shows meanwhile (a device event) does not cover the panel.
    flow = rt.controller.flow
    rt.controller.apply([ShowScreen(flow.step, flow.view())])
    assert rt.window.currentWidget() is tech(rt).panel
    tech(rt)._idle_timer.setInterval(50)  # the ten untouched minutes, shortened
    tech(rt)._idle_timer.start()
    qtbot.waitUntil(lambda: rt.window.currentWidget() is idle, timeout=WAIT_MS)
    assert not tech(rt).active


def test_gesture_works_in_portrait_too(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    rt.window.setFixedSize(1080, 1920)
    qtbot.waitUntil(lambda: rt.window.width() == 1080)
    corner = rt.window.childAt(QPoint(1080 - CORNER_PX // 4, CORNER_PX // 4))
    assert not isinstance(corner, QPushButton)  # nothing in the corner takes the press
    corner_taps(qtbot, rt)
    assert rt.window.currentWidget() is tech(rt).pin_entry
