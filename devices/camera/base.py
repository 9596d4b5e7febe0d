"""Camera interface. One device thread calls open(), read() in a loop, close().

`read()` returns the newest frame (stale frames are dropped, never queued) or raises a
CameraError. Frames are BGR numpy arrays, as OpenCV gives them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from devices.errors import DeviceError


class CameraError(DeviceError):
    device = "camera"


class CameraUnavailable(CameraError):
    """No camera at that index or URL, or it disappeared."""


class CameraStalled(CameraError):
    """The camera is open but has delivered no frame for too long."""


@dataclass(frozen=True)
class Frame:
    image: npt.NDArray[np.uint8] = field(repr=False)
    timestamp_s: float  # monotonic seconds (live) or position in the file (playback)
    index: int


class Camera(ABC):
    """A frame source. Not thread-safe: exactly one thread calls it."""

    @abstractmethod
    def open(self) -> None:
        """Start delivering frames. Raises CameraUnavailable."""

    @abstractmethod
    def close(self) -> None:
        """Stop and release. Safe to call twice."""

    @abstractmethod
    def read(self, timeout_s: float) -> Frame:
        """The newest frame; waits up to timeout_s. Raises CameraStalled/CameraUnavailable."""
