"""Technician mode in a real running kiosk: gesture, PIN, panel, intents, leaving.

A real KioskRuntime with the demo settings (simulated devices, the demo clip, an embedded
central platform on loopback, real SQLite files), offscreen. Waits on conditions through
pytest-qt, never sleeps. The only thing replaced is QApplication.quit (leaving the test's
own application is the far edge: the test records the call instead).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
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
from contract.certificates import CHINA_TZ, sign_certificate
from devices.card_reader.simulated import identity_from_settings
from devices.printer.simulated import SimulatedPrinter
from kiosk.app import KioskRuntime
from kiosk.flow import Step
from kiosk.flow.commands import ShowScreen
from kiosk.qt.headless_demo import demo_settings
from kiosk.qt.technician.mode import CORNER_PX, TechnicianMode, text
from kiosk.records.certificate import issue_certificate
from kiosk.records.layouts import certificate_receipt, pending_slip_receipt
from kiosk.records.print_jobs import KeptJob
from kiosk.records.receipts import PrintJob
from kiosk.technician.pin import hash_pin
from offline_queue.sample_cases import demo_payload, face_jpeg
from screens.technician import TechnicianPanel

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
    entry = tech(rt).pin.entry
    assert entry is not None and rt.window.currentWidget() is entry
    for digit in pin:
        click(entry, f"tech_pin_{digit}")
    click(entry, "tech_pin_ok")


def pin_message(rt: KioskRuntime) -> str:
    entry = tech(rt).pin.entry
    assert entry is not None
    return entry.message.text()


def open_panel(qtbot, rt: KioskRuntime, pin: str = DEFAULT_PIN) -> None:
    corner_taps(qtbot, rt)
    type_pin(rt, pin)
    qtbot.waitUntil(lambda: tech(rt).active, timeout=WAIT_MS)
    # The first view has arrived from the worker thread.
    qtbot.waitUntil(lambda: tech(rt).facts is not None, timeout=WAIT_MS)


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
    assert tech(rt).pin.entry is None  # four taps are not the gesture
    corner_taps(qtbot, rt, count=1)
    assert tech(rt).pin.entry is not None
    assert rt.window.currentWidget() is tech(rt).pin.entry
    type_pin(rt, DEFAULT_PIN)
    qtbot.waitUntil(lambda: rt.window.currentWidget() is tech(rt).panel, timeout=WAIT_MS)

    def live() -> None:
        devices = tech(rt).view().devices
        assert devices["camera"].state == "streaming"
        assert devices["card_reader"].ok
        assert devices["platform"].state == "online"
        # The platform's answers: counts, and the roster the sync fetched (empty here).
        assert "已决定 0 件，待平台决定 0 件" in devices["platform"].detail
        assert "人脸名单 0 人" in devices["platform"].detail

    qtbot.waitUntil(live, timeout=WAIT_MS)
    view = tech(rt).view()
    assert view.terminal_id == rt.settings.terminal.id
    assert view.registered is True  # the embedded platform registered the demo terminal
    assert len(view.backlog) == 7
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
        entry = tech(rt).pin.entry
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
    assert "test_print" in tech(rt).view().busy
    qtbot.waitUntil(lambda: message(rt) == text("print_done"), timeout=WAIT_MS)
    assert rt.jobs is not None
    pages = [job for job in rt.jobs.jobs() if job.kind == "test_page"]
    assert len(pages) == 1 and pages[0].state == "printed"
    printed = list((rt.data_dir / "printer").glob("*.bin"))
    assert len(printed) == 1 and printed[0].stat().st_size > 500
    assert tech(rt).view().devices["printer"].state == "ready"
    assert "test_print" not in tech(rt).view().busy


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
        assert tech(rt).view().queue.pending == 1
        panel = tech(rt).panel
        assert panel is not None and panel.queue_label.text().startswith("待同步 1 件")
        press(rt, "sync_now")
        qtbot.waitUntil(lambda: message(rt) == text("sync_done", n=0), timeout=WAIT_MS)
        assert rt.store.case_info(case_id)["status"] == "acked"
        assert tech(rt).view().queue.pending == 0
        assert "sync_now" not in tech(rt).view().busy
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
    qtbot.waitUntil(lambda: "export_bundle" not in tech(rt).view().busy, timeout=WAIT_MS)
    bundles = list((rt.data_dir / "exports").glob("*.kbundle.json"))
    assert len(bundles) == 1
    assert str(bundles[0]) in message(rt)


def test_leave_returns_to_welcome_and_exit_quits(qtbot, tmp_path: Path, testdata: Path) -> None:
    rt = build(qtbot, tmp_path)
    quits: list[bool] = []
    # The far edge: do not end the test's own application, record the call.
    tech(rt).actions.exit_to_desktop.quit_app = lambda: quits.append(True)
    rt.start()
    try:
        open_panel(qtbot, rt)
        press(rt, "leave_technician")
        assert rt.window.currentWidget() is rt.window.screens[Step.IDLE]
        assert not tech(rt).active
        assert tech(rt).actions.card_read.watching is False
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
    assert tech(rt).pin.entry is None
    assert rt.controller.flow.step in (Step.READ_CARD, Step.CONFIRM_IDENTITY)


def test_forgotten_technician_screens_give_the_kiosk_back(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    idle = rt.window.screens[Step.IDLE]
    corner_taps(qtbot, rt)
    tech(rt).pin.timer.setInterval(50)  # the minute without a PIN, shortened
    tech(rt).pin.timer.start()
    qtbot.waitUntil(lambda: rt.window.currentWidget() is idle, timeout=WAIT_MS)
    tech(rt).pin.timer.setInterval(60_000)
    open_panel(qtbot, rt)
    # A screen the flow shows meanwhile (a device event) does not cover the panel.
    flow = rt.controller.flow
    rt.controller.apply([ShowScreen(flow.step, flow.view())])
    assert rt.window.currentWidget() is tech(rt).panel
    tech(rt).idle_timer.setInterval(50)  # the ten untouched minutes, shortened
    tech(rt).idle_timer.start()
    qtbot.waitUntil(lambda: rt.window.currentWidget() is idle, timeout=WAIT_MS)
    assert not tech(rt).active


def test_gesture_works_in_portrait_too(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    rt.window.setFixedSize(1080, 1920)
    qtbot.waitUntil(lambda: rt.window.width() == 1080)
    corner = rt.window.childAt(QPoint(1080 - CORNER_PX // 4, CORNER_PX // 4))
    assert not isinstance(corner, QPushButton)  # nothing in the corner takes the press
    corner_taps(qtbot, rt)
    assert rt.window.currentWidget() is tech(rt).pin.entry


def _keep_two_receipts(qtbot, rt: KioskRuntime) -> tuple[str, str]:
    """A pending slip, then a certificate, sent while the printer has no paper: both kept.
    They go through the printer service exactly as a resident's receipts do."""
    printer: SimulatedPrinter = rt.controller.printer.printer  # type: ignore[assignment]
    printer.set_fault("paper_out")
    now = dt.datetime.now(CHINA_TZ)
    terminal = rt.settings.terminal
    identity = identity_from_settings(rt.settings.card_reader.simulated)
    slip = pending_slip_receipt(
        "CASE-REPRINT-1",
        job_id="pending_slip-CASE-REPRINT-1",
        masked_name=identity.masked_name,
        masked_id_number=identity.masked_id_number,
        when=now,
        check_after=now.date(),
        where=terminal.service_point,
        terminal_id=terminal.id,
    )
    cert = issue_certificate(
        identity, terminal_id=terminal.id, service_point=terminal.service_point, now=now
    )
    token = sign_certificate(cert.token_fields(), rt.keys.signing_key, rt.keys.key_id)
    jobs = (
        PrintJob(slip),
        PrintJob(certificate_receipt(cert, token), certificate_no=cert.certificate_no),
    )
    for job in jobs:
        with qtbot.waitSignal(rt.controller.printer.failed, timeout=WAIT_MS) as failed:
            rt.controller.printer.submit(job)
        assert failed.args[1] == "paper_out"
    return slip.job_id, cert.job_id


