"""Helpers for building test clips from the shared real recordings and photos."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

Image = np.ndarray


def read_frames(path: Path, limit: int | None = None) -> list[Image]:
    capture = cv2.VideoCapture(str(path))
    frames: list[Image] = []
    while limit is None or len(frames) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def crop_to(frame: Image, size: tuple[int, int]) -> Image:
    """Centre-crop to the aspect of `size` (width, height), then scale: faces keep their shape."""
    width, height = size
    rows, cols = frame.shape[:2]
    scale = max(width / cols, height / rows)
    crop_w, crop_h = round(width / scale), round(height / scale)
    left, top = (cols - crop_w) // 2, (rows - crop_h) // 2
    return cv2.resize(frame[top : top + crop_h, left : left + crop_w], (width, height))


def write_video(path: Path, frames: Iterable[Image], fps: float = 25.0) -> Path:
    """An MP4 (MPEG-4 part 2) as a phone or webcam recording would reach the kiosk."""
    frames = list(frames)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path
