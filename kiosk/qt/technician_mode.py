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

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from devices.camera.base import Frame
from devices.card_reader.base import (
    CardInserted,
    ReaderState,
    ReaderStateChanged,
    ReadFailed,
)
from devices.printer.base import PRINTABLE, PrinterStatus
from devices.worker import DeviceWorker
from kiosk import technician_status as status
from kiosk.bundle import version
from kiosk.certificate import CHINA_TZ, technician_test_page
from kiosk.flow import Step
from kiosk.print_jobs import PrintJobStore
from kiosk.qt.controller import (
    READER_DOWN,
    KioskController,
    card_failure_reason,
    frame_to_qimage,
)
from kiosk.receipts import PrintJob
from kiosk.technician import LockedOut, PinGate
from offline_queue.bundle import export_bundle
from offline_queue.errors import NotRegistered
from offline_queue.keys import TerminalKeys
from offline_queue.registration import Registration, load_registration
from offline_queue.store import CaseStore
from offline_queue.sync import SyncWorker
from screens.pin_entry import TECH_TEXT, PinEntry
from screens.technician import (
    ExitToDesktop,
    ExportBundle,
    LeaveTechnician,
    RegisterTerminal,
    SyncNow,
    TechnicianPanel,
    TestCardRead,
    TestPrint,
    config_view,
    scrub,
)
from screens.texts import tr
from screens.window import KioskWindow

if TYPE_CHECKING:
    from config.settings import Settings
    from kiosk.app import KioskRuntime

log = logging.getLogger(__name__)

CORNER_PX = 160
GESTURE_TAPS = 5
GESTURE_WINDOW_S = 4.0
REFRESH_MS = 1000
PIN_ENTRY_TIMEOUT_MS = 60_000  # a forgotten PIN entry gives the kiosk back to residents
PANEL_IDLE_TIMEOUT_MS = 10 * 60_000  # ... and so does a forgotten technician panel
SYNC_WAIT_S = 30.0
PREVIEW_INTERVAL_S = 0.1  # the panel's preview needs no more than 10 frames a second
FRAME_STALE_S = 2.0
KEPT_JOBS_LIMIT = 1000
READER_OK = frozenset({ReaderState.READY, ReaderState.CARD_PRESENT})
PLATFORM_STATE = {True: "online", False: "offline", None: "unknown"}  # SyncWorker.online


def text(key: str, **fields: object) -> str:
    return tr(TECH_TEXT[key]).format(**fields)


