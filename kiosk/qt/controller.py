"""The controller: runs the session flow, carries out its commands, feeds back events.

It is the only place where screens, device services and the flow meet. Everything here runs
on the GUI thread and only ever posts work to the services' threads.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Concatenate, ParamSpec, Protocol

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QImage

from contract.certificates import CHINA_TZ
from devices.camera.base import Frame
from devices.card_reader.base import (
    CardInserted,
    CardReaderError,
    CardRemoved,
    InvalidCardData,
    NotSupportedCard,
    PinRequired,
    ReaderState,
    ReaderStateChanged,
    ReadFailed,
)
from devices.printer.base import PRINTABLE, PrinterStatus
from kiosk.flow import SessionFlow, Step
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.view import FaceGuide, StepView, Surroundings
from kiosk.qt.camera_bridge import CameraBridge
from kiosk.qt.card_bridge import CardReaderBridge
from kiosk.qt.face_bridge import FaceBridge
from kiosk.qt.guidance_voice import GuidanceVoice
from kiosk.qt.printer_bridge import PrinterBridge
from kiosk.qt.record_bridge import RecordBridge
from kiosk.qt.runner import Done, Failed, OffGuiRunner, Result
from kiosk.qt.staff_call import StaffCallDesk
from kiosk.qt.timers import FlowTimers
from kiosk.records.receipts import PrintJob
from kiosk.technician.gate import LockedOut
from screens.base import ReplayVoice
from screens.help import StaffPin
from screens.texts import PIN_LOCKED, PIN_WRONG, tr
from screens.window import KioskWindow

log = logging.getLogger(__name__)
P = ParamSpec("P")


def while_running(
    handler: Callable[Concatenate[KioskController, P], None],
) -> Callable[Concatenate[KioskController, P], None]:
    """Drop what arrives once the controller is shut down: a device's queued signal or a
    timer restarted by it would otherwise reach a window that is gone."""

    @functools.wraps(handler)
    def guarded(self: KioskController, /, *args: P.args, **kwargs: P.kwargs) -> None:
        if self.stopped:
            log.debug("after shutdown, dropped: %s", handler.__name__)
            return
        handler(self, *args, **kwargs)

    return guarded


FACE_START_AFTER_MS = 0  # after the events queued now: the welcome screen's first paint
READER_DOWN = frozenset({ReaderState.NO_READER, ReaderState.SERVICE_DOWN, ReaderState.ERROR})
# What the printer may say that keeps it from printing (paper out, cover open, offline).
PRINTER_FAULTS = frozenset(str(s) for s in PrinterStatus if s not in PRINTABLE)
# What a step's prompt says instead when staff could not be told (no chime, no hook): where
# to find them, never "staff have been told".
UNNOTIFIED_PROMPTS = {"screen.help": "staff.find", "screen.device_fault": "staff.find_fault"}
STAFF_STEPS = frozenset({Step.HELP, Step.DEVICE_FAULT, Step.MATCHING, Step.LOOKUP})


class Voice(Protocol):
    """What the controller needs from the prompt player."""

    def play(self, prompt_id: str) -> None: ...

    def replay(self) -> None: ...

    def stop(self) -> None: ...

    def can_play(self, prompt_id: str) -> bool:
        """Whether `prompt_id` would be heard (voice on, a device, a file): 再听一遍 shows then."""
        ...


class SilentVoice:
    """Voice switched off in config: everything is on screen anyway."""

    def play(self, prompt_id: str) -> None:
        log.debug("voice off: %s", prompt_id)

    def replay(self) -> None:
        """Nothing to replay."""

    def stop(self) -> None:
        """Nothing playing."""

    def can_play(self, prompt_id: str) -> bool:
        return False


def card_failure_reason(error: CardReaderError) -> str:
    if isinstance(error, PinRequired):
        return "pin_required"
    if isinstance(error, NotSupportedCard):
        return "not_supported"
    if isinstance(error, InvalidCardData):
        return "invalid_card"
    return "torn_read"


class KioskController(QObject):
    screen_shown = Signal(str, object)  # step, StepView: for the demo, tests and the technician
    staff_called = Signal(str)

    def __init__(
        self,
        flow: SessionFlow,
        window: KioskWindow,
        card: CardReaderBridge,
        camera: CameraBridge,
        face: FaceBridge,
        records: RecordBridge,
        printer: PrinterBridge,
        voice: Voice,
        build_receipt: Callable[[cmd.PrintReceipt], PrintJob],
        identify_staff: Callable[[str], str | None],
        parent: QObject | None = None,
        *,
        surroundings: Callable[[], Surroundings] = Surroundings,
        staff_desk: Callable[[OffGuiRunner, QObject], StaffCallDesk] | None = None,
    ) -> None:
        super().__init__(parent)
        self.flow = flow
        self.window = window
        self.stopped = False  # shut down: nothing more reaches the flow or the window
        self.card, self.camera, self.face = card, camera, face
        self.records, self.printer, self.voice = records, printer, voice
        self._build_receipt = build_receipt
        self._identify_staff = identify_staff
        self._surroundings = surroundings  # what screens show beyond the flow (service point)
        self._reader_state = ""  # the card reader's last reported state, for its screen
        self.background = OffGuiRunner("background", self)  # thread kiosk-background
        self.timers = FlowTimers(self)
        self.guidance = GuidanceVoice(voice, self._capturing_face, parent=self)
        # Staff calls: chime, hook and records (kiosk.qt.staff_call); None: only logged.
        self.staff = staff_desk(self.background, self) if staff_desk is not None else None
        self._wire()

    def _wire(self) -> None:
        self.window.intent.connect(self.on_intent)
        self.timers.expired.connect(lambda name: self.dispatch(ev.TimerExpired(name)))
        self.card.card_event.connect(self._on_card_event)
        self.camera.frame.connect(self._on_frame)
        self.camera.fault.connect(lambda detail: self.dispatch(ev.DeviceFailed("camera", detail)))
        self.camera.recovered.connect(lambda: self.dispatch(ev.DeviceRecovered("camera")))
        self.face.engine_failed.connect(
            lambda detail: self.dispatch(ev.DeviceFailed("face_models", detail))
        )
        self.face.engine_ready.connect(lambda: self.dispatch(ev.DeviceRecovered("face_models")))
        self.face.progress.connect(self._on_face_progress)
        self.face.liveness_done.connect(self.dispatch)  # an ev.LivenessDone
        self.face.match_done.connect(self.dispatch)  # an ev.MatchDone
        self.records.recorded.connect(lambda case: self.dispatch(ev.CaseRecorded(case)))
        self.records.record_failed.connect(lambda why: self.dispatch(ev.CaseRecordFailed(why)))
        self.records.lookup_done.connect(self.dispatch)  # an ev.LookupDone
        self.records.lookup_failed.connect(lambda why: self.dispatch(ev.LookupFailed(why)))
        self.printer.printed.connect(lambda _job: self.dispatch(ev.PrintDone()))
        self.printer.failed.connect(lambda _job, status: self.dispatch(ev.PrintFailed(status)))
        self.printer.status_changed.connect(self._on_printer_status)
        if self.staff is not None:
            self.staff.changed.connect(self._staff_news)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        for service in (self.card, self.camera, self.records, self.printer):
            service.start()
        self.background.start()
        if self.staff is not None:
            self.staff.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self.window.touch_watcher)
        # 再听一遍 on the welcome screen replays its greeting (a touch plays it).
        self.window.set_replay_available(self.voice.can_play("screen.idle"))
        self.apply(self.flow.start())
        # The face models (~1.2 s, loaded by dlib holding the GIL: the GUI thread cannot run
        # meanwhile) load once the welcome screen is up, not before its first paint. A capture
        # asked for before they are in waits in the face thread's queue.
        QTimer.singleShot(FACE_START_AFTER_MS, self, self.face.start)

    def shutdown(self) -> None:
        self.stopped = True
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self.window.touch_watcher)
        self.timers.cancel_all()
        self.guidance.stop()
        self.voice.stop()
        if self.staff is not None:
            self.staff.shutdown()
        for service in (self.card, self.camera, self.face, self.records, self.printer):
            service.shutdown()
        self.background.shutdown()

    # -- in ---------------------------------------------------------------------------------
    @while_running
    def on_intent(self, intent: object) -> None:
        if isinstance(intent, ReplayVoice):
            self.voice.replay()
            self.dispatch(ev.Touched())
        elif isinstance(intent, StaffPin):
            pin = intent.pin
            self.background.run(lambda: self._identify_staff(pin), self._on_staff_checked)
            self.dispatch(ev.Touched())
        else:
            self.dispatch(intent)  # type: ignore[arg-type]

    @while_running
    def dispatch(self, event: ev.Event) -> None:
        self.apply(self.flow.handle(event))

    @while_running
    def _on_staff_checked(self, result: Result[str | None]) -> None:
        if self.flow.step is not Step.HELP:
            return  # the resident moved on while the PIN was checked
        match result:
            case Done(str() as staff_id) if staff_id:
                self.dispatch(ev.StaffUnlocked(staff_id))
            case Failed(LockedOut() as locked):
                minutes = max(1, round(locked.remaining_s / 60))
                self.window.help_screen.show_pin_message(tr(PIN_LOCKED).format(n=minutes))
            case Failed(error):
                log.error("staff PIN check failed: %s", error)
                self.window.help_screen.show_pin_message(tr(PIN_WRONG))
            case Done():  # no staff member has that PIN
                self.window.help_screen.show_pin_message(tr(PIN_WRONG))

    @while_running
    def _on_card_event(self, event: object) -> None:
        if isinstance(event, CardInserted):
            today = dt.datetime.now(CHINA_TZ).date()
            expired = event.identity.expired_on(today)
            self.dispatch(ev.CardRead(event.identity, card_expired=expired))
        elif isinstance(event, ReadFailed):
            self.dispatch(ev.CardReadFailed(card_failure_reason(event.error)))
        elif isinstance(event, CardRemoved):
            self.dispatch(ev.CardRemoved())
        elif isinstance(event, ReaderStateChanged):
            self._reader_state = str(event.state)
            if event.state in READER_DOWN:
                self.dispatch(ev.DeviceFailed("card_reader", event.detail))
            else:
                self.dispatch(ev.DeviceRecovered("card_reader"))
            if self.flow.step is Step.READ_CARD:  # the place-your-card screen shows it
                self._show(Step.READ_CARD, self.flow.view())

    @while_running
    def _on_printer_status(self, status: str) -> None:
        """What the printer says between (and after) jobs: a fault or its end, for the flow."""
        if status in PRINTER_FAULTS:
            self.dispatch(ev.DeviceFailed("printer", status))
        else:
            self.dispatch(ev.DeviceRecovered("printer"))

    @while_running
    def _on_face_progress(self, guide: FaceGuide) -> None:
        self.dispatch(ev.FaceProgress(guide))  # the action's prompt, if any, is queued first
        if self._capturing_face():
            self.guidance.follow(guide)

    def _capturing_face(self) -> bool:
        return self.flow.step is Step.FACE_CAPTURE and not self.flow.session.asking_more_time

    @while_running
    def _on_frame(self, frame: Frame) -> None:
        if self.flow.step is Step.FACE_CAPTURE:
            self.window.show_frame(frame_to_qimage(frame))

    # -- out --------------------------------------------------------------------------------
    @while_running
    def apply(self, commands: list[cmd.Command]) -> None:
        for command in commands:
            self._apply_one(command)

    def _apply_one(self, c: cmd.Command) -> None:  # noqa: PLR0912 - one branch per command
        if isinstance(c, cmd.ShowScreen):
            self._show(c.step, c.view)
        elif isinstance(c, cmd.PlayPrompt):
            prompt = c.prompt_id
            if prompt in UNNOTIFIED_PROMPTS and not self.staff_notified:
                prompt = UNNOTIFIED_PROMPTS[prompt]
            self.voice.play(prompt)
            self.window.set_replay_available(self.voice.can_play(prompt))
        elif isinstance(c, cmd.StartTimer):
            self.timers.start(c.name, c.seconds)
        elif isinstance(c, cmd.CancelTimer):
            self.timers.cancel(c.name)
        elif isinstance(c, cmd.StartCardReader):
            self.card.start_watching()
        elif isinstance(c, cmd.StopCardReader):
            self.card.stop_watching()
        elif isinstance(c, cmd.StartFaceCapture):
            self.camera.start_capture()
            self.face.start_capture(c.attempt)
        elif isinstance(c, cmd.StopFaceCapture):
            self.guidance.stop()
            self.face.stop_capture()
            self.camera.stop_capture()
        elif isinstance(c, cmd.StartMatching):
            self.face.match(c.resident)
        elif isinstance(c, cmd.RecordCase):
            self.records.record(c, self.face.best_jpeg)
        elif isinstance(c, cmd.Lookup):
            self.records.lookup(c.service, c.resident)
        elif isinstance(c, cmd.PrintReceipt):
            self._print(c)
        elif isinstance(c, cmd.RecordRating):
            self.records.rate(c)
        elif isinstance(c, cmd.CallStaff):
            if self.staff is not None:
                self.staff.call(c.reason)
            else:
                log.info("staff called (nobody is told: no staff call desk): %s", c.reason)
            self.staff_called.emit(c.reason)
        elif isinstance(c, cmd.EndStaffCall):
            if self.staff is not None:
                self.staff.end(c.outcome, c.staff_id)
        elif isinstance(c, cmd.WipeSession):
            self.guidance.stop()
            self.face.wipe()
            self.voice.stop()

    @property
    def staff_notified(self) -> bool:
        """Whether the open staff call really reached staff (chime or hook)."""
        return self.staff is not None and self.staff.notified

    @while_running
    def _staff_news(self) -> None:
        """A hook failed (or worked again): the screens that speak of staff say it as it is."""
        if self.flow.step in STAFF_STEPS:
            self._show(self.flow.step, self.flow.view())

    def _show(self, step: Step, flow_view: StepView) -> None:
        around = replace(
            self._surroundings(),
            reader_state=self._reader_state,
            staff_notified=self.staff_notified,
        )
        view = replace(flow_view, around=around)
        self.window.show_step(step, view)
        self.screen_shown.emit(str(step), view)

    def _print(self, command: cmd.PrintReceipt) -> None:
        try:
            receipt = self._build_receipt(command)  # a PrintJob
        except Exception:  # a layout bug must not strand the resident
            log.exception("building the receipt failed")
            self.dispatch(ev.PrintFailed("error"))
            return
        self.printer.submit(receipt)


def frame_to_qimage(frame: Frame) -> QImage:
    """A BGR frame as a QImage (copied: the numpy buffer may be reused by the camera)."""
    image = frame.image
    height, width = image.shape[:2]
    qimage = QImage(image.data, width, height, image.strides[0], QImage.Format.Format_BGR888)
    return qimage.copy()
