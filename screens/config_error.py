"""Shown instead of the kiosk when the terminal's configuration cannot be used.

For the technician, not the resident: the file, the key and the fix, in large type, and how to
restart once it is fixed. A resident who sees it is asked to call staff.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from screens.texts import tr

STYLE = """
QWidget#config_error { background: #FFFFFF; }
QLabel { color: #111111; font-size: 36px; }
QLabel#title { font-size: 56px; font-weight: bold; color: #8A1C00; }
QLabel#detail { font-size: 32px; font-family: monospace; background: #F2F2F2; padding: 24px; }
"""


class ConfigErrorScreen(QWidget):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.setObjectName("config_error")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setWindowTitle("自助服务终端")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 48, 64, 48)
        layout.setSpacing(32)
        self.title = self._label(tr("终端配置有误，暂停服务"), "title")
        self.detail = self._label(message, "detail")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.advice = self._label(
            tr("请工作人员修改配置文件后重启终端：sudo systemctl restart kiosk"), "advice"
        )
        self.resident = self._label(tr("办事群众请联系工作人员。"), "resident")
        layout.addStretch(1)
        for widget in (self.title, self.detail, self.advice, self.resident):
            layout.addWidget(widget)
        layout.addStretch(1)

    @staticmethod
    def _label(text: str, name: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label
