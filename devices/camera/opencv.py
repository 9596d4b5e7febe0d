"""OpenCV VideoCapture camera: a device index, a file or a stream URL.

A capture thread (`device-camera-capture`) reads continuously and keeps only the newest
frame, so a slow consumer gets fresh frames and stale ones are dropped, never queued. When
the source disappears the thread releases it and reconnects with a growing pause; `read()`
reports CameraUnavailable meanwhile. An open source that delivers nothing for `timeout_s`
is reported as CameraStalled: no call here waits without a bound.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from config.settings import CameraSettings
from devices.camera.base import Camera, CameraStalled, CameraUnavailable, Frame

log = logging.getLogger(__name__)

THREAD_NAME = "device-camera-capture"
_RETRY_FIRST_S = 0.25
_RETRY_MAX_S = 5.0


class OpenCvCamera(Camera):
    def __init__(
        self,
        source: int | str,
        *,
        width: int = 640,
        height: int = 480,
        fps: int = 25,
        stall_timeout_s: float = 3.0,
    ) -> None:
        self.source = source
        self.width, self.height, self.fps = width, height, fps
        self.stall_timeout_s = stall_timeout_s
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = "closed"  # closed | connecting | connected | lost
        self._latest: Frame | None = None
        self._delivered = 0
        self._sequence = 0
        self._started_at = 0.0
        self.reconnects = 0

    @classmethod
    def from_settings(cls, settings: CameraSettings) -> OpenCvCamera:
        source: int | str = settings.source or settings.device
        return cls(
            source,
            width=settings.width,
            height=settings.height,
            fps=settings.fps,
            stall_timeout_s=settings.stall_timeout_s,
        )

    # -- Camera -----------------------------------------------------------------------------

    def open(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._state = "connecting"
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._thread.start()
        with self._cond:
            self._cond.wait_for(lambda: self._state != "connecting", self.stall_timeout_s)
            state = self._state
        if state != "connected":
            self.close()
            raise CameraUnavailable(f"cannot open camera {self._describe()}")

    def close(self) -> None:
        thread, self._thread = self._thread, None
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if thread is not None:
            thread.join(self.stall_timeout_s + 2.0)
            if thread.is_alive():
                log.error("camera capture thread is stuck in the driver; left behind")
        self._state = "closed"

    def read(self, timeout_s: float) -> Frame:
        with self._cond:
            fresh = self._cond.wait_for(
                lambda: self._sequence > self._delivered or self._state in ("lost", "closed"),
                timeout_s,
            )
            if self._sequence > self._delivered and self._latest is not None:
                self._delivered = self._sequence
                return self._latest
            state = self._state
        if state == "closed":
            raise CameraUnavailable("camera is not open")
        if state == "lost" or (not fresh and state != "connected"):
            raise CameraUnavailable(f"camera {self._describe()} disconnected; reconnecting")
        raise CameraStalled(f"camera {self._describe()} delivered no frame for {timeout_s:.1f} s")

    # -- capture thread ----------------------------------------------------------------------

    def _run(self) -> None:
        pause = _RETRY_FIRST_S
        self._started_at = time.monotonic()
        while not self._stop.is_set():
            capture = self._connect()
            if capture is None:
                self._set_state("lost")
                self._stop.wait(pause)
                pause = min(pause * 2, _RETRY_MAX_S)
                continue
            pause = _RETRY_FIRST_S
            self._set_state("connected")
            try:
                self._pump(capture)
            finally:
                capture.release()
            if not self._stop.is_set():
                self.reconnects += 1
                log.warning("camera %s lost; reconnecting", self._describe())
                self._set_state("lost")
        self._set_state("closed")

    def _connect(self) -> Any:
        # The backend gives up on a silent stream after twice the stall time: read() reports
        # the stall first, then the thread reconnects.
        timeout_ms = int(self.stall_timeout_s * 2000)
        if isinstance(self.source, int):
            capture = cv2.VideoCapture(self.source)
        else:
            params = [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                timeout_ms,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                timeout_ms,
            ]
            capture = cv2.VideoCapture(self.source, cv2.CAP_FFMPEG, params)
        if not capture.isOpened():
            capture.release()
            return None
        if isinstance(self.source, int):
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            capture.set(cv2.CAP_PROP_FPS, self.fps)
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the driver's queue is latency too
        return capture

    def _pump(self, capture: Any) -> None:
        # A file has no clock of its own: pace it at the configured rate like a camera.
        pace_s = 1.0 / self.fps if self._is_file() else 0.0
        next_at = time.monotonic()
        while not self._stop.is_set():
            ok, image = capture.read()
            if not ok or image is None:
                return
            self._publish(np.ascontiguousarray(image, dtype=np.uint8))
            if pace_s:
                next_at += pace_s
                self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _publish(self, image: np.ndarray) -> None:
        with self._cond:
            self._sequence += 1
            self._latest = Frame(
                image=image,
                timestamp_s=time.monotonic(),
                index=self._sequence,
            )
            self._cond.notify_all()

    def _set_state(self, state: str) -> None:
        with self._cond:
            self._state = state
            self._cond.notify_all()

    def _is_file(self) -> bool:
        return isinstance(self.source, str) and Path(self.source).is_file()

    def _describe(self) -> str:
        if isinstance(self.source, int):
            return f"#{self.source}"
        # A stream URL may carry credentials: show the scheme and host only.
        if "://" in self.source:
            return self.source.split("@")[-1].split("?")[0]
        return Path(self.source).name
