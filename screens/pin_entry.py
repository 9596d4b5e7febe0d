"""The technician's PIN entry: a touch keypad shown after the hidden gesture.

It only collects digits and emits them; checking the PIN (and the lockout) is the caller's job,
off the GUI thread. The typed digits are never shown, only one dot per digit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QPushButton, QVBoxLayout, QWidget

from screens.texts import tr
from screens.widgets import button, label

MAX_DIGITS = 12
PAD_STYLE = "QPushButton { min-height: 110px; padding: 4px 24px; }"
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok")

# What technician mode tells the technician (kiosk.qt.technician_mode fills the {fields}).
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


class PinEntry(QWidget):
    """`submitted(pin)` on OK, `cancelled()` on Cancel. Object names: tech_pin_<key>."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("screen")  # the kiosk theme's white screen background
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._pin = ""
        root = QVBoxLayout(self)
        root.setContentsMargins(48, 24, 48, 24)
        root.addWidget(label(tr("技术员登录"), "title"))
        self.dots = label("", "identity")
        self.dots.setObjectName("tech_pin_dots")
        root.addWidget(self.dots)
        self.message = label("", "body")
        self.message.setObjectName("tech_pin_message")
        root.addWidget(self.message)
        root.addWidget(self._pad(), alignment=Qt.AlignmentFlag.AlignHCenter)
        cancel = button(tr("取消"), "tech_pin_cancel", self.cancelled.emit, "footer")
        cancel.setMinimumWidth(480)
        root.addWidget(cancel, alignment=Qt.AlignmentFlag.AlignHCenter)
        root.addStretch()
        self.reset()

    def _pad(self) -> QFrame:
        frame, self.keys = keypad(KEYS, 3, "tech_pin_", self._key)
        return frame

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
