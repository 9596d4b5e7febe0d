"""The technician panel: renders its view, emits intents, shows no secrets or ID numbers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from config.settings import Settings
from screens.technician import (
    ACTIONS,
    BacklogChart,
    ExitToDesktop,
    LeaveTechnician,
    ReprintAll,
    ReprintJob,
    TechnicianPanel,
    config_lines,
    config_view,
    kept_job_text,
    scrub,
)
from screens.technician_view import DeviceLine, KeptJobs, KeptRow, QueueFigures, TechnicianView
from screens.theme import install_font

ID_NUMBER = "110101195001011239"


def sample_view(**over: Any) -> TechnicianView:
    view = TechnicianView(
        terminal_id="SIM-0001",
        version="0.1.0",
        registered=False,
        devices={
            "card_reader": DeviceLine("ready", ok=True),
            "camera": DeviceLine("streaming", ok=True, detail="640x480 25 fps"),
            "printer": DeviceLine("paper_out", ok=False),
        },
        queue=QueueFigures(pending=3, sending=1, failed=2, oldest_pending_age_s=5400.0),
        last_sync="2026-11-24T09:30:00+08:00",
        last_sync_error="",
        backlog=(("2026-11-20", 0), ("2026-11-21", 4), ("2026-11-22", 8), ("2026-11-23", 2)),
        logs=("09:30:01 INFO kiosk.sync: 3 cases sent", f"09:31:00 card {ID_NUMBER} read"),
        config=config_view(Settings()),
        busy=frozenset(),
        message="",
    )
    return replace(view, **over)


@pytest.fixture
def panel(qtbot: QtBot, qapp: QApplication) -> TechnicianPanel:
    install_font(qapp)
    widget = TechnicianPanel()
    qtbot.addWidget(widget)
    widget.resize(1920, 1080)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_renders_devices_queue_and_sync(panel: TechnicianPanel) -> None:
    panel.render_view(sample_view())
    assert "SIM-0001" in panel.title.text()
    assert panel.device_labels["camera"].text() == "有画面 (streaming) (640x480 25 fps)"
    assert panel.device_labels["card_reader"].property("state") == "ok"
    assert panel.device_labels["printer"].property("state") == "bad"
    queue = panel.queue_label.text()
    assert "3" in queue and "2" in queue and "1.5" in queue
    assert "2026-11-24T09:30:00+08:00" in panel.sync_label.text()


def test_device_rows_are_reused_between_renders(panel: TechnicianPanel) -> None:
    panel.render_view(sample_view())
    first = panel.device_labels["printer"]
    panel.render_view(sample_view(devices={"printer": DeviceLine("ready", ok=True)}))
    assert panel.device_labels["printer"] is first
    assert first.text() == "正常 (ready)"
    assert first.property("state") == "ok"


@pytest.mark.parametrize("name", list(ACTIONS))
def test_each_action_button_emits_its_intent(
    panel: TechnicianPanel, qtbot: QtBot, name: str
) -> None:
    panel.render_view(sample_view())
    with qtbot.waitSignal(panel.intent) as signal:
        qtbot.mouseClick(panel.buttons[name], Qt.MouseButton.LeftButton)
    assert type(signal.args[0]) is ACTIONS[name][0]


def test_leave_and_exit(panel: TechnicianPanel, qtbot: QtBot) -> None:
    panel.render_view(sample_view())
    with qtbot.waitSignal(panel.intent) as signal:
        qtbot.mouseClick(panel.buttons["leave_technician"], Qt.MouseButton.LeftButton)
    assert isinstance(signal.args[0], LeaveTechnician)
    with qtbot.waitSignal(panel.intent) as signal:
        qtbot.mouseClick(panel.buttons["exit_to_desktop"], Qt.MouseButton.LeftButton)
    assert isinstance(signal.args[0], ExitToDesktop)


def test_busy_action_is_disabled_and_register_hides_once_registered(
    panel: TechnicianPanel, qtbot: QtBot
) -> None:
    panel.render_view(sample_view(busy=frozenset({"sync_now"}), registered=True))
    assert not panel.buttons["sync_now"].isEnabled()
    assert panel.buttons["test_print"].isEnabled()
    assert not panel.buttons["register_terminal"].isVisibleTo(panel)
    emitted: list[object] = []
    panel.intent.connect(emitted.append)
    qtbot.mouseClick(panel.buttons["sync_now"], Qt.MouseButton.LeftButton)
    assert emitted == []


def test_logs_never_show_an_id_number(panel: TechnicianPanel) -> None:
    panel.render_view(sample_view())
    text = panel.logs.toPlainText()
    assert "3 cases sent" in text
    assert ID_NUMBER not in text
    assert "1101**************" in text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"id {ID_NUMBER}", "id 1101**************"),
        ("id 11010119500101123X done", "id 1101************** done"),
        ("old id 110101500101123", "old id 1101***********"),
        ("took 1234 ms at 09:30:01", "took 1234 ms at 09:30:01"),
    ],
)
def test_scrub(line: str, expected: str) -> None:
    assert scrub(line) == expected


def test_config_shows_effective_values_with_secrets_masked(panel: TechnicianPanel) -> None:
    panel.render_view(sample_view())
    text = panel.config_text.toPlainText()
    assert "terminal.id = 'SIM-0001'" in text
    assert "technician.pin_hash = ********" in text
    assert "pbkdf2" not in text


def test_config_lines_mask_secrets_even_if_the_caller_did_not() -> None:
    lines = config_lines({"technician": {"pin_hash": "pbkdf2_sha256$1$aa$bb", "lockout_s": 300}})
    assert lines == ["technician.pin_hash = ********", "technician.lockout_s = 300"]


def test_camera_preview_shows_the_frame(panel: TechnicianPanel) -> None:
    frame = QImage(640, 480, QImage.Format.Format_RGB32)
    frame.fill(QColor("#806040"))
    panel.show_frame(frame)
    pixmap = panel.preview.pixmap()
    assert (pixmap.width(), pixmap.height()) == (320, 240)
    assert pixmap.toImage().pixelColor(160, 120) == QColor("#806040")


def bar_pixels(chart: BacklogChart) -> np.ndarray:
    """Where a grab of the chart has the bar colour, as an (h, w) boolean array."""
    image = chart.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    rows = raw.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]
    bgra = rows.reshape(image.height(), image.width(), 4)
    bar = BacklogChart.BAR
    return (
        (bgra[:, :, 2] == bar.red())
        & (bgra[:, :, 1] == bar.green())
        & (bgra[:, :, 0] == bar.blue())
    )


def test_backlog_chart_draws_bars_in_proportion(panel: TechnicianPanel) -> None:
    panel.render_view(sample_view())
    is_bar = bar_pixels(panel.chart)
    slot = (is_bar.shape[1] - 16) / len(panel.chart.points)
    heights = [int(is_bar[:, int(8 + (i + 0.5) * slot)].sum()) for i in range(4)]
    assert heights[0] == 0
    assert heights[2] > heights[1] > heights[3] > 0
    assert heights[1] / heights[2] == pytest.approx(0.5, abs=0.05)


def test_backlog_chart_without_data_draws_no_bars(qtbot: QtBot) -> None:
    chart = BacklogChart()
    qtbot.addWidget(chart)
    chart.resize(400, 240)
    chart.set_points([["2026-11-24", 5]])
    assert bar_pixels(chart).any()
    chart.set_points([])
    assert not bar_pixels(chart).any()


def kept_view(**over: Any) -> TechnicianView:
    jobs = (
        KeptRow(
            job_id="cert-261124-7KQ2M",
            kind="certificate",
            when="2026-11-24 17:05",
            printer_status="paper_out",
            attempts=1,
            certificate_no="261124-7KQ2M",
            reprint="",
        ),
        KeptRow(
            job_id="pending_slip-C2",
            kind="pending_slip",
            when="2026-11-24 16:40",
            printer_status="cover_open",
            attempts=2,
            certificate_no="",
            reprint="offline",
        ),
    )
    return sample_view(kept=KeptJobs(count=len(jobs), jobs=jobs), **over)


def test_kept_receipts_are_listed_in_words(panel: TechnicianPanel) -> None:
    panel.render_view(kept_view())
    assert panel.tabs.tabText(0) == "待补打（2）"
    assert panel.kept_label.text() == "待补打 2 张"
    assert list(panel.kept_rows) == ["cert-261124-7KQ2M", "pending_slip-C2"]  # newest first
    first = panel.kept_rows["cert-261124-7KQ2M"].text()
    assert first.splitlines() == [
        "认证凭证  凭证号 261124-7KQ2M",
        "2026-11-24 17:05  打印机：缺纸 (paper_out)  已试 1 次",
    ]
    second = panel.kept_rows["pending_slip-C2"].text().splitlines()
    assert second[0] == "受理回执"
    assert second[1] == "2026-11-24 16:40  打印机：盖子打开 (cover_open)  已试 2 次"
    assert second[2] == "补打未成功：离线 (offline)"  # the state the last reprint met
    assert panel.buttons["reprint_all"].isEnabled()


def test_reprint_buttons_emit_their_intents(panel: TechnicianPanel, qtbot: QtBot) -> None:
    panel.render_view(kept_view())
    with qtbot.waitSignal(panel.intent) as signal:
        qtbot.mouseClick(panel.reprint_buttons["pending_slip-C2"], Qt.MouseButton.LeftButton)
    assert signal.args[0] == ReprintJob("pending_slip-C2")
    with qtbot.waitSignal(panel.intent) as signal:
        qtbot.mouseClick(panel.buttons["reprint_all"], Qt.MouseButton.LeftButton)
    assert isinstance(signal.args[0], ReprintAll)


def test_reprints_in_flight_disable_their_buttons(panel: TechnicianPanel) -> None:
    view = kept_view(busy=frozenset({"reprint_all"}))
    first_job, second_job = view.kept.jobs
    jobs = (replace(first_job, reprint="printing"), replace(second_job, reprint="printed"))
    panel.render_view(replace(view, kept=replace(view.kept, jobs=jobs)))
    first, second = panel.reprint_buttons.values()
    assert (first.text(), first.isEnabled()) == ("正在补打", False)
    assert (second.text(), second.isEnabled()) == ("已打印", False)
    assert not panel.buttons["reprint_all"].isEnabled()


def test_rows_are_rebuilt_only_when_the_list_changes(panel: TechnicianPanel) -> None:
    panel.render_view(kept_view())
    button = panel.reprint_buttons["pending_slip-C2"]
    panel.render_view(kept_view(message="x"))
    assert panel.reprint_buttons["pending_slip-C2"] is button
    view = kept_view()
    panel.render_view(replace(view, kept=KeptJobs(count=60, jobs=view.kept.jobs[:1])))
    assert list(panel.reprint_buttons) == ["cert-261124-7KQ2M"]
    assert panel.kept_label.text() == "待补打 60 张，下面是最新的 1 张"


def test_no_kept_receipts(panel: TechnicianPanel) -> None:
    panel.render_view(kept_view())
    panel.render_view(sample_view(kept=KeptJobs(count=0, jobs=())))
    assert panel.kept_label.text() == "没有待补打的凭证"
    assert panel.tabs.tabText(0) == "待补打（0）"
    assert panel.reprint_buttons == {}
    assert not panel.buttons["reprint_all"].isEnabled()


def test_kept_job_text_shows_nothing_beyond_kind_and_certificate() -> None:
    job = KeptRow(job_id="x", kind="failure_notice", when="2026-11-24 08:00", attempts=0)
    assert kept_job_text(job).splitlines() == [
        "未通过告知单",
        "2026-11-24 08:00  打印机：未知 (unknown)  已试 0 次",
    ]
    assert kept_job_text(replace(job, kind="test_page")).startswith("测试页\n")
