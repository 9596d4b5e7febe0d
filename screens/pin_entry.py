"""The technician's PIN entry: a touch keypad shown after the hidden gesture.

It only collects digits and emits them; checking the PIN (and the lockout) is the caller's job,
off the GUI thread. The typed digits are never shown, only one dot per digit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from screens.texts import tr
from screens.widgets import button, label

MAX_DIGITS = 12
PAD_STYLE = "QPushButton { min-height: 110px; padding: 4px 24px; }"
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok")

# What technician mode tells the technician (the actions in kiosk.qt.technician fill the {fields}).
TECH_TEXT = {
    "pin_checking": "正在核对密码……",
    "pin_wrong": "密码不对，还可以再试 {n} 次",
    "pin_locked": "密码错误次数太多，已锁定 {n} 秒",
    "pin_error": "无法核对密码，请查看日志",
    "card_waiting": "请把卡放到读卡器上",
    "card_read": "读卡成功：{name}，{id_number}",
    "card_failed": "读卡失败：{reason}",
    "print_sent": "测试页已发送到打印机",
    "print_done": "测试打印完成",
    "print_failed": "测试打印失败：{status}",
    "kept_jobs": "待补打 {n} 张",
    "sync_requested": "正在同步……",
    "sync_done": "同步完成，待同步 {n} 件",
    "sync_failed": "同步失败：{error}",
    "sync_off": "没有配置平台，不能同步",
    "export_done": "已导出 {n} 件到 {path}",
    "export_failed": "导出失败：{error}",
    "diagnostics_running": "正在生成诊断包……",
    "diagnostics_done": "诊断包已导出到 {path}",
    "diagnostics_failed": "诊断包导出失败：{error}",
    # The platform line: its answers held here (kiosk.technician.status.AnswersFigures).
    "answers_roster_off": "已决定 {decided} 件，待平台决定 {awaiting} 件；人脸名单未启用",
    "answers_roster_none": "已决定 {decided} 件，待平台决定 {awaiting} 件；还没有人脸名单",
    "answers_roster_held": (
        "已决定 {decided} 件，待平台决定 {awaiting} 件；人脸名单 {templates} 人（{kib} KiB）"
    ),
    "answers_roster_aged": (
        "已决定 {decided} 件，待平台决定 {awaiting} 件；"
        "人脸名单 {templates} 人（{kib} KiB），{days} 天前签发"
    ),
}


def keypad(
    keys: Sequence[str], columns: int, prefix: str, on_key: Callable[[str], None]
) -> tuple[QFrame, dict[str, QPushButton]]:
    """A touch keypad: one button per key ("del" and "ok" in words), named <prefix><key>."""
    frame = QFrame()
    frame.setObjectName("pinpad")
    frame.setMinimumWidth(720)
    # Smaller than a resident's buttons so that the pad fits a landscape screen's height.
    frame.setStyleSheet(PAD_STYLE)
    grid = QGridLayout(frame)
    grid.setSpacing(16)
    buttons = {}
    for index, key in enumerate(keys):
        text = {"del": tr("删除"), "ok": tr("确定")}.get(key, key)
        role = "primary" if key == "ok" else ""
        buttons[key] = button(text, f"{prefix}{key}", partial(on_key, key), role)
        grid.addWidget(buttons[key], index // columns, index % columns)
    for column in range(columns):  # equal keys, whatever their words
        grid.setColumnStretch(column, 1)
    return frame, buttons


@dataclass
class KeypadScreen:
    """What `keypad_screen` built: the message line, the keys by name, the pad, cancel."""

    message: QLabel
    keys: dict[str, QPushButton]
    pad: QFrame
    cancel: QPushButton


def keypad_screen(
    screen: QWidget,
    title: str,
    shown: Sequence[QWidget],
    prefix: str,
    keys: tuple[Sequence[str], int],
    on_key: Callable[[str], None],
    on_cancel: Callable[[], None],
) -> KeypadScreen:
    """Lay out a technician's full-screen keypad on `screen`: the title, the `shown` widgets
    (what is typed so far), a message line, the keys (names, columns) and a cancel button;
    object names <prefix>message, <prefix><key>, <prefix>cancel."""
    screen.setObjectName("screen")  # the kiosk theme's white screen background
    screen.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    root = QVBoxLayout(screen)
    root.setContentsMargins(48, 24, 48, 24)
    root.addWidget(label(title, "title"))
    for widget in shown:
        root.addWidget(widget)
    message = label("", "body")
    message.setObjectName(f"{prefix}message")
    root.addWidget(message)
    names, columns = keys
    pad, buttons = keypad(names, columns, prefix, on_key)
    root.addWidget(pad, alignment=Qt.AlignmentFlag.AlignHCenter)
    cancel = button(tr("取消"), f"{prefix}cancel", on_cancel, "footer")
    cancel.setMinimumWidth(480)
    root.addWidget(cancel, alignment=Qt.AlignmentFlag.AlignHCenter)
    root.addStretch()
    return KeypadScreen(message, buttons, pad, cancel)


class PinEntry(QWidget):
    """`submitted(pin)` on OK, `cancelled()` on Cancel. Object names: tech_pin_<key>."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._pin = ""
        self.dots = label("", "identity")
        self.dots.setObjectName("tech_pin_dots")
        parts = keypad_screen(
            self,
            tr("技术员登录"),
            [self.dots],
            "tech_pin_",
            (KEYS, 3),
            self._key,
            self.cancelled.emit,
        )
        self.message, self.keys = parts.message, parts.keys
        self.reset()

    # -- state --------------------------------------------------------------------------------
    def reset(self) -> None:
        """Empty PIN, no message, keys enabled: the state after the gesture."""
        self._pin = ""
        self.message.setText("")
        self.set_busy(False)
        self._show_pin()

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def set_busy(self, busy: bool) -> None:
        """While a PIN is being checked the keypad takes no input (no second submit)."""
        for widget in self.keys.values():
            widget.setEnabled(not busy)

    # -- input --------------------------------------------------------------------------------
    def _key(self, key: str) -> None:
        if key == "ok":
            pin, self._pin = self._pin, ""
            self._show_pin()
            if pin:
                self.submitted.emit(pin)
            return
        if key == "del":
            self._pin = self._pin[:-1]
        elif len(self._pin) < MAX_DIGITS:
            self._pin += key
        self._show_pin()

    def _show_pin(self) -> None:
        self.dots.setText("●" * len(self._pin) if self._pin else tr("请输入技术员密码"))
