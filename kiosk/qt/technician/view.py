"""The pieces of the technician view on the GUI thread: the device states tracked from the
services' signals, and the technician's messages (the slow parts are in facts.py)."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage

from devices.camera.base import Frame
from devices.card_reader.base import ReaderState
from devices.printer.base import PRINTABLE, PrinterStatus
from kiosk.qt.controller import KioskController, frame_to_qimage
from kiosk.qt.technician.facts import Facts
from kiosk.technician.status import AnswersFigures
from offline_queue.sync import SyncWorker
from screens.code_entry import REGISTER_TEXT
from screens.pin_entry import TECH_TEXT
from screens.technician import REPRINT_TEXT, scrub
from screens.technician_view import DeviceLine
from screens.texts import tr

log = logging.getLogger(__name__)

PREVIEW_INTERVAL_S = 0.1  # the panel's preview needs no more than 10 frames a second
FRAME_STALE_S = 2.0
READER_OK = frozenset({ReaderState.READY, ReaderState.CARD_PRESENT})
PLATFORM_STATE = {True: "online", False: "offline", None: "unknown"}  # SyncWorker.online
DETAIL_CHARS = 120  # a reason (a model file's path, say) stays one or two lines on the panel


MESSAGES = {**TECH_TEXT, **REPRINT_TEXT, **REGISTER_TEXT}


def text(key: str, **fields: object) -> str:
    """One of the technician's messages (screens/pin_entry.py TECH_TEXT, screens/technician.py
    REPRINT_TEXT, screens/code_entry.py REGISTER_TEXT), translated."""
    return tr(MESSAGES[key]).format(**fields)


def answers_text(held: AnswersFigures | None) -> str:
    """The platform line's detail, translated: decision counts and the face roster."""
    if held is None:
        return ""
    key = f"answers_roster_{held.roster}"
    if held.roster == "held" and held.age_days is not None:
        key = "answers_roster_aged"
    return text(key, **held.fields())


# -- on the GUI thread -------------------------------------------------------------------------
class DeviceStates(QObject):
    """The devices' states as the services report them (no device is ever asked directly:
    each belongs to its own thread)."""

    def __init__(
        self, controller: KioskController, sync: SyncWorker | None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._card = controller.card
        self._sync = sync
        self._printer_status = ""
        self._camera_state, self._camera_detail, self._frame_at = "idle", "", 0.0
        self._preview_at = 0.0
        self._face = DeviceLine("loading", False)  # the face models load once the kiosk is up
        controller.camera.fault.connect(self._on_camera_fault)
        controller.face.engine_failed.connect(self._on_face_failed)
        controller.face.engine_ready.connect(self._on_face_ready)
        controller.printer.printed.connect(self._on_printed)
        controller.printer.failed.connect(self._on_print_failed)
        controller.printer.status_changed.connect(self._on_printer_status)

    def camera_starting(self) -> None:
        self._camera_state, self._camera_detail, self._frame_at = "starting", "", 0.0

    def frame(self, frame: Frame) -> QImage | None:
        """Note a frame; return it as an image when the preview is due for one."""
        now = time.monotonic()
        height, width = frame.image.shape[:2]
        self._camera_state, self._camera_detail = "streaming", f"{width}x{height}"
        self._frame_at = now
        if now - self._preview_at < PREVIEW_INTERVAL_S:
            return None
        self._preview_at = now
        return frame_to_qimage(frame)

    def _on_printed(self, _job_id: str) -> None:
        self._printer_status = str(PrinterStatus.READY)

    def _on_print_failed(self, _job_id: str, printer_status: str) -> None:
        self._printer_status = printer_status

    def _on_printer_status(self, printer_status: str) -> None:  # watched between jobs
        self._printer_status = printer_status

    def _on_camera_fault(self, detail: str) -> None:
        self._camera_state, self._camera_detail = "fault", scrub(detail)

    def _on_face_failed(self, detail: str) -> None:
        self._face = DeviceLine("error", False, scrub(detail)[:DETAIL_CHARS])

    def _on_face_ready(self) -> None:
        self._face = DeviceLine("ready", True)

    def view(self, facts: Facts) -> dict[str, DeviceLine]:
        reader = self._card.state
        printer = self._printer_status or facts.last_printer_status or "unknown"
        kept = facts.kept_count
        online = self._sync.online if self._sync is not None else None
        return {
            "card_reader": DeviceLine(str(reader), reader in READER_OK),
            "camera": self._camera_line(),
            "face_models": self._face,
            "printer": DeviceLine(
                printer,
                printer in {str(s) for s in PRINTABLE},
                text("kept_jobs", n=kept) if kept else "",
            ),
            "platform": DeviceLine(
                PLATFORM_STATE[online] if self._sync is not None else "off",
                online is True,
                answers_text(facts.answers),
            ),
        }

    def _camera_line(self) -> DeviceLine:
        state = self._camera_state
        fresh = time.monotonic() - self._frame_at < FRAME_STALE_S
        if state == "streaming" and not fresh:
            state = "stalled"
        return DeviceLine(state, state == "streaming", self._camera_detail)
