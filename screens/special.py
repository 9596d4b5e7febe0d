"""Screens with more than text and buttons: the camera preview, the rating faces, the PIN pad."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout

from kiosk.flow import events as ev
from screens import steps
from screens.base import StepScreen
from screens.texts import RATINGS, tr
from screens.widgets import button, label


class StaffPin:
    """Intent: a staff member typed a PIN to unlock the assisted check."""

    def __init__(self, pin: str) -> None:
        self.pin = pin


class FaceCaptureScreen(StepScreen):
    PREVIEW_W, PREVIEW_H = 640, 480

    def __init__(self) -> None:
        super().__init__("face_capture", steps.face_capture)
        self.preview = QLabel()
        self.preview.setObjectName("preview")
        self.preview.setFixedSize(self.PREVIEW_W, self.PREVIEW_H)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QProgressBar()
        self.progress.setObjectName("action_progress")
        self.progress.setFormat(tr("第 %v 个动作，共 %m 个"))
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.preview)
        row.addStretch()
        self.content.addLayout(row)
        self.content.addWidget(self.progress)

    def render_content(self, view: dict[str, Any]) -> None:
        total = int(view.get("actions_total") or 0)
        self.progress.setVisible(total > 0 and not view.get("liveness_failed"))
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(min(int(view.get("action_index") or 0) + 1, total))
        self.preview.setVisible(not view.get("liveness_failed"))

    def show_frame(self, image: QImage) -> None:
        """Draw the camera frame, mirrored like a mirror, with the oval the face goes in."""
        scaled = image.flipped(Qt.Orientation.Horizontal).scaled(
            self.PREVIEW_W,
            self.PREVIEW_H,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
        pixmap = QPixmap.fromImage(scaled)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#FFFFFF"), 8, Qt.PenStyle.DashLine))
        w, h = pixmap.width(), pixmap.height()
        painter.drawEllipse(QRectF(w * 0.28, h * 0.12, w * 0.44, h * 0.76))
        painter.end()
        self.preview.setPixmap(pixmap)


class RateScreen(StepScreen):
    def __init__(self) -> None:
        super().__init__("rate", steps.rate)
        row = QGridLayout()
        row.setSpacing(24)
        for index, (score, _face, text) in enumerate(RATINGS):
            row.addWidget(
                button(
                    tr(text),
                    f"rate_{score}",
                    partial(self.send, ev.Rated(score)),
                    "primary" if score >= 4 else "",
                ),
                index // 3,
                index % 3,
            )
        self.content.addLayout(row)


class HelpScreen(StepScreen):
    def __init__(self) -> None:
        super().__init__("help", steps.help_)
        self.help_button.hide()  # staff are already called
        self._pin = ""
        open_pad = button(tr("工作人员办理"), "staff_unlock", self._toggle_pad, "")
        self.content.addWidget(open_pad)
        self.pad = self._pin_pad()
        self.content.addWidget(self.pad)

    def render_content(self, view: dict[str, Any]) -> None:
        self.help_button.hide()
        self._pin = ""
        self._show_pin()
        self.pad.hide()

    def _toggle_pad(self) -> None:
        self.pad.setVisible(not self.pad.isVisible())

    def _pin_pad(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("pinpad")
        box = QVBoxLayout(frame)
        self.pin_label = label("", "title")
        box.addWidget(self.pin_label)
        grid = QGridLayout()
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
        for index, key in enumerate(keys):
            name = {"⌫": "pin_del", "OK": "pin_ok"}.get(key, f"pin_{key}")
            text = tr("删除") if key == "⌫" else (tr("确定") if key == "OK" else key)
            grid.addWidget(button(text, name, partial(self._key, key)), index // 3, index % 3)
        box.addLayout(grid)
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
        self.pad.show()
        self.pin_label.setText(text)

    def _show_pin(self) -> None:
        self.pin_label.setText("●" * len(self._pin) if self._pin else tr("请输入工作人员密码"))
