"""The kiosk window: a stack of one screen per flow step."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStackedWidget, QWidget

from kiosk.flow import events as ev
from kiosk.flow.model import Step
from kiosk.flow.view import StepView
from screens import steps
from screens.base import StepScreen
from screens.face_capture import FaceCaptureScreen
from screens.help import HelpScreen
from screens.picture_screens import BusyScreen, RateReasonScreen, RateScreen, ReadCardScreen
from screens.theme import STYLE

SPEC_OF_STEP = {
    Step.IDLE: steps.idle,
    Step.CONFIRM_IDENTITY: steps.confirm_identity,
    Step.CONSENT: steps.consent,
    Step.RESULT: steps.result,
    Step.THANKS: steps.thanks,
    Step.DEVICE_FAULT: steps.device_fault,
}

# Waits of unknown length: a busy indicator (a failed print shows none).
BUSY_SPEC_OF_STEP = {
    Step.MATCHING: steps.matching,
    Step.LOOKUP: steps.lookup,
    Step.PRINT: steps.print_,
}


class TouchWatcher(QObject):
    """Any press anywhere in the kiosk window is a sign of life: it restarts the idle timer
    and, on the welcome screen, starts the greeting. Installed on the QApplication, because a
    press goes to the widget under the finger, not to the window."""

    touched = Signal()
    PRESSES = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin})

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            event.type() in self.PRESSES
            and isinstance(watched, QWidget)
            and watched.window() is self._window
        ):
            self.touched.emit()
        return False  # only watching: the press goes on to its widget


class KioskWindow(QStackedWidget):
    """Shows the screen for a step; re-emits every screen's intents on `intent`."""

    intent = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.setStyleSheet(STYLE)
        self.setWindowTitle("自助服务终端")
        self.touch_watcher = TouchWatcher(self)
        self.touch_watcher.touched.connect(lambda: self.intent.emit(ev.Touched()))
        self.screens: dict[Step, StepScreen] = {}
        for step, spec in SPEC_OF_STEP.items():
            self._add(step, StepScreen(str(step), spec))
        self._add(Step.READ_CARD, ReadCardScreen())
        for step, spec in BUSY_SPEC_OF_STEP.items():
            self._add(step, BusyScreen(str(step), spec))
        self.face_screen = FaceCaptureScreen()
        self._add(Step.FACE_CAPTURE, self.face_screen)
        self._add(Step.RATE, RateScreen())
        self._add(Step.RATE_REASON, RateReasonScreen())
        self.help_screen = HelpScreen()
        self._add(Step.HELP, self.help_screen)

    def _add(self, step: Step, screen: StepScreen) -> None:
        self.screens[step] = screen
        screen.intent.connect(self.intent)
        self.addWidget(screen)

    def show_step(self, step: Step, view: StepView) -> StepScreen:
        screen = self.screens[step]
        screen.show_view(view)
        self.setCurrentWidget(screen)
        return screen

    def set_replay_available(self, available: bool) -> None:
        """再听一遍 only where it does something: hidden while voice is off, there is no audio
        device or the screen's prompt has no file (everything it would say is on screen)."""
        for screen in self.screens.values():
            screen.replay_button.setVisible(available)

    def current_screen(self) -> StepScreen:
        widget = self.currentWidget()
        assert isinstance(widget, StepScreen)
        return widget

    def show_frame(self, image: QImage) -> None:
        if self.currentWidget() is self.face_screen:
            self.face_screen.show_frame(image)
