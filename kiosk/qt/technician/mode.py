"""Technician mode in the running kiosk: the hidden gesture, the PIN, the technician panel.

Five taps within 4 s in the top-right 160x160 px corner of the window, on the welcome screen
only (a resident's session is never interrupted), open the PIN entry. The right technician
PIN (`PinGate`, with its lockout) opens the `TechnicianPanel` in the window's stack; it is
refreshed every second. Anything that can block (PBKDF2, store queries, the log file, the
export) runs on one thread, `kiosk-technician`; results come back to the GUI thread through a
queued signal. The session flow is never dispatched to: leaving shows its screen again.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from contract.certificates import CHINA_TZ
from devices.camera.base import Frame
from devices.card_reader.base import CardInserted, ReaderStateChanged, ReadFailed
from kiosk.flow import Step
from kiosk.qt.controller import READER_DOWN, KioskController, card_failure_reason
from kiosk.qt.technician.gesture import CORNER_PX, ActivityWatch, CornerGesture
from kiosk.qt.technician.register import TechnicianRegistration
from kiosk.qt.technician.reprint import Reprints
from kiosk.qt.technician.view import (
    KEPT_JOBS_LIMIT,
    DeviceStates,
    OffGuiWorker,
    collect,
    sync_mark,
    text,
)
from kiosk.records.layouts import technician_test_page
from kiosk.records.print_jobs import PrintJobStore
from kiosk.records.receipts import PrintJob
from kiosk.release import version
from kiosk.technician import status
from kiosk.technician.gate import LockedOut, PinGate
from offline_queue.export import export_bundle
from offline_queue.keys import TerminalKeys
from offline_queue.registration import Registration, load_registration
from offline_queue.store import CaseStore
from offline_queue.sync import SyncWorker
from screens.pin_entry import PinEntry
from screens.technician import (
    ExitToDesktop,
    ExportBundle,
    LeaveTechnician,
    RegisterTerminal,
    ReprintAll,
    ReprintJob,
    SyncNow,
    TechnicianPanel,
    TestCardRead,
    TestPrint,
    config_view,
    scrub,
)
from screens.window import KioskWindow

if TYPE_CHECKING:
    from config.settings import Settings
    from kiosk.app import KioskRuntime

__all__ = ["CORNER_PX", "TechnicianMode", "text"]

log = logging.getLogger(__name__)

REFRESH_MS = 1000
PIN_ENTRY_TIMEOUT_MS = 60_000  # a forgotten PIN entry gives the kiosk back to residents
PANEL_IDLE_TIMEOUT_MS = 10 * 60_000  # ... and so does a forgotten technician panel
SYNC_WAIT_S = 30.0


class TechnicianMode(QObject):
    """Owns the gesture, the PIN entry, the panel and the thread `kiosk-technician`."""

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
        self.settings, self.data_dir, self.keys = settings, data_dir, keys
        self.store, self.sync, self.jobs = store, sync, jobs
        self.controller, self.window = controller, window
        self.gate = gate or PinGate.technician(settings.technician, state_dir=data_dir)
        self._quit = quit_app
        self._worker = OffGuiWorker(self)
        self.devices = DeviceStates(controller, sync, self)
        self.active = False  # the panel is showing
        self.panel: TechnicianPanel | None = None
        self.pin_entry: PinEntry | None = None
        self._pin_shown = False
        self._config = config_view(settings)
        self._version = version()
        self._slow: dict[str, Any] = {}
        self._last_view: dict[str, Any] | None = None
        self._collecting = False
        self._busy: set[str] = set()
        self._message = ""
        self._sync_mark: tuple[Any, ...] | None = None
        self._sync_deadline = 0.0
        self._test_job = ""
        self._card_test = False
        self.reprints = Reprints(controller.printer)
        self.registration = TechnicianRegistration(
            settings, data_dir, platform_url, window, self._worker, self
        )
        self.gesture = CornerGesture(window)
        self._activity = ActivityWatch(self._idle_timer_restart, self)
        self._refresh_timer = self._timer(REFRESH_MS, self.refresh, single=False)
        self._pin_timer = self._timer(PIN_ENTRY_TIMEOUT_MS, self.cancel_pin)
        self._idle_timer = self._timer(PANEL_IDLE_TIMEOUT_MS, self.leave)
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

    def _timer(self, ms: int, slot: Callable[[], None], *, single: bool = True) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(ms)
        timer.setSingleShot(single)
        timer.timeout.connect(slot)
        return timer

    def _wire(self) -> None:
        self.gesture.triggered.connect(self.open_pin_entry)
        self.registration.finished.connect(self._on_registration_done)
        c = self.controller
        c.screen_shown.connect(self._keep_on_top)
        c.card.card_event.connect(self._on_card_event)
        c.camera.frame.connect(self._on_frame)
        c.printer.printed.connect(self._on_printed)
        c.printer.failed.connect(self._on_print_result)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self._worker.start()

    def shutdown(self) -> None:
        if self.active:
            self._release_devices()
        for timer in (self._refresh_timer, self._pin_timer, self._idle_timer):
            timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._activity)
        self.gesture.remove()
        self._worker.stop()

    # -- gesture and PIN ----------------------------------------------------------------------
    def open_pin_entry(self) -> None:
        """Only from the welcome screen: a resident's session is never interrupted."""
        if self.active or self._pin_open() or self.controller.flow.step is not Step.IDLE:
            return
        if self.window.currentWidget() is not self.window.screens[Step.IDLE]:
            return
        entry = self._pin_entry()
        entry.reset()
        self._pin_shown = True
        self.window.setCurrentWidget(entry)
        self._pin_timer.start()
        log.info("technician PIN entry opened")

    def _pin_open(self) -> bool:
        return self._pin_shown and self.pin_entry is not None

    def _pin_entry(self) -> PinEntry:
        if self.pin_entry is None:
            self.pin_entry = PinEntry()
            self.pin_entry.submitted.connect(self._check_pin)
            self.pin_entry.cancelled.connect(self.cancel_pin)
            self.window.addWidget(self.pin_entry)
        return self.pin_entry

    def cancel_pin(self) -> None:
        if self._pin_open():
            self._pin_shown = False
            self._pin_timer.stop()
            self._show_flow()

    def _check_pin(self, pin: str) -> None:
        entry = self._pin_entry()
        entry.set_busy(True)
        entry.show_message(text("pin_checking"))
        self._pin_timer.start()
        gate = self.gate

        def check() -> tuple[bool, int, float]:
            ok = gate.check(pin)  # PBKDF2: ~0.1 s, on the worker thread
            return ok, gate.attempts_left(), gate.remaining_lockout_s()

        self._worker.run(check, self._on_pin_checked)

    def _on_pin_checked(self, result: Any) -> None:
        entry = self.pin_entry
        if not self._pin_open() or entry is None:
            return  # cancelled or timed out meanwhile
        entry.set_busy(False)
        if isinstance(result, LockedOut):
            entry.show_message(text("pin_locked", n=math.ceil(result.remaining_s)))
        elif isinstance(result, Exception):
            log.error("technician PIN check failed: %s", result)
            entry.show_message(text("pin_error"))
        elif result[0]:
            self._pin_shown = False
            self._pin_timer.stop()
            self.enter()
        elif result[2] > 0:  # that was the last try: locked now
            entry.show_message(text("pin_locked", n=math.ceil(result[2])))
        else:
            entry.show_message(text("pin_wrong", n=result[1]))

    # -- entering and leaving -----------------------------------------------------------------
    def enter(self) -> None:
        panel = self._panel()
        self.active = True
        self._message = ""
        self._busy.clear()
        self._last_view = None
        self.devices.camera_starting()
        self.window.setCurrentWidget(panel)
        self.controller.camera.start_capture()  # the live preview
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._activity)
        self._idle_timer.start()
        self._refresh_timer.start()
        self.refresh()
        log.info("technician mode entered")

    def leave(self) -> None:
        """Back to the resident's screen; the flow is told nothing (it never left IDLE)."""
        if not self.active:
            return
        self.active = False
        self.registration.hide()
        self._release_devices()
        self._refresh_timer.stop()
        self._idle_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._activity)
        self._show_flow()
        log.info("technician mode left")

    def _release_devices(self) -> None:
        if self._card_test:
            self._card_test = False
            self.controller.card.stop_watching()
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
        elif self._pin_open() and self.pin_entry is not None:
            self.window.setCurrentWidget(self.pin_entry)

    def _idle_timer_restart(self) -> None:
        self._idle_timer.start()

    def _panel(self) -> TechnicianPanel:
        if self.panel is None:
            self.panel = TechnicianPanel()
            self.panel.intent.connect(self.on_intent)
            self.window.addWidget(self.panel)
        return self.panel

    # -- the view -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Collect the slow parts on the worker; render when they arrive."""
        if not self.active or self._collecting:
            return
        self._collecting = True
        store, jobs, data_dir = self.store, self.jobs, self.data_dir
        log_setting = self.settings.logging.file
        self._worker.run(lambda: collect(store, jobs, data_dir, log_setting), self._on_collected)

    def _on_collected(self, result: Any) -> None:
        self._collecting = False
        if isinstance(result, Exception):
            log.error("technician view: %s", result)
            self._message = scrub(str(result))
        else:
            self._slow = result
            self._check_sync_done()
        self.render()

    def render(self) -> None:
        """Only a changed view is rendered: re-rendering resets the log's scroll position."""
        if not self.active or self.panel is None:
            return
        view = self.view()
        if view != self._last_view:
            self._last_view = view
            self.panel.render_view(view)

    def view(self) -> dict[str, Any]:
        """The panel's view (see screens/technician.py): masked, scrubbed, no personal data."""
        slow = self._slow
        queue = slow.get("queue") or {}
        return {
            "terminal_id": self.settings.terminal.id,
            "version": self._version,
            "registered": isinstance(slow.get("registration"), Registration),
            "devices": self.devices.view(slow),
            "queue": {
                "pending": queue.get("pending", 0),
                "sending": queue.get("sending", 0),
                "failed": queue.get("rejected", 0),
                "oldest_pending_age_s": queue.get("oldest_pending_age_s"),
            },
            "last_sync": queue.get("last_sync"),
            "last_sync_error": slow.get("last_sync_error", ""),
            "backlog": slow.get("backlog", []),
            "logs": slow.get("logs", []),
            "config": self._config,
            "busy": sorted(self._busy | ({"reprint_all"} if self.reprints.pending else set())),
            "message": self._message,
            "kept": {
                "count": slow.get("kept_jobs", 0),
                "jobs": self.reprints.rows(slow.get("kept_list", [])),
            },
        }

    # -- device events --------------------------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        if self.active and self.panel is not None:
            image = self.devices.frame(frame)
            if image is not None:
                self.panel.show_frame(image)

    def _on_card_event(self, event: object) -> None:
        if not (self.active and self._card_test):
            return
        if isinstance(event, CardInserted):
            identity = event.identity  # masked only: the panel is a public screen
            self._message = text(
                "card_read", name=identity.masked_name, id_number=identity.masked_id_number
            )
        elif isinstance(event, ReadFailed):
            self._message = text("card_failed", reason=card_failure_reason(event.error))
        elif isinstance(event, ReaderStateChanged) and event.state in READER_DOWN:
            self._message = text("card_failed", reason=str(event.state))
        else:
            return  # a card lifted, a card present: the reader's state line shows it
        self.render()

    def _on_printed(self, job_id: str) -> None:
        self._on_print_result(job_id, "")

    def _on_print_result(self, job_id: str, failed_status: str) -> None:
        if job_id and self.reprints.owns(job_id):
            self._on_reprinted(job_id, failed_status)
            return
        if not job_id or job_id != self._test_job:
            return  # a resident's receipt: DeviceStates notes the printer's state
        self._test_job = ""
        self._busy.discard("test_print")
        if failed_status:
            self._message = text("print_failed", status=failed_status)
        else:
            self._message = text("print_done")
        self.render()

    # -- intents ------------------------------------------------------------------------------
    def on_intent(self, intent: object) -> None:
        self._idle_timer.start()
        handlers: dict[type, Callable[[], None]] = {
            TestCardRead: self.test_card_read,
            TestPrint: self.test_print,
            SyncNow: self.sync_now,
            ExportBundle: self.export,
            RegisterTerminal: self.open_registration,
            ReprintAll: self.reprint_all,
            LeaveTechnician: self.leave,
            ExitToDesktop: self.exit_to_desktop,
        }
        if isinstance(intent, ReprintJob):
            handlers[ReprintJob] = lambda: self.reprint([intent.job_id])
        handler = handlers.get(type(intent))
        if handler is None:
            log.warning("technician panel: unknown intent %r", intent)
            return
        handler()
        self.render()

    def test_card_read(self) -> None:
        self._card_test = True
        self._message = text("card_waiting")
        self.controller.card.start_watching()  # replays a card already on the reader

    def test_print(self) -> None:
        now = dt.datetime.now(CHINA_TZ)
        terminal = self.settings.terminal
        self._test_job = f"test-{now:%Y%m%d%H%M%S%f}"
        page = technician_test_page(
            job_id=self._test_job,
            terminal_id=terminal.id,
            service_point=terminal.service_point,
            when=now,
            settings_lines=(("打印机", self.settings.printer.backend), ("版本", self._version)),
        )
        self._busy.add("test_print")
        self._message = text("print_sent")
        self.controller.printer.submit(PrintJob(receipt=page))

    def reprint(self, job_ids: list[str]) -> None:
        """Kept jobs through the printer service: printed, or kept with the printer's state."""
        sent = self.reprints.submit(job_ids)
        if sent:
            self._message = text("reprint_sent", n=sent)

    def reprint_all(self) -> None:
        """Every kept job, oldest first; the list is read on the worker, not the GUI thread."""
        jobs = self.jobs
        if jobs is None:
            self._message = text("reprint_none")
            return
        self._busy.add("reprint_all")

        def kept_ids() -> list[str]:
            return [job.job_id for job in reversed(jobs.jobs("kept", limit=KEPT_JOBS_LIMIT))]

        def send(result: Any) -> None:
            self._busy.discard("reprint_all")
            if isinstance(result, Exception):
                log.error("technician reprint list: %s", result)
                self._message = text("reprint_failed", error=scrub(str(result)))
            elif not result:
                self._message = text("reprint_none")
            else:
                self.reprint(result)
            self.render()

        self._worker.run(kept_ids, send)

    def _on_reprinted(self, job_id: str, failed_status: str) -> None:
        done = self.reprints.note(job_id, failed_status)
        if done is not None:
            self._message = done
        self.refresh()  # the list loses the printed jobs
        self.render()

    def sync_now(self) -> None:
        sync = self.sync
        if sync is None:
            self._message = text("sync_off")
            return
        self._busy.add("sync_now")
        self._message = text("sync_requested")
        store = self.store

        def mark_then_sync(mark: Any) -> None:
            # The mark is read first so that only an attempt after the press ends the wait.
            if isinstance(mark, Exception):
                self._busy.discard("sync_now")
                self._message = text("sync_failed", error=scrub(str(mark)))
                self.render()
                return
            self._sync_mark = mark
            self._sync_deadline = time.monotonic() + SYNC_WAIT_S
            sync.sync_now(force=True)  # the technician means now, backoff or not

        self._worker.run(lambda: sync_mark(store), mark_then_sync)

    def _check_sync_done(self) -> None:
        if "sync_now" not in self._busy or self._sync_mark is None:
            return
        slow = self._slow
        error = slow.get("last_sync_error") or ""
        if slow.get("sync_mark") != self._sync_mark:
            pending = (slow.get("queue") or {}).get("pending", 0)
            done = text("sync_done", n=pending)
            self._message = text("sync_failed", error=scrub(error)) if error else done
        elif time.monotonic() > self._sync_deadline:
            self._message = text("sync_failed", error=scrub(error) or "timeout")
        else:
            return
        self._busy.discard("sync_now")
        self._sync_mark = None

    def export(self) -> None:
        self._busy.add("export_bundle")
        data_dir, store, keys = self.data_dir, self.store, self.keys

        def run() -> Any:
            registration = load_registration(data_dir)
            return export_bundle(store, keys, registration, status.export_folder(data_dir))

        def done(result: Any) -> None:
            self._busy.discard("export_bundle")
            if isinstance(result, Exception):
                log.warning("technician export failed: %s", result)
                self._message = text("export_failed", error=scrub(str(result)))
            else:
                log.info("technician exported %d case(s) to %s", result.count, result.path)
                self._message = text("export_done", n=result.count, path=result.path)
            self.render()

        self._worker.run(run, done)

    def open_registration(self) -> None:
        """The code keypad; the registration runs on the worker (kiosk.qt.technician.register)."""
        self._message = self.registration.open()

    def _on_registration_done(self, message: str) -> None:
        if message:
            self._message = message
        if self.active and self.panel is not None:
            self.window.setCurrentWidget(self.panel)
        self.refresh()  # the registration is read again: 注册终端 hides once registered
        self.render()

    def exit_to_desktop(self) -> None:
        log.warning("technician closed the kiosk app (exit to the desktop)")
        self.leave()
        self._quit()
