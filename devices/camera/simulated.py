"""Simulated camera: file playback plus fault knobs for tests and the demo.

`fault` starts from config and can be changed at run time from any thread with `set_fault()`:
"unplugged" makes reads fail with CameraUnavailable until cleared (the playback is closed and
reopened, as a real reconnect would), "stall" makes reads wait their full timeout and raise
CameraStalled.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from config.settings import CameraSettings
from devices.camera.base import Camera, CameraStalled, CameraUnavailable, Frame
from devices.camera.playback import FilePlaybackCamera

log = logging.getLogger(__name__)

FAULTS = ("none", "unplugged", "stall")


class SimulatedCamera(Camera):
    def __init__(
        self,
        source: str,
        *,
        pace: str = "realtime",
        loop: bool = True,
        fps: float = 25.0,
        fault: str = "none",
    ) -> None:
        self._source = source
        self._playback = (
            FilePlaybackCamera(Path(source), pace=pace, loop=loop, fps=fps) if source else None
        )
        self._fault = "none"
        self._changed = threading.Condition()
        self._open = False
        self._playing = False
        self.set_fault(fault)

    @classmethod
    def from_settings(cls, settings: CameraSettings) -> SimulatedCamera:
        return cls(
            settings.source,
            pace=settings.pace,
            loop=settings.loop,
            fps=settings.fps,
            fault=settings.fault,
        )

    @property
    def fault(self) -> str:
        with self._changed:
            return self._fault

    def set_fault(self, fault: str) -> None:
        """Thread-safe: any thread may inject or clear a fault while another one reads."""
        if fault not in FAULTS:
            raise ValueError(f"unknown camera fault {fault!r}; use one of {', '.join(FAULTS)}")
        with self._changed:
            self._fault = fault
            self._changed.notify_all()
        log.info("simulated camera fault: %s", fault)

    def open(self) -> None:
        if self._playback is None:
            raise CameraUnavailable(
                "simulated camera has no source: set [camera] source to a video, "
                "animated GIF or image folder"
            )
        if self.fault == "unplugged":
            raise CameraUnavailable("simulated camera is unplugged")
        self._playback.open()
        self._open = self._playing = True

    def close(self) -> None:
        self._open = False
        self._stop_playback()

    def read(self, timeout_s: float) -> Frame:
        if not self._open or self._playback is None:
            raise CameraUnavailable("simulated camera is not open")
        fault = self._wait_out_stall(timeout_s)
        if fault == "unplugged":
            self._stop_playback()
            raise CameraUnavailable("simulated camera is unplugged")
        if not self._playing:
            self._playback.open()  # plugged back in: reconnect
            self._playing = True
            log.info("simulated camera reconnected")
        return self._playback.read(timeout_s)

    def _wait_out_stall(self, timeout_s: float) -> str:
        with self._changed:
            if self._fault != "stall":
                return self._fault
            # Wait for the whole timeout (as a stuck camera would) unless the fault is cleared.
            cleared = self._changed.wait_for(lambda: self._fault != "stall", timeout_s)
            if not cleared:
                raise CameraStalled(f"simulated camera delivered no frame for {timeout_s:.1f} s")
            return self._fault

    def _stop_playback(self) -> None:
        if self._playback is not None and self._playing:
            self._playback.close()
        self._playing = False
