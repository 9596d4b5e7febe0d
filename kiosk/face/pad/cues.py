"""Classical cues of a screen or a print around a face, one measure per analysed frame.

Each function takes the analysis frame (BGR) and the face (box and 68 landmarks) and returns a
raw measure; `kiosk.face.pad.session` turns the measures of a session into attack scores.
Together they cost ~6 ms of CPU a frame at 640x480 (bench/pad.py); the session measures
them on every second frame, taking turns with the model, and the freeze chip on every frame.

What they see on the tune data (figures in docs/face.md): the bezel and colour cast of a small
phone screen (Zubair replay), glare on a phone screen (still F2); moire is weak at 640 px. None
of them alone separates attacks from live faces as well as the learned model.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.face.engine import Face
from kiosk.face.images import Image

# Bezel: the search region around the face, in face widths/heights, and the working scale.
_BEZEL_FACE_PX = 48.0
_SIDE_REACH = 1.3  # a phone screen's edge lies within this many face widths of the face
_LINE_MIN = 0.8  # a bezel edge runs at least this share of the face height
_MAX_TILT_DEG = 15.0
# Moire: the face's centre, resampled; peaks above the radial median of the log spectrum.
_SPECTRUM = 128
_RADII = (16, 60)
# Glare: near-white, colourless pixels inside the face outline.
_GLARE_VALUE = 240
_GLARE_SATURATION = 60
# Freeze: mean grey difference of consecutive 32x32 face chips below this is a repeated frame.
FREEZE_DIFF = 0.3
_CHIP = 32


@dataclass(frozen=True)
class FrameCues:
    bezel: float  # 1.0 when straight edges frame the face on four sides, 0.5 on three
    moire: float  # strongest periodic peak of the face's high-frequency spectrum (log units)
    glare: float  # share of the face outline that is specular white
    colour: float  # lowest of the face's mean Lab a*, b* (skin is > 0; a screen's cast < 0)


def measure(image: Image, face: Face) -> FrameCues:
    return FrameCues(
        bezel=bezel(image, face),
        moire=moire(image, face),
        glare=glare(image, face),
        colour=colour_cast(image, face),
    )


def _grey(image: Image) -> Image:
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def _bgr(image: Image) -> Image:
    if image.ndim == 3:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)


def bezel(image: Image, face: Face) -> float:
    """1.0 when long straight edges close in the face on all four sides, near it (a phone or
    monitor frame), 0.5 for three sides of which two are left and right, else 0.

    A live face in a room has door frames, windows and shelves beside it (on the tune clips up
    to three such sides in one frame in eight), but rarely edges hugging it on all four sides.
    """
    height, width = image.shape[:2]
    left, top, right, bottom = face.box
    fw, fh = max(1, right - left), max(1, bottom - top)
    x0, y0 = int(max(0, left - 1.4 * fw)), int(max(0, top - 1.0 * fh))
    x1, y1 = int(min(width, right + 1.4 * fw)), int(min(height, bottom + 1.6 * fh))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return 0.0
    s = _BEZEL_FACE_PX / fw
    region = cv2.resize(_grey(image[y0:y1, x0:x1]), None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    edges = cv2.Canny(region, 50, 150)
    min_len = int(_LINE_MIN * _BEZEL_FACE_PX * fh / fw)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 180, 25, minLineLength=min_len, maxLineGap=3)
    if lines is None:
        return 0.0
    sides = _sides((left - x0) * s, (top - y0) * s, (right - x0) * s, (bottom - y0) * s, lines)
    if not {"left", "right"} <= sides:
        return 0.0
    return {4: 1.0, 3: 0.5}.get(len(sides), 0.0)


def _sides(fl: float, ft: float, fr: float, fb: float, lines: np.ndarray) -> set[str]:
    unit = _BEZEL_FACE_PX
    sides: set[str] = set()
    for xa, ya, xb, yb in np.asarray(lines).reshape(-1, 4):
        angle = abs(float(np.degrees(np.arctan2(yb - ya, xb - xa)))) % 180
        if abs(angle - 90) < _MAX_TILT_DEG and min(ya, yb) <= fb and max(ya, yb) >= ft:
            x = (xa + xb) / 2
            if fl - _SIDE_REACH * unit < x < fl - 0.05 * unit:
                sides.add("left")
            if fr + 0.05 * unit < x < fr + _SIDE_REACH * unit:
                sides.add("right")
        elif min(angle, 180 - angle) < _MAX_TILT_DEG and min(xa, xb) <= fr and max(xa, xb) >= fl:
            y = (ya + yb) / 2
            if ft - 0.9 * unit < y < ft - 0.1 * unit:
                sides.add("top")
            if fb + 0.1 * unit < y < fb + 1.5 * unit:
                sides.add("bottom")
    return sides


_radius = np.hypot(*np.mgrid[-_SPECTRUM // 2 : _SPECTRUM // 2, -_SPECTRUM // 2 : _SPECTRUM // 2])
_ring = _radius.astype(int)
_band = np.flatnonzero((_radius > _RADII[0]) & (_radius < _RADII[1]))
_band_ring = _ring.ravel()[_band] - _RADII[0]
# The flat indices of each ring of the band, grouped once (a median per ring per frame).
_ring_members = [np.flatnonzero(_ring == r) for r in range(_RADII[0], _RADII[1])]
_window = np.outer(np.hanning(_SPECTRUM), np.hanning(_SPECTRUM)).astype(np.float32)


def moire(image: Image, face: Face) -> float:
    """Height of the strongest isolated peak in the face's high-frequency log spectrum over the
    median of its ring: screen pixels and moire beat into periodic peaks, skin does not."""
    height, width = image.shape[:2]
    cx, cy = face.centre
    half = face.width * 0.35
    crop = image[
        int(max(0, cy - half)) : int(min(height, cy + half)),
        int(max(0, cx - half)) : int(min(width, cx + half)),
    ]
    if crop.shape[0] < 8 or crop.shape[1] < 8:
        return 0.0
    grey = cv2.resize(
        _grey(crop).astype(np.float32), (_SPECTRUM, _SPECTRUM), interpolation=cv2.INTER_LINEAR
    )
    grey = grey - np.asarray(cv2.GaussianBlur(grey, (0, 0), 3), dtype=np.float32)
    spectrum = np.log1p(np.abs(np.fft.fftshift(np.fft.fft2(grey * _window)))).ravel()
    ring_median = np.array([np.median(spectrum[members]) for members in _ring_members])
    return float((spectrum[_band] - ring_median[_band_ring]).max())


def glare(image: Image, face: Face) -> float:
    """Share of the face outline (landmark hull) that is near-white and colourless."""
    left, top, right, bottom = face.box
    height, width = image.shape[:2]
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(width, right), min(height, bottom)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return 0.0
    crop = _bgr(image[y0:y1, x0:x1])
    mask = np.zeros(crop.shape[:2], np.uint8)
    hull = cv2.convexHull((face.landmarks - (x0, y0)).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1)
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    white = (hsv[..., 2] > _GLARE_VALUE) & (hsv[..., 1] < _GLARE_SATURATION)
    inside = mask > 0
    return float(white[inside].mean()) if inside.any() else 0.0


def colour_cast(image: Image, face: Face) -> float:
    """min(mean a*, mean b*) of the face centre in Lab, 0 = neutral grey. Lit skin is red and
    yellow (both > 0); light from a phone screen often pulls one below zero."""
    if image.ndim == 2:
        return 10.0  # a grey camera says nothing about colour: read as ordinary skin
    height, width = image.shape[:2]
    cx, cy = face.centre
    half = face.width * 0.3
    crop = image[
        int(max(0, cy - half)) : int(min(height, cy + half)),
        int(max(0, cx - half)) : int(min(width, cx + half)),
    ]
    if crop.size == 0:
        return 10.0
    lab = cv2.cvtColor(crop, cv2.COLOR_BGR2LAB).reshape(-1, 3).astype(np.float32)
    return float(min(lab[:, 1].mean() - 128.0, lab[:, 2].mean() - 128.0))


def face_chip(image: Image, face: Face) -> Image:
    height, width = image.shape[:2]
    left, top, right, bottom = face.box
    crop = image[max(0, top) : min(height, bottom), max(0, left) : min(width, right)]
    if crop.size == 0:
        return np.zeros((_CHIP, _CHIP), np.uint8)
    return np.asarray(
        cv2.resize(_grey(crop), (_CHIP, _CHIP), interpolation=cv2.INTER_AREA), np.uint8
    )


def frozen(before: Image, after: Image) -> bool:
    """The same picture twice: a video shown at a lower rate than the camera's, or paused."""
    return float(np.abs(after.astype(np.float32) - before.astype(np.float32)).mean()) < FREEZE_DIFF
