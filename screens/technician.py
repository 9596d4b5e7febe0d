"""Technician mode: the panel a technician sees after the hidden gesture and the PIN.

It renders one `TechnicianView` (screens/technician_view.py) and emits intents; it never
touches devices or the queue (kiosk.qt.technician owns those and builds the view).

Log lines are scrubbed of anything shaped like an ID number before they are shown, although
the logging rules already keep personal data out of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import config
from screens.technician_view import DeviceLine, KeptJobs, KeptRow, TechnicianView
from screens.texts import tr


# -- intents -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TestCardRead:
    """Read one card and show what was read (masked)."""

    __test__ = False  # not a pytest test class, despite the name


@dataclass(frozen=True)
class TestPrint:
    """Print a test page."""

    __test__ = False


@dataclass(frozen=True)
class SyncNow:
    """Send the queued cases to the platform now."""


@dataclass(frozen=True)
class ExportBundle:
    """Write the cases not yet synced, signed and sealed for the platform (导出待同步数据)."""


@dataclass(frozen=True)
class ExportDiagnostics:
    """Write the diagnostics bundle for support (logs, config, self-test, queue status; no
    personal data)."""


@dataclass(frozen=True)
class RegisterTerminal:
    """Register this terminal with the platform."""


@dataclass(frozen=True)
class ReprintJob:
    """Print one kept receipt again."""

    job_id: str


@dataclass(frozen=True)
class ReprintAll:
    """Print every kept receipt again."""


@dataclass(frozen=True)
class LeaveTechnician:
    """Back to the resident's welcome screen."""


@dataclass(frozen=True)
class ExitToDesktop:
    """Close the kiosk app (to the desktop, for maintenance)."""


Intent = (
    TestCardRead | TestPrint | SyncNow | ExportBundle | ExportDiagnostics | RegisterTerminal
    | ReprintJob | ReprintAll | LeaveTechnician | ExitToDesktop
)  # fmt: skip

# action name (objectName of its button) -> intent class, button text
ACTIONS: dict[str, tuple[type, str]] = {
    "test_card_read": (TestCardRead, "测试读卡"),
    "test_print": (TestPrint, "测试打印"),
    "sync_now": (SyncNow, "立即同步"),
    "export_bundle": (ExportBundle, "导出待同步数据"),
    "export_diagnostics": (ExportDiagnostics, "导出诊断包"),
    "register_terminal": (RegisterTerminal, "注册终端"),
}

DEVICE_NAMES = {
    "card_reader": "读卡器",
    "camera": "摄像头",
    "face_models": "人脸模型",
    "printer": "打印机",
    "platform": "平台",
}
# Device state codes in words a technician reads at a glance (the code stays in brackets).
STATE_WORDS = {
    "ready": "正常",
    "card_present": "有卡",
    "no_reader": "未连接",
    "service_down": "服务停止",
    "error": "故障",
    "streaming": "有画面",
    "idle": "空闲",
    "stalled": "无画面",
    "unavailable": "不可用",
    "loading": "加载中",
    "paper_low": "纸将用完",
    "paper_out": "缺纸",
    "cover_open": "盖子打开",
    "offline": "离线",
    "unknown": "未知",
    "online": "在线",
    "off": "未配置",
}
# Receipt kinds (devices.printer.layout.Receipt.kind) in words.
KIND_WORDS = {
    "certificate": "认证凭证",
    "failure_notice": "未通过告知单",
    "pending_slip": "受理回执",
    "test_page": "测试页",
}
# The technician's messages about reprints (kiosk/qt/technician/reprint.py fills them in).
REPRINT_TEXT = {
    "reprint_sent": "已发送 {n} 张到打印机补打",
    "reprint_none": "没有待补打的凭证",
    "reprint_done": "补打完成：已打印 {printed} 张",
    "reprint_partly": "已打印 {printed} 张，{kept} 张仍保留（打印机：{status}）",
    "reprint_failed": "读取待补打凭证失败：{error}",
}
OK_COLOUR, BAD_COLOUR = "#0B5D1E", "#8A1C00"
SECRET_KEY = re.compile(r"(pin|secret|password|token|private)", re.IGNORECASE)
MASK = "********"
# 18-digit resident ID (last may be X), 15-digit old ID, or any 16+ digit run (card numbers).
ID_LIKE = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15,})(?![\dXx])")
MAX_LOG_LINES = 200

