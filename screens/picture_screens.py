"""Step screens with a picture: the card going onto the reader, the busy dots of a wait,
the five rating faces."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from contract.ratings import RATING_REASONS
from kiosk.flow import events as ev
from kiosk.flow.view import StepView
from screens import answers, steps
from screens.base import Spec, StepScreen
from screens.pictures import (
    BusyIndicator,
    CardPicture,
    FaceIcon,
    ReasonIcon,
)
from screens.texts import RATING_REASON_TEXT, RATINGS, tr
from screens.widgets import PhraseLabel

SpecOf = Callable[[StepView], Spec]


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

    def render_content(self, view: StepView) -> None:
        # A failed print is not a wait any more: no spinner beside "请联系工作人员".
        self.content_box.setVisible(not view.print_failed and not view.more_time)


class RatingButton(QPushButton):
    """One big face (or pictogram) with its words under it; the whole button is the target."""

    def __init__(
        self,
        score: int,
        text: str,
        on_click: Callable[[], None],
        *,
        picture: QWidget | None = None,
        name: str = "",
    ) -> None:
        super().__init__()
        self.setObjectName(name or f"rate_{score}")
        self.setAccessibleName(text)  # the button itself has no text: its words are a child
        self.setProperty("rating", "true")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 16, 8, 12)
        box.setSpacing(8)
        self.face = picture or FaceIcon(score)
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


class RateReasonScreen(StepScreen):
    """After a poor rating: what went wrong, one big pictogram each, or skip (the action)."""

    def __init__(self) -> None:
        super().__init__("rate_reason", answers.rate_reason)
        row = QHBoxLayout()
        row.setSpacing(16)
        for reason in RATING_REASONS:
            text = tr(RATING_REASON_TEXT[reason])
            chosen = partial(self.send, ev.RatingReasonChosen(reason))
            button = RatingButton(0, text, chosen, picture=ReasonIcon(reason), name=f"why_{reason}")
            row.addWidget(button)
        self.content.addLayout(row)
