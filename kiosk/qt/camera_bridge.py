"""The camera on its own device thread: frames go to the preview (a queued signal, at full
rate) and to the analysis slot (latest frame only: analysis never queues stale frames)."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from devices.camera.base import Camera, CameraError, Frame
from devices.worker import DeviceWorker

log = logging.getLogger(__name__)
REOPEN_PAUSE_S = 1.0


class LatestFrame:
    """A one-frame mailbox between the camera thread and the analysis thread."""

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._cond = threading.Condition()

    def put(self, frame: Frame) -> None:
        with self._cond:
            self._frame = frame
            self._cond.notify_all()

    def take(self, timeout_s: float) -> Frame | None:
        """The newest frame not yet taken, waiting up to timeout_s."""
        with self._cond:
            if self._frame is None:
                self._cond.wait(timeout_s)
            frame, self._frame = self._frame, None
            return frame

    def clear(self) -> None:
        with self._cond:
            self._frame = None


class CameraBridge(QObject):
    """Owns a Camera on thread `device-camera`. Runs only while capturing.

    A fault is signalled once per capture (not on every reopen that fails again), and again
    by the next capture if the camera is still broken: a resident's Retry must hear back at
    once, not at the end of face capture's time limit. The first frame after a fault signals
    `recovered`.
    """

    frame = Signal(object)  # Frame, for the preview
    fault = Signal(str)  # a technician-facing detail; the flow shows the resident text
    recovered = Signal()

    def __init__(
        self, camera: Camera, stall_timeout_s: float = 3.0, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.camera = camera
        self.latest = LatestFrame()
        self._stall_timeout_s = stall_timeout_s
        self._capturing = threading.Event()
        self._stop = threading.Event()
        self._opened = False
        self._faulty = False
        # Which capture asked last (GUI thread) and which one its fault was signalled to
        # (device thread): a new capture on a still-broken camera reports the fault again.
        self._capture_no = 0
        self._fault_signalled_to = -1
        self._worker = DeviceWorker("camera", idle=self._step)

    def start(self) -> None:
        self._worker.start()

    def start_capture(self) -> None:
        self._capture_no += 1  # before capturing is set: the device thread sees it first
        self._capturing.set()

    def stop_capture(self) -> None:
        self._capturing.clear()
        self._worker.submit(self._close)
        self.latest.clear()

    def shutdown(self) -> None:
        self._stop.set()
        self._capturing.clear()
        self._worker.close_and_stop(self._close)

    # -- on the device thread ---------------------------------------------------------------
    def _step(self) -> None:
        if not self._capturing.is_set():
            self._capturing.wait(0.05)
            return
        try:
            if not self._opened:
                self.camera.open()
                self._opened = True
            frame = self.camera.read(self._stall_timeout_s)
        except CameraError as exc:
            self._report_fault(exc)
            return
        if self._faulty:
            self._faulty = False
            self.recovered.emit()
        self.latest.put(frame)
        self.frame.emit(frame)

    def _report_fault(self, exc: CameraError) -> None:
        log.warning("camera fault: %s", exc)
        self._close()
        self._faulty = True
        capture_no = self._capture_no
        if self._fault_signalled_to != capture_no:
            self._fault_signalled_to = capture_no
            self.fault.emit(str(exc))
        self._stop.wait(REOPEN_PAUSE_S)  # then try to reopen: cameras come back

    def _close(self) -> None:
        if self._opened:
            self.camera.close()
            self._opened = False