STYLE = f"""
QWidget#technician {{ background: #FFFFFF; }}
QWidget#technician QLabel {{ color: #111111; font-size: 24px; }}
QLabel#tech_title {{ font-size: 32px; font-weight: bold; }}
QLabel[state="ok"] {{ color: {OK_COLOUR}; font-weight: bold; }}
QLabel[state="bad"] {{ color: {BAD_COLOUR}; font-weight: bold; }}
QWidget#technician QPushButton {{ font-size: 24px; min-height: 80px; padding: 4px 16px;
    border: 2px solid #555555; border-radius: 10px; background: #E8E8E8; color: #111111; }}
QWidget#technician QPushButton:disabled {{ color: #555555; background: #F4F4F4; }}
QPlainTextEdit {{ font-family: monospace; font-size: 18px; color: #111111; }}
QWidget#kept_rows {{ background: #FFFFFF; }}
"""


def config_view(settings: Any) -> dict[str, Any]:
    """The effective configuration for the panel, secrets masked."""
    return config.as_dict(settings, mask_secrets=True)


def scrub(line: str) -> str:
    """A log line with anything shaped like an ID or card number masked."""
    return ID_LIKE.sub(lambda m: m.group(0)[:4] + "*" * (len(m.group(0)) - 4), line)


def config_lines(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """`section.key = value` lines; secret-looking keys masked again, whatever the caller did."""
    lines = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            lines += config_lines(value, f"{name}.")
        elif SECRET_KEY.search(key) and value:
            lines.append(f"{name} = {MASK}")
        else:
            lines.append(f"{name} = {value!r}")
    return lines


def state_text(state: str) -> str:
    """A device state in words with its code, e.g. "缺纸 (paper_out)"."""
    return f"{tr(STATE_WORDS[state])} ({state})" if state in STATE_WORDS else state


def _age_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    hours = seconds / 3600
    return (
        tr("{n} 小时").format(n=f"{hours:.1f}")
        if hours >= 1
        else tr("{n} 分钟").format(n=int(seconds // 60))
    )


def kept_job_text(job: KeptRow) -> str:
    """One kept receipt in words: kind, certificate number, when, printer state, attempts."""
    kind = job.kind
    first = tr(KIND_WORDS[kind]) if kind in KIND_WORDS else kind
    if job.certificate_no:
        first += "  " + tr("凭证号 {no}").format(no=job.certificate_no)
    second = tr("{when}  打印机：{state}  已试 {n} 次").format(
        when=job.when,
        state=state_text(job.printer_status or "unknown"),
        n=job.attempts,
    )
    lines = [first, second]
    reprint = job.reprint
    if reprint and reprint not in ("printing", "printed"):
        lines.append(tr("补打未成功：{state}").format(state=state_text(reprint)))
    return "\n".join(lines)


class BacklogChart(QWidget):
    """Bars: cases not yet synced at the end of each day, oldest day on the left."""

    BAR = QColor("#0A3D91")

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("backlog_chart")
        self.setMinimumSize(360, 220)
        self.points: list[tuple[str, int]] = []

    def set_points(self, points: Sequence[tuple[str, int]]) -> None:
        self.points = [(str(day), max(0, int(count))) for day, count in points]
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt names it
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#FFFFFF"))
        font = QFont(self.font())
        font.setPixelSize(16)
        painter.setFont(font)
        painter.setPen(QColor("#111111"))
        if not self.points:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, tr("没有数据"))
            painter.end()
            return
        left, top, bottom = 8.0, 24.0, 24.0
        width = self.width() - 2 * left
        height = self.height() - top - bottom
        base = top + height
        painter.setPen(QPen(QColor("#555555"), 2))
        painter.drawLine(int(left), int(base), int(left + width), int(base))
        peak = max(count for _day, count in self.points) or 1
        slot = width / len(self.points)
        for i, (day, count) in enumerate(self.points):
            bar_h = height * count / peak
            x = left + i * slot + slot * 0.15
            bar = QRectF(x, base - bar_h, slot * 0.7, bar_h)
            painter.fillRect(bar, self.BAR)
            painter.setPen(QColor("#111111"))
            label_box = QRectF(left + i * slot, base - bar_h - 20, slot, 20)
            painter.drawText(label_box, Qt.AlignmentFlag.AlignCenter, str(count))
            day_box = QRectF(left + i * slot, base + 2, slot, bottom - 2)
            painter.drawText(day_box, Qt.AlignmentFlag.AlignCenter, day[5:] or day)
        painter.end()


class TechnicianPanel(QWidget):
    """Renders the technician view; emits one of the intent classes above on `intent`."""

    intent = Signal(object)
    PREVIEW_W, PREVIEW_H = 320, 240

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("technician")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.buttons: dict[str, QPushButton] = {}
        self.device_labels: dict[str, QLabel] = {}
        self.reprint_buttons: dict[str, QPushButton] = {}  # job id -> its 补打 button
        self.kept_rows: dict[str, QLabel] = {}  # job id -> its description
        self._kept_shown: tuple[KeptRow, ...] | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 16, 24, 16)
        root.addLayout(self._header())
        body = QHBoxLayout()
        body.addLayout(self._left_column(), stretch=2)
        body.addLayout(self._right_column(), stretch=3)
        root.addLayout(body, stretch=1)
        self.message = QLabel("")
        self.message.setObjectName("tech_message")
        self.message.setWordWrap(True)
        root.addWidget(self.message)

    # -- building ---------------------------------------------------------------------------
    def _button(self, name: str, text: str, intent: type) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda: self.intent.emit(intent()))
        self.buttons[name] = button
        return button

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.title = QLabel(tr("技术员模式"))
        self.title.setObjectName("tech_title")
        row.addWidget(self.title, stretch=1)
        row.addWidget(self._button("leave_technician", tr("返回服务界面"), LeaveTechnician))
        row.addWidget(self._button("exit_to_desktop", tr("退出到桌面"), ExitToDesktop))
        return row

    def _left_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        self.devices_box = QGridLayout()
        column.addLayout(self.devices_box)
        self.preview = QLabel(tr("摄像头画面"))
        self.preview.setObjectName("tech_preview")
        self.preview.setFixedSize(self.PREVIEW_W, self.PREVIEW_H)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #222222; color: #FFFFFF;")
        column.addWidget(self.preview, alignment=Qt.AlignmentFlag.AlignHCenter)
        grid = QGridLayout()
        for index, (name, (intent, text)) in enumerate(ACTIONS.items()):
            grid.addWidget(self._button(name, tr(text), intent), index // 2, index % 2)
        column.addLayout(grid)
        column.addStretch()
        return column

    def _right_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        self.queue_label = QLabel("")
        self.queue_label.setObjectName("tech_queue")
        self.sync_label = QLabel("")
        self.sync_label.setObjectName("tech_sync")
        self.sync_label.setWordWrap(True)
        column.addWidget(self.queue_label)
        column.addWidget(self.sync_label)
        self.chart = BacklogChart()
        column.addWidget(self.chart, stretch=1)
        tabs = self.tabs = QTabWidget()
        tabs.addTab(self._kept_tab(), "")
        self.logs = QPlainTextEdit()
        self.logs.setObjectName("tech_logs")
        self.logs.setReadOnly(True)
        self.logs.setMaximumBlockCount(MAX_LOG_LINES)
        self.config_text = QPlainTextEdit()
        self.config_text.setObjectName("tech_config")
        self.config_text.setReadOnly(True)
        tabs.addTab(self.logs, tr("最近日志"))
        tabs.addTab(self.config_text, tr("当前配置"))
        column.addWidget(tabs, stretch=2)
        return column

    def _kept_tab(self) -> QWidget:
        """Receipts that could not print: 全部补打 above, one row with 补打 per receipt."""
        tab = QWidget()
        tab.setObjectName("kept_jobs")
        layout = QVBoxLayout(tab)
        header = QHBoxLayout()
        self.kept_label = QLabel("")
        self.kept_label.setObjectName("kept_count")
        self.kept_label.setWordWrap(True)
        header.addWidget(self.kept_label, stretch=1)
        header.addWidget(self._button("reprint_all", tr("全部补打"), ReprintAll))
        layout.addLayout(header)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        rows = QWidget()
        rows.setObjectName("kept_rows")
        self.kept_box = QVBoxLayout(rows)
        self.kept_box.addStretch()
        scroll.setWidget(rows)
        layout.addWidget(scroll, stretch=1)
        return tab

    # -- rendering --------------------------------------------------------------------------
    def render_view(self, view: TechnicianView) -> None:
        title = tr("技术员模式")
        if view.terminal_id:
            title += f" · {view.terminal_id}"
        if view.version:
            title += f" · {view.version}"
        self.title.setText(title)
        self._render_devices(view.devices)
        self._render_queue(view)
        self.chart.set_points(view.backlog)
        lines = [scrub(line) for line in view.logs][-MAX_LOG_LINES:]
        self.logs.setPlainText("\n".join(lines))
        self.config_text.setPlainText("\n".join(config_lines(view.config)))
        for name, button in self.buttons.items():
            button.setEnabled(name not in view.busy)
        self.buttons["register_terminal"].setVisible(not view.registered)
        self._render_kept(view.kept)
        self.message.setText(view.message)

    def _render_devices(self, devices: Mapping[str, DeviceLine]) -> None:
        for name, info in devices.items():
            label = self.device_labels.get(name)
            if label is None:
                label = QLabel()
                label.setObjectName(f"device_{name}")
                label.setWordWrap(True)
                row = len(self.device_labels)
                self.devices_box.addWidget(QLabel(tr(DEVICE_NAMES.get(name, name))), row, 0)
                self.devices_box.addWidget(label, row, 1)
                self.device_labels[name] = label
            text = state_text(info.state)
            if info.detail:
                text += f" ({info.detail})"
            label.setText(text)
            label.setProperty("state", "ok" if info.ok else "bad")
            label.style().unpolish(label)
            label.style().polish(label)

    def _render_queue(self, view: TechnicianView) -> None:
        queue = view.queue
        self.queue_label.setText(
            tr(
                "待同步 {pending} 件，发送中 {sending} 件，失败 {failed} 件，最早的已等 {age}"
            ).format(
                pending=queue.pending,
                sending=queue.sending,
                failed=queue.failed,
                age=_age_text(queue.oldest_pending_age_s),
            )
        )
        last = view.last_sync or tr("从未同步")
        text = tr("上次同步：{when}").format(when=last)
        if view.last_sync_error:
            text += "  " + tr("错误：{error}").format(error=scrub(view.last_sync_error))
        self.sync_label.setText(text)

    def _render_kept(self, kept: KeptJobs) -> None:
        jobs = kept.jobs
        count = kept.count
        self.tabs.setTabText(0, tr("待补打（{n}）").format(n=count))
        if not count:
            summary = tr("没有待补打的凭证")
        elif count > len(jobs):
            summary = tr("待补打 {n} 张，下面是最新的 {shown} 张").format(n=count, shown=len(jobs))
        else:
            summary = tr("待补打 {n} 张").format(n=count)
        self.kept_label.setText(summary)
        if not count:
            self.buttons["reprint_all"].setEnabled(False)
        if jobs != self._kept_shown:  # rebuilt only when changed: keeps the scroll position
            self._kept_shown = jobs
            self._rebuild_kept_rows(jobs)

    def _rebuild_kept_rows(self, jobs: tuple[KeptRow, ...]) -> None:
        while self.kept_box.count() > 1:  # the last item is the stretch
            item = self.kept_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.reprint_buttons.clear()
        self.kept_rows.clear()
        for index, job in enumerate(jobs):
            self.kept_box.insertWidget(index, self._kept_row(job))

    def _kept_row(self, job: KeptRow) -> QFrame:
        row = QFrame()
        row.setObjectName("kept_row")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 4, 0, 4)
        description = QLabel(kept_job_text(job))
        description.setObjectName("kept_job")
        description.setWordWrap(True)
        layout.addWidget(description, stretch=1)
        job_id = job.job_id
        reprint = job.reprint
        words = {"printing": tr("正在补打"), "printed": tr("已打印")}
        button = QPushButton(words.get(reprint, tr("补打")))
        button.setObjectName("reprint_job")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setEnabled(reprint not in words)
        button.clicked.connect(lambda: self.intent.emit(ReprintJob(job_id)))
        layout.addWidget(button)
        self.reprint_buttons[job_id] = button
        self.kept_rows[job_id] = description
        return row

    def show_frame(self, image: QImage) -> None:
        """The live camera picture, small, as the camera sees it (not mirrored)."""
        scaled = image.scaled(
            self.PREVIEW_W,
            self.PREVIEW_H,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
        self.preview.setPixmap(QPixmap.fromImage(scaled))