def _job(rt: KioskRuntime, job_id: str) -> KeptJob:
    assert rt.jobs is not None
    job = rt.jobs.get(job_id)
    assert job is not None
    return job


def panel_of(rt: KioskRuntime) -> TechnicianPanel:
    panel = tech(rt).panel
    assert panel is not None
    return panel


def test_kept_receipts_are_listed_and_reprinted_one_by_one(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    slip_id, cert_id = _keep_two_receipts(qtbot, rt)
    open_panel(qtbot, rt)
    panel = panel_of(rt)
    qtbot.waitUntil(lambda: list(panel.reprint_buttons) == [cert_id, slip_id], timeout=WAIT_MS)
    cert_row = panel.kept_rows[cert_id].text()
    certificate_no = _job(rt, cert_id).certificate_no
    assert cert_row.startswith(f"认证凭证  凭证号 {certificate_no}\n")
    assert "打印机：缺纸 (paper_out)  已试 1 次" in cert_row
    assert panel.kept_rows[slip_id].text().startswith("受理回执\n")
    assert panel.kept_label.text() == "待补打 2 张"
    identity = identity_from_settings(rt.settings.card_reader.simulated)
    for row in panel.kept_rows.values():  # kind and certificate number only, nobody's name
        assert identity.masked_name not in row.text()
        assert identity.id_number[-6:] not in row.text()

    # Still no paper: the job stays kept and the panel says with what state.
    panel.reprint_buttons[slip_id].click()
    partly = text("reprint_partly", printed=0, kept=1, status="缺纸 (paper_out)")
    qtbot.waitUntil(lambda: message(rt) == partly, timeout=WAIT_MS)
    assert _job(rt, slip_id).state == "kept"
    assert panel.kept_rows[slip_id].text().endswith("补打未成功：缺纸 (paper_out)")
    assert panel.reprint_buttons[slip_id].isEnabled()

    rt.controller.printer.printer.set_fault("none")  # type: ignore[attr-defined]
    panel.reprint_buttons[cert_id].click()
    assert not panel.reprint_buttons[cert_id].isEnabled()  # printing
    qtbot.waitUntil(lambda: message(rt) == text("reprint_done", printed=1), timeout=WAIT_MS)
    cert = _job(rt, cert_id)
    assert (cert.state, cert.attempts, cert.printer_status) == ("printed", 2, "ready")
    assert (rt.data_dir / "printer" / f"{cert_id}.bin").stat().st_size > 500
    qtbot.waitUntil(lambda: list(panel.reprint_buttons) == [slip_id], timeout=WAIT_MS)
    assert panel.kept_label.text() == "待补打 1 张"
    assert _job(rt, slip_id).state == "kept"


def test_reprint_all_prints_every_kept_receipt(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    job_ids = _keep_two_receipts(qtbot, rt)
    open_panel(qtbot, rt)
    panel = panel_of(rt)
    qtbot.waitUntil(lambda: len(panel.reprint_buttons) == 2, timeout=WAIT_MS)
    assert tech(rt).view().devices["printer"].detail == text("kept_jobs", n=2)
    rt.controller.printer.printer.set_fault("none")  # type: ignore[attr-defined]
    press(rt, "reprint_all")
    assert "reprint_all" in tech(rt).view().busy
    qtbot.waitUntil(lambda: message(rt) == text("reprint_done", printed=2), timeout=WAIT_MS)
    for job_id in job_ids:
        job = _job(rt, job_id)
        assert (job.state, job.attempts) == ("printed", 2)
        assert (rt.data_dir / "printer" / f"{job_id}.bin").exists()
    qtbot.waitUntil(lambda: panel.kept_label.text() == "没有待补打的凭证", timeout=WAIT_MS)
    assert panel.reprint_buttons == {}
    assert not panel.buttons["reprint_all"].isEnabled()
    assert "reprint_all" not in tech(rt).view().busy
    press(rt, "test_print")  # the printer is free again: nothing of the batch is left over
    qtbot.waitUntil(lambda: message(rt) == text("print_done"), timeout=WAIT_MS)


def test_reprint_all_with_nothing_kept_says_so(qtbot, runtime: KioskRuntime) -> None:
    rt = runtime
    open_panel(qtbot, rt)
    assert panel_of(rt).kept_label.text() == "没有待补打的凭证"
    tech(rt).actions.reprint.all()  # the button is disabled: the mode answers all the same
    qtbot.waitUntil(lambda: message(rt) == text("reprint_none"), timeout=WAIT_MS)
    assert "reprint_all" not in tech(rt).view().busy
