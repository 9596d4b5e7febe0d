"""The kiosk window: a stack of one screen per flow step."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStackedWidget

from kiosk.flow.model import Step
from screens import steps
from screens.base import StepScreen
from screens.special import FaceCaptureScreen, HelpScreen, RateScreen
from screens.theme import STYLE

SPEC_OF_STEP = {
    Step.IDLE: steps.idle,
    Step.READ_CARD: steps.read_card,
    Step.CONFIRM_IDENTITY: steps.confirm_identity,
    Step.CONSENT: steps.consent,
    Step.MATCHING: steps.matching,
    Step.LOOKUP: steps.lookup,
    Step.RESULT: steps.result,
    Step.PRINT: steps.print_,
    Step.THANKS: steps.thanks,
    Step.DEVICE_FAULT: steps.device_fault,
}


class KioskWindow(QStackedWidget):
    """Shows the screen for a step; re-emits every screen's intents on `intent`."""

    intent = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.setStyleSheet(STYLE)
        self.setWindowTitle("自助服务终端")
        self.screens: dict[Step, StepScreen] = {}
        for step, spec in SPEC_OF_STEP.items():
            self._add(step, StepScreen(str(step), spec))
        self.face_screen = FaceCaptureScreen()
        self._add(Step.FACE_CAPTURE, self.face_screen)
        self._add(Step.RATE, RateScreen())
        self.help_screen = HelpScreen()
        self._add(Step.HELP, self.help_screen)

    def _add(self, step: Step, screen: StepScreen) -> None:
        self.screens[step] = screen
        screen.intent.connect(self.intent)
        self.addWidget(screen)

    def show_step(self, step: Step, view: dict[str, Any]) -> StepScreen:
        screen = self.screens[step]
        screen.show_view(view)
        self.setCurrentWidget(screen)
        return screen

    def current_screen(self) -> StepScreen:
        widget = self.currentWidget()
        assert isinstance(widget, StepScreen)
        return widget

    def show_frame(self, image: QImage) -> None:
        if self.currentWidget() is self.face_screen:
            self.face_screen.show_frame(image)
