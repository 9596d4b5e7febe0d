"""The help screen: staff are on their way, and their own way in (the PIN pad of the
assisted check)."""

from __future__ import annotations

from functools import partial

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QPushButton,
    QVBoxLayout,
)

from kiosk.flow.view import StepView
from screens import steps
from screens.base import StepScreen
from screens.texts import tr
from screens.widgets import PhraseLabel, button


class StaffPin:
    """Intent: a staff member typed a PIN to unlock the assisted check."""

    def __init__(self, pin: str) -> None:
        self.pin = pin


KEYS_PHONE = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK")
KEYS_WIDE = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "⌫", "OK")


class HelpScreen(StepScreen):
    BODY_FIRST = True  # what happens now, then the staff's own way in

    def __init__(self) -> None:
        super().__init__("help", steps.help_)  # its spec hides "call staff": they are called
        self._pin = ""
        open_pad = button(tr("工作人员办理"), "staff_unlock", self._toggle_pad, "")
        self.content.addWidget(open_pad)
        self.pad = self._pin_pad()
        self.content.addWidget(self.pad)

    def render_content(self, view: StepView) -> None:
        self._pin = ""
        self._show_pin()
        self._set_pad(False)

    def _toggle_pad(self) -> None:
        self._set_pad(not self.pad.isVisible())

    def _set_pad(self, open_: bool) -> None:
        """While staff type their PIN the explanation and the resident's button step aside:
        the pad needs the room (landscape has none to spare)."""
        self.pad.setVisible(open_)
        self.body.setVisible(not open_ and bool(self.body.raw_text()))
        for index in range(self.actions_row.count()):
            item = self.actions_row.itemAt(index)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setVisible(not open_)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        # Keys in two rows of six on a landscape panel (0 after 9), a phone's four rows of
        # three in portrait (0 between delete and OK).
        landscape = event.size().width() >= event.size().height()
        order, columns = (KEYS_WIDE, 6) if landscape else (KEYS_PHONE, 3)
        for index, key in enumerate(order):
            self.grid.removeWidget(self.keys[key])
            self.grid.addWidget(self.keys[key], index // columns, index % columns)
        super().resizeEvent(event)

    def _pin_pad(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("pinpad")
        box = QVBoxLayout(frame)
        self.pin_label = PhraseLabel("title")
        box.addWidget(self.pin_label)
        self.grid = QGridLayout()
        self.keys: dict[str, QPushButton] = {}
        for index, key in enumerate(KEYS_PHONE):
            name = {"⌫": "pin_del", "OK": "pin_ok"}.get(key, f"pin_{key}")
            text = tr("删除") if key == "⌫" else (tr("确定") if key == "OK" else key)
            self.keys[key] = button(text, name, partial(self._key, key))
            self.grid.addWidget(self.keys[key], index // 3, index % 3)
        box.addLayout(self.grid)
        frame.hide()
        return frame

    def _key(self, key: str) -> None:
        if key == "OK":
            pin, self._pin = self._pin, ""
            self.intent.emit(StaffPin(pin))
        elif key == "⌫":
            self._pin = self._pin[:-1]
        elif len(self._pin) < 12:
            self._pin += key
        self._show_pin()

    def show_pin_message(self, text: str) -> None:
        """A wrong PIN or a lockout: say so where the PIN was typed."""
        self._set_pad(True)
        self.pin_label.set_phrases(text)

    def _show_pin(self) -> None:
        self.pin_label.set_phrases("●" * len(self._pin) if self._pin else tr("请输入工作人员密码"))
