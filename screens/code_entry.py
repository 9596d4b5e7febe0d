"""The technician's registration-code entry: a large touch keypad opened by 注册终端.

The code is the one `kiosk-central terminals add` prints: four groups of four hexadecimal
characters, `A1B2-C3D4-E5F6-0789` (central/db.py). The keypad has the sixteen characters; the
dashes come by themselves. It only collects the code and emits it; registering is the caller's
job, off the GUI thread (kiosk.qt.technician.register).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from screens.pin_entry import PAD_STYLE, keypad_screen
from screens.texts import tr
from screens.theme import TITLE_PX
from screens.widgets import label

GROUPS, GROUP_LEN = 4, 4
CODE_LEN = GROUPS * GROUP_LEN
CODE_KEYS = (
    "1", "2", "3", "4", "5", "6",
    "7", "8", "9", "0", "A", "B",
    "C", "D", "E", "F", "del", "ok",
)  # fmt: skip
COLUMNS = 6
BLANK = "_"
CODE_STYLE = f"font-size: {TITLE_PX}px; font-weight: bold; letter-spacing: 4px;"

# What registering tells the technician (kiosk.qt.technician.register fills the {fields}).
REGISTER_TEXT = {
    "reg_target": "终端 {terminal}，平台 {platform}",
    "reg_incomplete": "注册码是 16 位：4 组，每组 4 位",
    "reg_running": "正在向平台注册……",
    "reg_no_platform": "没有配置平台地址（platform.url），不能注册",
    "reg_done": "注册成功：本机已注册为终端 {terminal}，平台 {platform}",
    "reg_wrong_code": "注册失败：平台不认这个注册码（{reason}）。"
    "请核对注册码和终端号 {terminal}，或请平台重新生成一个",
    "reg_other_key": "注册失败：本机的密钥已登记在另一个终端名下（{reason}）",
    "reg_refused": "注册失败：平台拒绝了注册（{reason}）",
    "reg_unreachable": "注册失败：连不上平台 {platform}（{reason}）。请检查网络后再试",
    "reg_bad_platform": "注册失败：平台地址不能用（{reason}）",
    "reg_failed": "注册失败：{reason}",
}


def formatted(code: str) -> str:
    """`A1B2C3` as `A1B2-C3__-____-____`: the technician sees how much is left."""
    padded = code.ljust(CODE_LEN, BLANK)
    return "-".join(padded[i : i + GROUP_LEN] for i in range(0, CODE_LEN, GROUP_LEN))


class CodeEntry(QWidget):
    """`submitted(code)` (as printed, with dashes) on OK once complete, `cancelled()` on
    Cancel. Object names: tech_code_<key>, tech_code_cancel."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._code = ""
        self.target = label("", "body")
        self.target.setObjectName("tech_code_target")
        self.code_label = label("", wrap=False)
        self.code_label.setObjectName("tech_code_text")
        self.code_label.setStyleSheet(CODE_STYLE)
        parts = keypad_screen(
            self,
            tr("注册终端"),
            [self.target, self.code_label],
            "tech_code_",
            (CODE_KEYS, COLUMNS),
            self._key,
            self.cancelled.emit,
        )
        self.message, self.keys, self.cancel = parts.message, parts.keys, parts.cancel
        # Six keys a row, as wide as the PIN pad's; less padding so that 删除 fits the same width.
        parts.pad.setMinimumWidth(960)
        parts.pad.setStyleSheet(PAD_STYLE + " QPushButton { padding: 4px 8px; }")
        self.reset()

    # -- state --------------------------------------------------------------------------------
    def reset(self, target: str = "") -> None:
        """Empty code, keys enabled; `target` says which terminal registers where."""
        self._code = ""
        self.target.setText(target)
        self.message.setText("")
        self.set_busy(False)
        self._show_code()

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def set_busy(self, busy: bool) -> None:
        """While registering, no key and no cancel: the code is spent once the platform has it."""
        for widget in (*self.keys.values(), self.cancel):
            widget.setEnabled(not busy)

    def code(self) -> str:
        return self._code

    # -- input --------------------------------------------------------------------------------
    def _key(self, key: str) -> None:
        if key == "ok":
            if len(self._code) < CODE_LEN:
                self.message.setText(tr(REGISTER_TEXT["reg_incomplete"]))
                return
            self.submitted.emit(formatted(self._code))
            return
        if key == "del":
            self._code = self._code[:-1]
        elif len(self._code) < CODE_LEN:
            self._code += key
        self.message.setText("")
        self._show_code()

    def _show_code(self) -> None:
        self.code_label.setText(formatted(self._code))
