"""The face capture screen: the live preview as large as the screen allows, the action's
prompt and picture beside it (landscape) or under it (portrait)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QImage, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QVBoxLayout,
)

from kiosk.flow.view import StepView
from screens import steps
from screens.base import StepScreen
from screens.pictures import (
    ACTIONS,
    ActionPictogram,
    PreviewView,
    StepDots,
)
from screens.texts import tr
from screens.widgets import label

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

    def render_content(self, view: StepView) -> None:
        failed = bool(view.liveness_failed)
        total = view.face.actions_total
        current = min(view.face.action_index + 1, total)
        self.pictogram.set_action(view.face.action)
        self.pictogram.setVisible(not failed and self.pictogram.action in ACTIONS)
        self.progress.setText(
            tr("第 {n} 个动作，共 {total} 个").format(n=current, total=total) if total else ""
        )
        self.progress.setVisible(total > 0 and not failed)
        self.dots.set_progress(current, total)
        self.dots.setVisible(total > 0 and not failed)
        self.preview.setVisible(not failed)
        self.content_box.setVisible(not failed and not view.more_time)
        self._place_texts(self._landscape and self.content_box.isVisibleTo(self))
        self._layout.activate()  # the column's width as it is now laid out
        self._fit_side_texts()

    def show_frame(self, image: QImage) -> None:
        self.preview.set_image(image)
