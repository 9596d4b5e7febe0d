"""Shown instead of the kiosk when it cannot start until a technician fixes the terminal.

For the technician, not the resident: the file, the problem and the fix, in large type, and how
to restart once it is fixed. A resident who sees it is asked to call staff.
- ConfigErrorScreen: the configuration file cannot be used (`config.ConfigError`).
- StartupErrorScreen: the terminal's own files stop it (a key file open to other users, a case
  store that cannot be opened: `kiosk.app.StartupError`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from screens.texts import tr

STYLE = """
QWidget#technician_error { background: #FFFFFF; }
QLabel { color: #111111; font-size: 36px; }
QLabel#title { font-size: 56px; font-weight: bold; color: #8A1C00; }
QLabel#detail { font-size: 32px; font-family: monospace; background: #F2F2F2; padding: 24px; }
"""


class TechnicianErrorScreen(QWidget):
    """A title, the technician's detail (selectable) and what to do after fixing it."""

    def __init__(self, title: str, detail: str, advice: str) -> None:
        super().__init__()
        self.setObjectName("technician_error")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setWindowTitle("自助服务终端")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 48, 64, 48)
        layout.setSpacing(32)
        self.title = self._label(title, "title")
        self.detail = self._label(detail, "detail")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.advice = self._label(advice, "advice")
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


class ConfigErrorScreen(TechnicianErrorScreen):
    def __init__(self, message: str) -> None:
        super().__init__(
            tr("终端配置有误，暂停服务"),
            message,
            tr("请工作人员修改配置文件后重启终端：sudo systemctl restart kiosk"),
        )


class StartupErrorScreen(TechnicianErrorScreen):
    def __init__(self, detail: str) -> None:
        super().__init__(
            tr("终端无法启动，暂停服务"),
            detail,
            tr("请工作人员按上面的提示处理后重启终端：sudo systemctl restart kiosk"),
        )
