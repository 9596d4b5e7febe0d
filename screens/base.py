"""A step screen: step indicator, title, body, one main action, and the footer every screen
has (back where it makes sense, replay the voice, call staff). Screens render the flow's view
and emit intents (flow events); they never touch devices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.flow import events as ev
from kiosk.flow.view import StepView
from screens.texts import tr
from screens.widgets import PhraseLabel, button, label


@dataclass(frozen=True)
class Action:
    text: str
    name: str  # objectName: tests and the demo click buttons by it
    event: Callable[[], object]
    role: str = ""  # primary | help | ""


@dataclass(frozen=True)
class Spec:
    title: str
    body: str = ""
    actions: list[Action] = field(default_factory=list)
    tone: str = ""  # "warning" for bad news
    emphasis: str = ""  # a big line under the title (masked identity, validity)
    staff_called: bool = False  # staff are on their way: no "call staff" button
    status: str = ""  # a device's state in words, under the body (the card reader's)
    status_tone: str = ""  # "ok" | "warning"


class ReplayVoice:
    """Intent: play this screen's prompt again (not a flow event)."""


class StepScreen(QWidget):
    intent = Signal(object)
    BODY_FIRST = False  # the help screen explains before it offers the staff PIN pad

    def __init__(self, step: str, spec: Callable[[StepView], Spec]) -> None:
        super().__init__()
        self.step = step
        self._spec = spec
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(24)
        self.step_label = label("", "step")
        self.title = PhraseLabel("title")
        self.emphasis = label("", "identity")
        self.body = PhraseLabel("body")
        self.status = PhraseLabel("status")
        self.content_box = QWidget()  # extra widgets of a screen (preview, faces, PIN pad)
        self.content = QVBoxLayout(self.content_box)
        self.content.setContentsMargins(0, 0, 0, 0)
        self.content.setSpacing(24)
        self.actions_row = QVBoxLayout()  # one big button per row: easy to aim at
        self.actions_row.setSpacing(20)
        self.more_time = self._more_time_panel()
        # The step indicator on top, the footer at the bottom, and the screen's own block
        # (title .. actions) centred between them: no wall of white under the title.
        layout.addWidget(self.step_label)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.emphasis)
        if self.BODY_FIRST:
            layout.addWidget(self.body)
        layout.addWidget(self.content_box)
        if not self.BODY_FIRST:
            layout.addWidget(self.body)
        layout.addWidget(self.status)
        layout.addLayout(self.actions_row)
        layout.addWidget(self.more_time)
        layout.addStretch(1)
        layout.addLayout(self._footer())
        self._layout = layout
        self._expands = False
        self._view = StepView()

    def expand_content(self) -> None:
        """Give the content (a camera preview) all the height the texts leave free."""
        self._expands = True
        self._stretch_content(True)

    def content_margin_width(self) -> int:
        margins = self._layout.contentsMargins()
        return margins.left() + margins.right()

    def _stretch_content(self, expand: bool) -> None:
        for index in range(self._layout.count()):
            item = self._layout.itemAt(index)
            if item is not None and item.spacerItem() is not None:
                self._layout.setStretch(index, 0 if expand else 1)
        self._layout.setStretchFactor(self.content_box, 1 if expand else 0)

    # -- building -------------------------------------------------------------------------
    def _footer(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(40)
        self.back_button = button(tr("返回上一步"), "back", lambda: self.send(ev.Back()), "footer")
        self.replay_button = button(
            tr("再听一遍"), "replay", lambda: self.intent.emit(ReplayVoice()), "footer"
        )
        self.help_button = button(
            tr("呼叫工作人员"), "call_staff", lambda: self.send(ev.HelpRequested()), "help"
        )
        self.help_button.setProperty("footer", "true")
        for widget in (self.back_button, self.replay_button, self.help_button):
            row.addWidget(widget)
        return row

    def _more_time_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("moretime")
        box = QVBoxLayout(panel)
        box.addWidget(label(tr("还需要更多时间吗？"), "title"))
        row = QHBoxLayout()
        row.addWidget(
            button(
                tr("需要"), "more_time_yes", lambda: self.send(ev.MoreTimeAnswered(True)), "primary"
            )
        )
        row.addWidget(
            button(
                tr("不需要，结束"), "more_time_no", lambda: self.send(ev.MoreTimeAnswered(False))
            )
        )
        box.addLayout(row)
        panel.hide()
        return panel

    # -- rendering ------------------------------------------------------------------------
    def send(self, event: object) -> None:
        self.intent.emit(event)

    def show_view(self, view: StepView) -> None:
        self._view = view
        spec = self._spec(view)
        self.step_label.setText(self._step_text(view))
        self.step_label.setVisible(bool(view.step_no))
        self.title.set_phrases(spec.title)
        self.title.setProperty("tone", spec.tone)
        self.title.style().unpolish(self.title)
        self.title.style().polish(self.title)
        self.emphasis.setText(spec.emphasis)
        self.emphasis.setVisible(bool(spec.emphasis))
        self.body.set_phrases(spec.body)
        self.body.setVisible(bool(spec.body))
        self.status.set_phrases(spec.status)
        self.status.setVisible(bool(spec.status))
        self.status.setProperty("tone", spec.status_tone)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self._set_actions(spec.actions)
        self.back_button.setVisible(view.can_go_back)
        self.help_button.setVisible(not spec.staff_called)
        more = view.more_time
        self.more_time.setVisible(more)
        self.content_box.setVisible(not more)
        if more:  # one question at a time: the step's own actions wait behind it
            self.body.hide()
            self.status.hide()
            self._set_actions([])
        self.render_content(view)
        self._stretch_content(self._expands and self.content_box.isVisibleTo(self))

    def _emit_made(self, make: Callable[[], object]) -> None:
        self.send(make())

    def render_content(self, view: StepView) -> None:
        """Subclasses with extra widgets (camera preview, rating faces) update them here."""

    def _step_text(self, view: StepView) -> str:
        if not view.step_no:
            return ""
        return tr("第 {n} 步，共 {total} 步").format(n=view.step_no, total=view.step_total)

    def _set_actions(self, actions: list[Action]) -> None:
        while self.actions_row.count():
            item = self.actions_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for action in actions:
            make = action.event
            widget = button(action.text, action.name, partial(self._emit_made, make), action.role)
            self.actions_row.addWidget(widget)
            widget.show()  # addWidget only queues the show: a screenshot must see it now
        layout = self.layout()
        if layout is not None:
            layout.activate()

    def labels(self) -> list[QLabel]:
        return self.findChildren(QLabel)
