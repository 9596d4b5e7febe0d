"""The pieces of the technician view: the slow parts read on the worker thread, the device
states tracked from the services' signals, and the technician's messages."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage

from contract.certificates import CHINA_TZ
from devices.camera.base import Frame
from devices.card_reader.base import ReaderState
from devices.printer.base import PRINTABLE, PrinterStatus
from kiosk.qt.controller import KioskController, frame_to_qimage
from kiosk.records.print_jobs import KeptJob, PrintJobStore
from kiosk.technician import status
from offline_queue.errors import NotRegistered
from offline_queue.registration import Registration, load_registration
from offline_queue.store import CaseStore
from offline_queue.sync import SyncWorker
from screens.code_entry import REGISTER_TEXT
from screens.pin_entry import TECH_TEXT
from screens.technician import REPRINT_TEXT, scrub
from screens.texts import tr

log = logging.getLogger(__name__)

PREVIEW_INTERVAL_S = 0.1  # the panel's preview needs no more than 10 frames a second
FRAME_STALE_S = 2.0
KEPT_JOBS_LIMIT = 1000
KEPT_LIST_SHOWN = 50  # rows in the panel's list; 全部补打 reprints every kept job
READER_OK = frozenset({ReaderState.READY, ReaderState.CARD_PRESENT})
PLATFORM_STATE = {True: "online", False: "offline", None: "unknown"}  # SyncWorker.online


MESSAGES = {**TECH_TEXT, **REPRINT_TEXT, **REGISTER_TEXT}


def text(key: str, **fields: object) -> str:
    """One of the technician's messages (screens/pin_entry.py TECH_TEXT, screens/technician.py
    REPRINT_TEXT, screens/code_entry.py REGISTER_TEXT), translated."""
    return tr(MESSAGES[key]).format(**fields)


# -- on the worker thread ----------------------------------------------------------------------
def collect(
    store: CaseStore, jobs: PrintJobStore | None, data_dir: Path, log_setting: str
) -> dict[str, Any]:
    """Everything in the view that reads SQLite or files."""
    now = dt.datetime.now().astimezone()
    slow: dict[str, Any] = {
        # The mark first: a queue read after it is at least as new as the sync it marks.
        "sync_mark": sync_mark(store),
        "queue": store.status(),
        "last_sync_error": store.get_meta("last_sync_error") or "",
        "registration": registration_of(data_dir),
    }
    slow["backlog"] = _guarded(lambda: status.read_backlog(store.path, now), [])
    path = status.log_file(data_dir, log_setting)
    slow["logs"] = [scrub(line) for line in _guarded(lambda: status.tail_lines(path), [])]
    slow.update(_job_facts(jobs))
    return slow


def sync_mark(store: CaseStore) -> tuple[str | None, str | None]:
    """Changes with every sync attempt, successful or not."""
    return (store.get_meta("last_sync"), store.get_meta("last_sync_attempt"))


def registration_of(data_dir: Path) -> Registration | None:
    try:
        return load_registration(data_dir)
    except NotRegistered:
        return None


def _job_facts(jobs: PrintJobStore | None) -> dict[str, Any]:
    if jobs is None:
        return {"kept_jobs": 0, "kept_list": [], "last_printer_status": ""}
    latest = jobs.jobs(limit=1)
    kept = jobs.jobs("kept", limit=KEPT_JOBS_LIMIT)
    return {
        "kept_jobs": len(kept),
        "kept_list": [kept_row(job) for job in kept[:KEPT_LIST_SHOWN]],
        "last_printer_status": latest[0].printer_status if latest else "",
    }


def kept_row(job: KeptJob) -> dict[str, Any]:
    """A kept job for the panel's list: no receipt content beyond kind and certificate number."""
    return {
        "job_id": job.job_id,
        "kind": job.kind,
        "when": _local_time(job.created_at),
        "printer_status": job.printer_status,
        "attempts": job.attempts,
        "certificate_no": job.certificate_no,
    }


def _local_time(stamp: str) -> str:
    """The store's UTC stamp in the time printed on the receipts (China time)."""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return f"{when.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"


def _guarded(read: Callable[[], Any], fallback: Any) -> Any:
    """One unreadable part (a rotated log, a damaged store) must not blank the whole panel."""
    try:
        return read()
    except status.TechnicianStatusError as exc:
        log.warning("technician view: %s", exc)
        return fallback


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
        self._camera: dict[str, Any] = {"state": "idle", "detail": "", "frame_at": 0.0}
        self._preview_at = 0.0
        controller.camera.fault.connect(self._on_camera_fault)
        controller.printer.printed.connect(self._on_printed)
        controller.printer.failed.connect(self._on_print_failed)

    def camera_starting(self) -> None:
        self._camera.update(state="starting", detail="", frame_at=0.0)

    def frame(self, frame: Frame) -> QImage | None:
        """Note a frame; return it as an image when the preview is due for one."""
        now = time.monotonic()
        height, width = frame.image.shape[:2]
        self._camera.update(state="streaming", detail=f"{width}x{height}", frame_at=now)
        if now - self._preview_at < PREVIEW_INTERVAL_S:
            return None
        self._preview_at = now
        return frame_to_qimage(frame)

    def _on_printed(self, _job_id: str) -> None:
        self._printer_status = str(PrinterStatus.READY)

    def _on_print_failed(self, _job_id: str, printer_status: str) -> None:
        self._printer_status = printer_status

    def _on_camera_fault(self, detail: str) -> None:
        self._camera.update(state="fault", detail=scrub(detail))

    def view(self, slow: dict[str, Any]) -> dict[str, dict[str, Any]]:
        reader = self._card.state
        printer = self._printer_status or slow.get("last_printer_status") or "unknown"
        kept = int(slow.get("kept_jobs", 0))
        online = self._sync.online if self._sync is not None else None
        return {
            "card_reader": {"state": str(reader), "ok": reader in READER_OK},
            "camera": self._camera_view(),
            "printer": {
                "state": printer,
                "ok": printer in {str(s) for s in PRINTABLE},
                "detail": text("kept_jobs", n=kept) if kept else "",
            },
            "platform": {
                "state": PLATFORM_STATE[online] if self._sync is not None else "off",
                "ok": online is True,
            },
        }

    def _camera_view(self) -> dict[str, Any]:
        camera = dict(self._camera)
        fresh = time.monotonic() - camera.pop("frame_at") < FRAME_STALE_S
        if camera["state"] == "streaming" and not fresh:
            camera["state"] = "stalled"
        camera["ok"] = camera["state"] == "streaming"
        return camera