class CornerGesture(QObject):
    """Emits `triggered` after the hidden tap sequence in the window's top-right corner.

    An event filter on the window: presses on labels and empty areas propagate up to it;
    buttons take their own presses, and the welcome screen has none in that corner.
    """

    triggered = Signal()

    def __init__(
        self,
        window: QWidget,
        *,
        corner_px: int = CORNER_PX,
        taps: int = GESTURE_TAPS,
        window_s: float = GESTURE_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._corner = corner_px
        self._counter = status.TapCounter(taps, window_s)
        self._clock = clock
        window.installEventFilter(self)

    def remove(self) -> None:
        self._window.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._window and event.type() == QEvent.Type.MouseButtonPress:
            pos = event.position().toPoint()  # type: ignore[attr-defined]
            in_corner = pos.x() >= self._window.width() - self._corner and pos.y() < self._corner
            if in_corner and self._counter.tap(self._clock()):
                self.triggered.emit()
        return False  # never swallow the press: the screen under it still gets it


class ActivityWatch(QObject):
    """While installed on the application, calls `touched` on every press or key."""

    KINDS = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress})

    def __init__(self, touched: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._touched = touched

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in self.KINDS:
            self._touched()
        return False


class TechnicianMode(QObject):
    """Owns the gesture, the PIN entry, the panel and the thread `kiosk-technician`."""

    _done = Signal(object, object)  # callback, result: from the worker thread to the GUI

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
        quit_app: Callable[[], None] = QApplication.quit,
    ) -> None:
        super().__init__(window)
        self.settings, self.data_dir, self.keys = settings, data_dir, keys
        self.store, self.sync, self.jobs = store, sync, jobs
        self.controller, self.window = controller, window
        self.gate = gate or PinGate.technician(settings.technician, state_dir=data_dir)
        self._quit = quit_app
        self._worker = DeviceWorker("technician", thread_prefix="kiosk-")
        self._stopped = False
        self.active = False  # the panel is showing
        self.panel: TechnicianPanel | None = None
        self._pin_shown = False
        self._last_view: dict[str, Any] | None = None
        self.pin_entry: PinEntry | None = None
        self._config = config_view(settings)
        self._version = version()
        self._slow: dict[str, Any] = {}
        self._collecting = False
        self._busy: set[str] = set()
        self._message = ""
        self._sync_mark: tuple[Any, ...] | None = None
        self._sync_deadline = 0.0
        self._test_job = ""
        self._card_test = False
        self._printer_status = ""
        self._camera: dict[str, Any] = {"state": "idle", "detail": "", "frame_at": 0.0}
        self._preview_at = 0.0
        self.gesture = CornerGesture(window)
        self._activity = ActivityWatch(self._touched, self)
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
        )

    def _timer(self, ms: int, slot: Callable[[], None], *, single: bool = True) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(ms)
        timer.setSingleShot(single)
        timer.timeout.connect(slot)
        return timer

    def _wire(self) -> None:
        self._done.connect(self._deliver)
        self.gesture.triggered.connect(self.open_pin_entry)
        c = self.controller
        c.screen_shown.connect(self._keep_on_top)
        c.card.card_event.connect(self._on_card_event)
        c.camera.frame.connect(self._on_frame)
        c.camera.fault.connect(self._on_camera_fault)
        c.printer.printed.connect(self._on_printed)
        c.printer.failed.connect(self._on_print_failed)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self._worker.start()

    def shutdown(self) -> None:
        if self.active:
            self._release_devices()
        self._stopped = True
        for timer in (self._refresh_timer, self._pin_timer, self._idle_timer):
            timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._activity)
        self.gesture.remove()
        self._worker.stop()

    # -- the worker thread --------------------------------------------------------------------
    def _submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self._worker.submit(self._call, fn, on_done)

    def _call(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        try:
            result: Any = fn()
        except Exception as exc:  # the GUI side decides what the technician sees
            result = exc
        self._done.emit(on_done, result)

    def _deliver(self, on_done: Callable[[Any], None], result: Any) -> None:
        if not self._stopped:
            on_done(result)

    # -- gesture and PIN ----------------------------------------------------------------------
    def open_pin_entry(self) -> None:
        """Only from the welcome screen: a resident's session is never interrupted."""
        idle_screen = self.window.screens[Step.IDLE]
        if self.active or self._pin_open() or self.controller.flow.step is not Step.IDLE:
            return
        if self.window.currentWidget() is not idle_screen:
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
            ok = gate.check(pin)
            return ok, gate.attempts_left(), gate.remaining_lockout_s()

        self._submit(check, self._on_pin_checked)

    def _on_pin_checked(self, result: Any) -> None:
        if not self._pin_open() or self.pin_entry is None:
            return  # cancelled or timed out meanwhile
        entry = self.pin_entry
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
        elif result[2] > 0:
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
        self._camera.update(state="starting", detail="", frame_at=0.0)
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

    def _keep_on_top(self, _step: str, _view: dict[str, Any]) -> None:
        """The flow showed a screen (a device event) while a technician screen is up."""
        if self.active and self.panel is not None:
            self.window.setCurrentWidget(self.panel)
        elif self._pin_open() and self.pin_entry is not None:
            self.window.setCurrentWidget(self.pin_entry)

    def _touched(self) -> None:
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
        self._submit(self._collect, self._on_collected)

    def _collect(self) -> dict[str, Any]:
        """On the worker thread: everything that reads SQLite or files."""
        now = dt.datetime.now().astimezone()
        store = self.store
        slow: dict[str, Any] = {
            "queue": store.status(),
            "last_sync_error": store.get_meta("last_sync_error") or "",
            "sync_mark": self._read_sync_mark(),
            "registration": _registration(self.data_dir),
        }
        slow["backlog"] = _guarded(lambda: status.read_backlog(store.path, now), [])
        path = status.log_file(self.data_dir, self.settings.logging.file)
        slow["logs"] = [scrub(line) for line in _guarded(lambda: status.tail_lines(path), [])]
        slow.update(self._job_facts())
        return slow

    def _read_sync_mark(self) -> tuple[Any, ...]:
        return (self.store.get_meta("last_sync"), self.store.get_meta("last_sync_attempt"))

    def _job_facts(self) -> dict[str, Any]:
        if self.jobs is None:
            return {"kept_jobs": 0, "last_printer_status": ""}
        kept = len(self.jobs.jobs("kept", limit=KEPT_JOBS_LIMIT))
        latest = self.jobs.jobs(limit=1)
        return {
            "kept_jobs": kept,
            "last_printer_status": latest[0].printer_status if latest else "",
        }

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
        registration = slow.get("registration")
        return {
            "terminal_id": self.settings.terminal.id,
            "version": self._version,
            "registered": isinstance(registration, Registration),
            "devices": self._devices(),
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
            "busy": sorted(self._busy),
            "message": self._message,
        }

    def _devices(self) -> dict[str, dict[str, Any]]:
        reader = self.controller.card.state
        printer = self._printer_status or self._slow.get("last_printer_status") or "unknown"
        kept = int(self._slow.get("kept_jobs", 0))
        online = self.sync.online if self.sync is not None else None
        platform = PLATFORM_STATE[online] if self.sync is not None else "off"
        return {
            "card_reader": {"state": str(reader), "ok": reader in READER_OK},
            "camera": self._camera_view(),
            "printer": {
                "state": printer,
                "ok": printer in {str(s) for s in PRINTABLE},
                "detail": text("kept_jobs", n=kept) if kept else "",
            },
            "platform": {"state": platform, "ok": online is True},
        }

    def _camera_view(self) -> dict[str, Any]:
        camera = dict(self._camera)
        fresh = time.monotonic() - camera.pop("frame_at") < FRAME_STALE_S
        if camera["state"] == "streaming" and not fresh:
            camera["state"] = "stalled"
        camera["ok"] = camera["state"] == "streaming"
        return camera

    # -- device events --------------------------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        if not self.active or self.panel is None:
            return
        now = time.monotonic()
        height, width = frame.image.shape[:2]
        self._camera.update(state="streaming", detail=f"{width}x{height}", frame_at=now)
        if now - self._preview_at >= PREVIEW_INTERVAL_S:
            self._preview_at = now
            self.panel.show_frame(frame_to_qimage(frame))

    def _on_camera_fault(self, detail: str) -> None:
        self._camera.update(state="fault", detail=scrub(detail))

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
        self._printer_status = str(PrinterStatus.READY)
        if job_id and job_id == self._test_job:
            self._test_job = ""
            self._busy.discard("test_print")
            self._message = text("print_done")
            self.render()

    def _on_print_failed(self, job_id: str, printer_status: str) -> None:
        self._printer_status = printer_status
        if job_id and job_id == self._test_job:
            self._test_job = ""
            self._busy.discard("test_print")
            self._message = text("print_failed", status=printer_status)
            self.render()

    # -- intents ------------------------------------------------------------------------------
    def on_intent(self, intent: object) -> None:
        self._idle_timer.start()
        handlers: dict[type, Callable[[], None]] = {
            TestCardRead: self.test_card_read,
            TestPrint: self.test_print,
            SyncNow: self.sync_now,
            ExportBundle: self.export,
            RegisterTerminal: self.registration_state,
            LeaveTechnician: self.leave,
            ExitToDesktop: self.exit_to_desktop,
        }
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
        printer = self.settings.printer
        self._test_job = f"test-{now:%Y%m%d%H%M%S%f}"
        page = technician_test_page(
            job_id=self._test_job,
            terminal_id=terminal.id,
            service_point=terminal.service_point,
            when=now,
            settings_lines=(("打印机", printer.backend), ("版本", self._version)),
        )
        self._busy.add("test_print")
        self._message = text("print_sent")
        self.controller.printer.submit(PrintJob(receipt=page))

    def sync_now(self) -> None:
        sync = self.sync
        if sync is None:
            self._message = text("sync_off")
            return
        self._busy.add("sync_now")
        self._message = text("sync_requested")

        def mark_then_sync(mark: Any) -> None:
            # The mark is read first so that only a sync after the press ends the wait.
            self._sync_mark = mark if isinstance(mark, tuple) else None
            self._sync_deadline = time.monotonic() + SYNC_WAIT_S
            sync.sync_now()

        self._submit(self._read_sync_mark, mark_then_sync)

    def _check_sync_done(self) -> None:
        if "sync_now" not in self._busy or self._sync_mark is None:
            return
        slow = self._slow
        if slow.get("sync_mark") != self._sync_mark:
            error = slow.get("last_sync_error") or ""
            pending = (slow.get("queue") or {}).get("pending", 0)
            self._message = (
                text("sync_failed", error=scrub(error)) if error else text("sync_done", n=pending)
            )
        elif time.monotonic() > self._sync_deadline:
            self._message = text("sync_failed", error=slow.get("last_sync_error") or "timeout")
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

        self._submit(run, done)

    def registration_state(self) -> None:
        def done(result: Any) -> None:
            if isinstance(result, Registration):
                self._message = text(
                    "registered", terminal=result.terminal_id, when=result.registered_at
                )
            else:
                self._message = text("not_registered")
            self.render()

        self._submit(lambda: _registration(self.data_dir), done)

    def exit_to_desktop(self) -> None:
        log.warning("technician closed the kiosk app (exit to the desktop)")
        self.leave()
        self._quit()


def _registration(data_dir: Path) -> Registration | None:
    try:
        return load_registration(data_dir)
    except NotRegistered:
        return None


def _guarded(read: Callable[[], Any], fallback: Any) -> Any:
    """One unreadable part (a rotated log, a busy store) must not blank the whole panel."""
    try:
        return read()
    except status.TechnicianStatusError as exc:
        log.warning("technician view: %s", exc)
        return fallback
