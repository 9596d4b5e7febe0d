"""Screens with more than text and buttons: pictures, the camera preview, the rating faces,
the PIN pad."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QImage, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.flow import events as ev
from screens import steps
from screens.base import Spec, StepScreen
from screens.pictures import (
    ACTIONS,
    ActionPictogram,
    BusyIndicator,
    CardPicture,
    FaceIcon,
    PreviewView,
    StepDots,
)
from screens.texts import RATINGS, tr
from screens.widgets import PhraseLabel, button, label

NO_LIMIT = 16_777_215  # QWIDGETSIZE_MAX (not exported by PySide6)
# (title px, guidance px) to try, largest first, when the action column beside the preview is
# too short for its texts (a long English guidance): never below the 32 px floor.
SIDE_FONT_STEPS: tuple[tuple[int | None, int | None], ...] = (
    (None, None),  # the stylesheet's sizes
    (56, 44),
    (56, 40),
    (48, 40),
    (48, 36),
    (40, 36),
)
SpecOf = Callable[[dict[str, Any]], Spec]


class StaffPin:
    """Intent: a staff member typed a PIN to unlock the assisted check."""

    def __init__(self, pin: str) -> None:
        self.pin = pin


class FaceCaptureScreen(StepScreen):
    """The live preview as large as the screen allows, and beside it (landscape) or under it
    (portrait) the current action as a pictogram and how many actions there are.

    In landscape the height is what limits the preview, so the action's title and the
    guidance move into the column beside it: everything about the action in one place.
    """

    def __init__(self) -> None:
        super().__init__("face_capture", steps.face_capture)
        self.body.setObjectName("guidance")  # what to change right now: bold, in the accent
        self.preview = PreviewView()
        self.pictogram = ActionPictogram()
        self.progress = label("", "progress")
        self.progress.setWordWrap(False)
        self.dots = StepDots()
        self.counter = counter = QVBoxLayout()
        counter.addStretch(1)
        counter.addWidget(self.progress)
        counter.addWidget(self.dots)
        counter.addStretch(1)
        self.side = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.side.setSpacing(24)
        self.side.addWidget(self.pictogram, 1)
        self.side.addLayout(counter)
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.setSpacing(32)
        self.row.addWidget(self.preview, 2)
        self.row.addLayout(self.side, 1)
        self.content.addLayout(self.row)
        self.expand_content()
        self._landscape = True
        self._texts_beside = False
        self.content_box.installEventFilter(self)  # its height is the column's: refit then

    def _place_texts(self, beside: bool) -> None:
        """Title and guidance beside the preview, or above and below it as on every screen."""
        if beside == self._texts_beside:
            return
        self._texts_beside = beside
        for widget in (self.title, self.body):
            widget.parentWidget().layout().removeWidget(widget)  # type: ignore[union-attr]
        if beside:
            self.side.insertWidget(0, self.title)
            self.side.addWidget(self.body)
        else:
            self._layout.insertWidget(self._layout.indexOf(self.emphasis), self.title)
            self._layout.insertWidget(self._layout.indexOf(self.content_box) + 1, self.body)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.content_box and event.type() == QEvent.Type.Resize:
            self._fit_side_texts()
        return False

    def _fit_side_texts(self) -> None:
        """Beside the preview the column's height is fixed by the panel: if the title and the
        guidance need more lines than it has room for, draw them a step smaller (wrapped, never
        cut off). Above and below the preview they keep the stylesheet's sizes."""
        steps = SIDE_FONT_STEPS if self._texts_beside else SIDE_FONT_STEPS[:1]
        width = self.side.geometry().width()
        others = self.pictogram.minimumHeight() if self.pictogram.isVisibleTo(self) else 0
        others += self.counter.sizeHint().height()
        others += self.side.spacing() * (self.side.count() - 1)
        for title_px, body_px in steps:
            self.title.set_font_px(title_px)
            self.body.set_font_px(body_px)
            needed = self.title.heightForWidth(width)
            if self.body.isVisibleTo(self):
                needed += self.body.heightForWidth(width)
            if needed + others <= self.content_box.height():
                return

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        landscape = event.size().width() >= event.size().height()
        self._landscape = landscape
        self._place_texts(landscape and self.content_box.isVisibleTo(self))
        self.row.setDirection(
            QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom
        )
        self.side.setDirection(
            QBoxLayout.Direction.TopToBottom if landscape else QBoxLayout.Direction.LeftToRight
        )
        # Landscape: a third of the width for the action column (a 4:3 preview as high as the
        # panel allows needs no more); portrait: the pictogram row keeps its own height and
        # the preview takes the rest.
        self.row.setStretch(0, 3 if landscape else 1)
        self.row.setStretch(1, 2 if landscape else 0)
        # and no taller than the picture it shows: the space left goes to the pictogram.
        width = event.size().width() - self.content_margin_width()
        self.preview.setMaximumHeight(NO_LIMIT if landscape else width * 3 // 4)
        super().resizeEvent(event)

    def render_content(self, view: dict[str, Any]) -> None:
        failed = bool(view.get("liveness_failed"))
        total = int(view.get("actions_total") or 0)
        current = min(int(view.get("action_index") or 0) + 1, total)
        self.pictogram.set_action(str(view.get("action") or ""))
        self.pictogram.setVisible(not failed and self.pictogram.action in ACTIONS)
        self.progress.setText(
            tr("第 {n} 个动作，共 {total} 个").format(n=current, total=total) if total else ""
        )
        self.progress.setVisible(total > 0 and not failed)
        self.dots.set_progress(current, total)
        self.dots.setVisible(total > 0 and not failed)
        self.preview.setVisible(not failed)
        self.content_box.setVisible(not failed and not view.get("more_time"))
        self._place_texts(self._landscape and self.content_box.isVisibleTo(self))
        self._layout.activate()  # the column's width as it is now laid out
        self._fit_side_texts()

    def show_frame(self, image: QImage) -> None:
        self.preview.set_image(image)


class PictureScreen(StepScreen):
    """A step screen with a picture between the title and the instruction."""

    def __init__(self, step: str, spec: SpecOf, picture: QWidget) -> None:
        super().__init__(step, spec)
        self.picture = picture
        self.content.addWidget(picture)  # full width: each picture centres its drawing


class ReadCardScreen(PictureScreen):
    """Where the card goes: the reader and a card going down onto it."""

    def __init__(self) -> None:
        super().__init__("read_card", steps.read_card, CardPicture())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        # As large as the width allows in its own shape, but never more than 45% of the
        # height: the instruction and the buttons stay in one centred block with it.
        width = event.size().width() - self.content_margin_width()
        self.picture.setFixedHeight(
            min(
                width * CardPicture.SHAPE[1] // CardPicture.SHAPE[0],
                event.size().height() * 45 // 100,
            )
        )
        super().resizeEvent(event)


class BusyScreen(PictureScreen):
    """Matching, lookup, printing: a wait whose length is unknown, so dots going round."""

    def __init__(self, step: str, spec: SpecOf) -> None:
        super().__init__(step, spec, BusyIndicator())

    def render_content(self, view: dict[str, Any]) -> None:
        # A failed print is not a wait any more: no spinner beside "请联系工作人员".
        self.content_box.setVisible(not view.get("print_failed") and not view.get("more_time"))


class RatingButton(QPushButton):
    """One big face with its words under it; the whole button is the target."""

    def __init__(self, score: int, text: str, on_click: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName(f"rate_{score}")
        self.setAccessibleName(text)  # the button itself has no text: its words are a child
        self.setProperty("rating", "true")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 16, 8, 12)
        box.setSpacing(8)
        self.face = FaceIcon(score)
        self.words = PhraseLabel("rating_text")
        self.words.set_phrases(text)
        self.words.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        box.addWidget(self.face, 1)
        box.addWidget(self.words)
        self.clicked.connect(lambda _checked=False: on_click())


class RateScreen(StepScreen):
    """Five faces, very unhappy to very happy, all alike in colour: no nudging."""

    def __init__(self) -> None:
        super().__init__("rate", steps.rate)
        row = QHBoxLayout()
        row.setSpacing(16)
        for score, text in RATINGS:
            row.addWidget(RatingButton(score, tr(text), partial(self.send, ev.Rated(score))))
        self.content.addLayout(row)


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

    def render_content(self, view: dict[str, Any]) -> None:
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
