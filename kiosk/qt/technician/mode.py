"""Technician mode in the running kiosk: the hidden gesture, the PIN, the technician panel.

Five taps within 4 s in the top-right 160x160 px corner of the window, on the welcome screen
only (a resident's session is never interrupted), open the PIN entry (pin.py). The right
technician PIN (`PinGate`, with its lockout) opens the `TechnicianPanel` in the window's stack;
it is refreshed every second. Each of the panel's buttons is one action (actions.py,
reprint.py, register.py) that owns whether it is running and what it said; this module builds
the panel's `TechnicianView` from them, the disk's facts and the device states. Anything that
can block (PBKDF2, store queries, the log file, the export, the registration) runs on one
off-GUI runner, thread `kiosk-technician`, and comes back as Done or Failed. The session flow
is never dispatched to: leaving shows its screen again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from devices.camera.base import Frame
from kiosk.flow import Step
from kiosk.qt.controller import KioskController
from kiosk.qt.runner import OffGuiRunner
from kiosk.qt.technician.actions import (
    Action,
    CardReadAction,
    DiagnosticsAction,
    ExitAction,
    ExportAction,
    FactsReader,
    LeaveAction,
    SyncNowAction,
    TestPrintAction,
    newest_message,
)
from kiosk.qt.technician.facts import Facts, collect
from kiosk.qt.technician.gesture import CORNER_PX, ActivityWatch, CornerGesture
from kiosk.qt.technician.pin import PinPrompt
from kiosk.qt.technician.register import RegisterAction, TechnicianRegistration
from kiosk.qt.technician.reprint import ReprintAction
from kiosk.qt.technician.view import DeviceStates, text
from kiosk.records.print_jobs import PrintJobStore
from kiosk.release import version
from kiosk.technician.gate import PinGate
from offline_queue.keys import TerminalKeys
from offline_queue.store import CaseStore
from offline_queue.sync import SyncWorker
from screens.technician import TechnicianPanel, config_view
from screens.technician_view import KeptJobs, TechnicianView
from screens.window import KioskWindow

if TYPE_CHECKING:
    from config.settings import Settings
    from kiosk.app import KioskRuntime

__all__ = ["CORNER_PX", "TechnicianMode", "text"]

log = logging.getLogger(__name__)

REFRESH_MS = 1000
PANEL_IDLE_TIMEOUT_MS = 10 * 60_000  # a forgotten technician panel gives the kiosk back


@dataclass(frozen=True)
class TechnicianActions:
    """The panel's buttons, one action each, in the panel's order."""

    card_read: CardReadAction
    test_print: TestPrintAction
    sync_now: SyncNowAction
    export: ExportAction
    diagnostics: DiagnosticsAction
    register: RegisterAction
    reprint: ReprintAction
    leave: LeaveAction
    exit_to_desktop: ExitAction

    def in_order(self) -> list[Action]:
        return [
            self.card_read,
            self.test_print,
            self.sync_now,
            self.export,
            self.diagnostics,
            self.register,
            self.reprint,
            self.leave,
            self.exit_to_desktop,
        ]


class TechnicianMode(QObject):
    """Owns the gesture, the PIN prompt, the panel, its actions and the runner."""

    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        keys: TerminalKeys,
        store: CaseStore,
        sync: SyncWorker | None,
        controller: KioskController,
        window: KioskWindow,
        jobs: PrintJobStore | None,
        *,
        gate: PinGate | None = None,
        platform_url: str = "",
        quit_app: Callable[[], None] = QApplication.quit,
    ) -> None:
        super().__init__(window)
        self.settings, self.controller, self.window = settings, controller, window
        self._runner = OffGuiRunner("technician", self)  # thread kiosk-technician
        self.devices = DeviceStates(controller, sync, self)
        self.active = False  # the panel is showing
        self.panel: TechnicianPanel | None = None
        self._config = config_view(settings)
        self._version = version()
        self._last_view: TechnicianView | None = None
        self.pin = PinPrompt(
            gate or PinGate.technician(settings.technician, state_dir=data_dir),
            window,
            self._runner,
            accepted=self.enter,
            cancelled=self._show_flow,
            parent=self,
        )
        log_setting = settings.logging.file
        self.reader = FactsReader(
            self.render,
            self._runner,
            lambda: collect(store, jobs, data_dir, log_setting, bool(settings.face.roster_file)),
            self._on_facts,
        )
        self.registration = TechnicianRegistration(
            settings, data_dir, platform_url, window, self._runner, self
        )
        self.actions = self._actions(data_dir, keys, store, sync, jobs, quit_app)
        self._by_intent = {
            intent: action for action in self.actions.in_order() for intent in action.intents
        }
        self.gesture = CornerGesture(window)
        self._activity = ActivityWatch(self._idle_timer_restart, self)
        self.refresh_timer = self._timer(REFRESH_MS, self.refresh, single=False)
        self.idle_timer = self._timer(PANEL_IDLE_TIMEOUT_MS, self.leave)
        self._wire()

    @classmethod
    def for_runtime(cls, runtime: KioskRuntime) -> TechnicianMode:
        return cls(
            runtime.settings,
            runtime.data_dir,
            runtime.keys,
            runtime.store,
            runtime.sync,
            runtime.controller,
            runtime.window,
            runtime.jobs,
            # The platform this kiosk syncs with (configured or embedded): it registers there.
            platform_url=runtime.client.base_url if runtime.client is not None else "",
        )

    def _actions(
        self,
        data_dir: Path,
        keys: TerminalKeys,
        store: CaseStore,
        sync: SyncWorker | None,
        jobs: PrintJobStore | None,
        quit_app: Callable[[], None],
    ) -> TechnicianActions:
        changed, runner, printer = self.render, self._runner, self.controller.printer
        return TechnicianActions(
            card_read=CardReadAction(changed, self.controller.card),
            test_print=TestPrintAction(changed, self.settings, printer, self._version),
            sync_now=SyncNowAction(changed, sync, store, runner),
            export=ExportAction(changed, runner, data_dir, store, keys),
            diagnostics=DiagnosticsAction(
                changed, runner, self.settings, lambda: self.devices.view(self.facts or Facts())
            ),
            register=RegisterAction(changed, self.registration, self._on_registration_done),
            reprint=ReprintAction(changed, runner, jobs, printer),
            leave=LeaveAction(changed, self.leave),
            exit_to_desktop=ExitAction(changed, self.leave, quit_app),
        )

    def _timer(self, ms: int, slot: Callable[[], None], *, single: bool = True) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(ms)
        timer.setSingleShot(single)
        timer.timeout.connect(slot)
        return timer

    def _wire(self) -> None:
        self.gesture.triggered.connect(self.open_pin_entry)
        c = self.controller
        c.screen_shown.connect(self._keep_on_top)
        c.card.card_event.connect(self._on_card_event)
        c.camera.frame.connect(self._on_frame)
        c.printer.printed.connect(self._on_printed)
        c.printer.failed.connect(self._on_print_result)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self._runner.start()

    def shutdown(self) -> None:
        if self.active:
            self._release_devices()
        for timer in (self.refresh_timer, self.pin.timer, self.idle_timer):
            timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._activity)
        self.gesture.remove()
        self._runner.shutdown()

    # -- gesture and PIN ----------------------------------------------------------------------
    def open_pin_entry(self) -> None:
        """Only from the welcome screen: a resident's session is never interrupted."""
        if self.active or self.pin.showing or self.controller.flow.step is not Step.IDLE:
            return
        if self.window.currentWidget() is not self.window.screens[Step.IDLE]:
            return
        self.pin.open()

    # -- entering and leaving -----------------------------------------------------------------
    def enter(self) -> None:
        panel = self._panel()
        self.active = True
        for action in self._speakers():
            action.reset()
        self._last_view = None
        self.devices.camera_starting()
        self.window.setCurrentWidget(panel)
        self.controller.camera.start_capture()  # the live preview
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._activity)
        self.idle_timer.start()
        self.refresh_timer.start()
        self.refresh()
        log.info("technician mode entered")

    def leave(self) -> None:
        """Back to the resident's screen; the flow is told nothing (it never left IDLE)."""
        if not self.active:
            return
        self.active = False
        self.registration.hide()
        self._release_devices()
        self.refresh_timer.stop()
        self.idle_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._activity)
        self._show_flow()
        log.info("technician mode left")

    def _release_devices(self) -> None:
        self.actions.card_read.release()
        self.controller.camera.stop_capture()

    def _show_flow(self) -> None:
        flow = self.controller.flow
        self.window.show_step(flow.step, flow.view())

    def _keep_on_top(self, _step: str, _view: object) -> None:
        """The flow showed a screen (a device event) while a technician screen is up."""
        if self.active and self.registration.showing and self.registration.entry is not None:
            self.window.setCurrentWidget(self.registration.entry)
        elif self.active and self.panel is not None:
            self.window.setCurrentWidget(self.panel)
        elif self.pin.showing and self.pin.entry is not None:
            self.window.setCurrentWidget(self.pin.entry)

    def _idle_timer_restart(self) -> None:
        self.idle_timer.start()

    def _panel(self) -> TechnicianPanel:
        if self.panel is None:
            self.panel = TechnicianPanel()
            self.panel.intent.connect(self.on_intent)
            self.window.addWidget(self.panel)
        return self.panel

    # -- the view -----------------------------------------------------------------------------
    @property
    def facts(self) -> Facts | None:
        """The last reading of the disk; None before the first."""
        return self.reader.facts

    def refresh(self) -> None:
        """Read the slow parts on the worker; render when they arrive."""
        if self.active:
            self.reader.start()

    def _on_facts(self, facts: Facts) -> None:
        self.actions.sync_now.check(facts)

    def render(self) -> None:
        """Only a changed view is rendered: re-rendering resets the log's scroll position."""
        if not self.active or self.panel is None:
            return
        view = self.view()
        if view != self._last_view:
            self._last_view = view
            self.panel.render_view(view)

    def view(self) -> TechnicianView:
        """The panel's view (screens/technician_view.py): masked, scrubbed, no personal data."""
        facts = self.facts or Facts()
        reprint = self.actions.reprint
        return TechnicianView(
            terminal_id=self.settings.terminal.id,
            version=self._version,
            registered=facts.registered,
            devices=self.devices.view(facts),
            queue=facts.queue,
            last_sync=facts.last_sync,
            last_sync_error=facts.last_sync_error,
            backlog=facts.backlog,
            logs=facts.logs,
            config=self._config,
            busy=frozenset(action.name for action in self.actions.in_order() if action.busy),
            message=newest_message(self._speakers()),
            kept=KeptJobs(facts.kept_count, reprint.rows(facts.kept_list)),
        )

    def _speakers(self) -> list[Action]:
        return [self.reader, *self.actions.in_order()]

    # -- device events --------------------------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        if self.active and self.panel is not None:
            image = self.devices.frame(frame)
            if image is not None:
                self.panel.show_frame(image)

    def _on_card_event(self, event: object) -> None:
        if self.active:
            self.actions.card_read.on_card_event(event)

    def _on_printed(self, job_id: str) -> None:
        self._on_print_result(job_id, "")

    def _on_print_result(self, job_id: str, failed_status: str) -> None:
        if self.actions.reprint.on_print_result(job_id, failed_status):
            self.refresh()  # the list loses the printed jobs
            self.render()
        else:
            self.actions.test_print.on_print_result(job_id, failed_status)

    def _on_registration_done(self) -> None:
        if self.active and self.panel is not None:
            self.window.setCurrentWidget(self.panel)
        self.refresh()  # the registration is read again: 注册终端 hides once registered
        self.render()

    # -- intents ------------------------------------------------------------------------------
    def on_intent(self, intent: object) -> None:
        self.idle_timer.start()
        action = self._by_intent.get(type(intent))
        if action is None:
            log.warning("technician panel: unknown intent %r", intent)
            return
        action.handle(intent)
        self.render()
