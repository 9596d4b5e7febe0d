"""Frame sources read from files: a video, an animated GIF, a still image or an image folder.

Formats are recognised by content, never by extension (test data holds a .jpg that is WEBP
and .webm files named .mov upstream). Each source yields (BGR image, position in seconds).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image as PilImage

from devices.camera.base import CameraUnavailable

log = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM", b"II*\x00", b"MM\x00*")


def sniff(path: Path) -> str:
    """'folder', 'gif', 'image' or 'video', from the first bytes of the file."""
    if path.is_dir():
        return "folder"
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise CameraUnavailable(f"cannot open {path}: {exc.strerror}") from exc
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    return "video"


class FrameSource(ABC):
    fps: float

    @abstractmethod
    def next(self) -> tuple[Image, float] | None:
        """The next frame and its position in seconds, or None at the end."""

    def skip(self) -> bool:
        """Pass over one frame cheaply; False at the end."""
        return self.next() is not None

    @abstractmethod
    def close(self) -> None: ...

    @property
    @abstractmethod
    def duration_s(self) -> float:
        """Length of one pass, for continuing timestamps across loops."""


class VideoSource(FrameSource):
    def __init__(self, path: Path, default_fps: float) -> None:
        self._capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        if not self._capture.isOpened():
            self._capture.release()
            raise CameraUnavailable(f"cannot decode video {path}")
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0.5 <= fps <= 240 else default_fps
        self._index = 0

    def next(self) -> tuple[Image, float] | None:
        ok, image = self._capture.read()
        if not ok or image is None:
            return None
        position = self._index / self.fps
        self._index += 1
        return np.ascontiguousarray(image, dtype=np.uint8), position

    def skip(self) -> bool:
        if not self._capture.grab():
            return False
        self._index += 1
        return True

    def close(self) -> None:
        self._capture.release()

    @property
    def duration_s(self) -> float:
        return self._index / self.fps


class GifSource(FrameSource):
    """Pillow keeps each GIF frame's own duration (OpenCV's FFmpeg reader rounds them)."""

    def __init__(self, path: Path, default_fps: float) -> None:
        try:
            self._gif = PilImage.open(path)
            self._gif.load()
        except OSError as exc:
            raise CameraUnavailable(f"cannot decode GIF {path}: {exc}") from exc
        self._frames = int(getattr(self._gif, "n_frames", 1))
        self._default_step = 1.0 / default_fps
        self._index = 0
        self._position = 0.0
        first = self._gif.info.get("duration") or 0
        self.fps = 1000.0 / first if first else default_fps

    def next(self) -> tuple[Image, float] | None:
        if self._index >= self._frames:
            return None
        self._gif.seek(self._index)
        rgb = np.asarray(self._gif.convert("RGB"), dtype=np.uint8)
        position = self._position
        duration_ms = self._gif.info.get("duration") or 0
        self._position += duration_ms / 1000.0 if duration_ms else self._default_step
        self._index += 1
        return np.ascontiguousarray(rgb[:, :, ::-1]), position

    def close(self) -> None:
        self._gif.close()

    @property
    def duration_s(self) -> float:
        return self._position


class StillsSource(FrameSource):
    """A folder of images (sorted by name; files that are not images are skipped) or one image."""

    def __init__(self, path: Path, fps: float) -> None:
        files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        self._files = [p for p in files if sniff(p) == "image"]
        if not self._files:
            raise CameraUnavailable(f"no images in {path}")
        self.fps = fps
        self._index = 0

    def next(self) -> tuple[Image, float] | None:
        while self._index < len(self._files):
            path = self._files[self._index]
            position = self._index / self.fps
            self._index += 1
            image = _decode_file(path)
            if image is not None:
                return image, position
            log.warning("skipping unreadable image %s", path.name)
        return None

    def skip(self) -> bool:
        if self._index >= len(self._files):
            return False
        self._index += 1
        return True

    def close(self) -> None:
        self._index = len(self._files)  # nothing is held open between frames

    @property
    def duration_s(self) -> float:
        return self._index / self.fps


def open_source(path: Path, fps: float) -> FrameSource:
    if not path.exists():
        raise CameraUnavailable(f"camera source {path} does not exist")
    kind = sniff(path)
    if kind == "gif":
        return GifSource(path, fps)
    if kind in ("image", "folder"):
        return StillsSource(path, fps)
    return VideoSource(path, fps)


def _decode_file(path: Path) -> Image | None:
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        return None
    return np.ascontiguousarray(image, dtype=np.uint8)
