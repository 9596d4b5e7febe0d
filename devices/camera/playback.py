"""File playback camera: a video, animated GIF, still image or image folder as a camera.

`pace="realtime"` behaves like a live camera: frames fall due by the wall clock and `read()`
returns the newest due frame, dropping the ones it was too slow for. `pace="fast"` returns
every frame in order as fast as the caller reads (tests, `kiosk face liveness`).
With `loop`, the file is reopened at its end, so replacing or deleting it takes effect then;
a missing file reads as an unplugged camera until it comes back.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from config.settings import CameraSettings
from devices.camera.base import Camera, CameraStalled, CameraUnavailable, Frame
from devices.camera.sources import FrameSource, Image, open_source

log = logging.getLogger(__name__)

_RETRY_PAUSE_S = 0.2


class PlaybackEnded(CameraUnavailable):
    """A non-looping file reached its end."""


class FilePlaybackCamera(Camera):
    def __init__(
        self, source: Path, *, pace: str = "realtime", loop: bool = True, fps: float = 25.0
    ) -> None:
        if pace not in ("realtime", "fast"):
            raise ValueError(f"pace must be realtime or fast, not {pace!r}")
        self.source = Path(source)
        self.pace = pace
        self.loop = loop
        self._fps = fps
        self._reader: FrameSource | None = None
        self._opened = False
        self._ended = False
        self._offset_s = 0.0  # timestamps continue across loops
        self._clock_start = 0.0
        self._index = 0
        self._pending: tuple[Image, float] | None = None
        self._last_position = -1.0

    @classmethod
    def from_settings(cls, settings: CameraSettings) -> FilePlaybackCamera:
        if not settings.source:
            raise CameraUnavailable("file camera: set [camera] source to a video, GIF or folder")
        return cls(Path(settings.source), pace=settings.pace, loop=settings.loop, fps=settings.fps)

    def open(self) -> None:
        self._reader = open_source(self.source, self._fps)
        self._opened = True
        self._ended = False
        self._offset_s = 0.0
        self._index = 0
        self._pending = None
        self._last_position = -1.0
        self._clock_start = time.monotonic()
        log.info("playback camera open (%s, %s)", self.source.name, self.pace)

    def close(self) -> None:
        self._opened = False
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def fps(self) -> float:
        return self._reader.fps if self._reader is not None else self._fps

    def read(self, timeout_s: float) -> Frame:
        if not self._opened:
            raise CameraUnavailable("playback camera is not open")
        if self._ended:
            raise PlaybackEnded(f"end of {self.source.name}")
        if self.pace == "fast":
            image, position = self._next_or_loop(timeout_s)
            return self._frame(image, position)
        return self._read_realtime(timeout_s)

    def _read_realtime(self, timeout_s: float) -> Frame:
        deadline = time.monotonic() + timeout_s
        while True:
            due = time.monotonic() - self._clock_start
            candidate = self._pending or self._next_or_loop(timeout_s)
            self._pending = None
            # Drop frames that are already stale: keep only the newest one that is due.
            while True:
                following = self._peek()
                if following is None or following[1] > due:
                    break
                candidate = following
                self._pending = None
            if candidate[1] <= due and candidate[1] > self._last_position:
                return self._frame(*candidate)
            wait = candidate[1] - due
            if time.monotonic() + wait > deadline:
                self._pending = candidate
                raise CameraStalled(f"no frame due within {timeout_s:.1f} s")
            self._pending = candidate
            time.sleep(max(0.0, wait))

    def _peek(self) -> tuple[Image, float] | None:
        if self._pending is None:
            self._pending = self._next_or_none()
        return self._pending

    def _next_or_none(self) -> tuple[Image, float] | None:
        assert self._reader is not None
        item = self._reader.next()
        if item is None:
            return None
        return item[0], item[1] + self._offset_s

    def _next_or_loop(self, timeout_s: float) -> tuple[Image, float]:
        if self._reader is None:
            self._reconnect(timeout_s)
        item = self._next_or_none()
        if item is not None:
            return item
        if not self.loop:
            self._ended = True
            raise PlaybackEnded(f"end of {self.source.name}")
        assert self._reader is not None
        self._offset_s += max(self._reader.duration_s, 1.0 / self.fps)
        self._reader.close()
        self._reader = None
        self._reconnect(timeout_s)
        item = self._next_or_none()
        if item is None:
            raise CameraUnavailable(f"{self.source.name} holds no frames")
        return item

    def _reconnect(self, timeout_s: float) -> None:
        try:
            self._reader = open_source(self.source, self._fps)
        except CameraUnavailable:
            # Pace the retries of a caller that loops on read(): an unplugged camera is slow.
            time.sleep(min(timeout_s, _RETRY_PAUSE_S))
            raise
        if self.pace == "realtime":
            # Time went on while the source was away: resume from now, not from where it was.
            self._offset_s = max(self._offset_s, time.monotonic() - self._clock_start)
        log.info("playback camera reopened %s", self.source.name)

    def _frame(self, image: Image, position: float) -> Frame:
        self._last_position = position
        frame = Frame(image=image, timestamp_s=position, index=self._index)
        self._index += 1
        return frame
