"""Quality gate: is this frame good enough to act on, and if not, what should the resident do?

Every problem has a stable code (for the app, voice prompts and logs) and one plain-Chinese
sentence saying what to do. Checks run in the order a person can fix them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

from kiosk.face.engine import Face
from kiosk.face.geometry import HeadPose
from kiosk.face.images import Image


class Guidance(StrEnum):
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    TOO_SMALL = "too_small"
    TOO_CLOSE = "too_close"
    OFF_CENTRE = "off_centre"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    BLURRED = "blurred"
    NOT_FRONTAL = "not_frontal"


GUIDANCE_TEXT: dict[Guidance, str] = {
    Guidance.NO_FACE: "请把脸对准屏幕上的框。",
    Guidance.SEVERAL_FACES: "请只留一个人在镜头前，其他人请稍微让开。",
    Guidance.TOO_SMALL: "请再靠近屏幕一点。",
    Guidance.TOO_CLOSE: "请稍微往后退一点。",
    Guidance.OFF_CENTRE: "请把脸移到框的中间。",
    Guidance.TOO_DARK: "光线太暗了，请让工作人员开灯，或站到亮一点的地方。",
    Guidance.TOO_BRIGHT: "光线太亮了，请避开窗户或灯光直射。",
    Guidance.BLURRED: "请保持不动，看着屏幕。",
    Guidance.NOT_FRONTAL: "请正对着屏幕看。",
}

# Fractions of the frame width; a 640x480 kiosk camera sees a face at 50 cm as ~170 px.
MIN_FACE_FRACTION = 0.14
MIN_FACE_PX = 72
MAX_FACE_FRACTION = 0.85
MAX_CENTRE_OFFSET = 0.28  # of the frame's width / height
DARK_MEAN = 35.0  # a dim office (tune clip antispoof_lestari_real) reads 43-49
BRIGHT_MEAN = 215.0
# Variance of the Laplacian of the face scaled to 128 px wide; sharp faces read 80-600.
BLUR_MIN = 18.0
FRONTAL_MAX_DEG = 22.0
_SHARPNESS_WIDTH = 128


@dataclass(frozen=True)
class Quality:
    problem: Guidance | None
    brightness: float = 0.0
    sharpness: float = 0.0
    size: float = 0.0  # face width over frame width

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def text(self) -> str | None:
        return None if self.problem is None else GUIDANCE_TEXT[self.problem]

    def score(self, pose: HeadPose | None) -> float:
        """Higher is a better frame to match and keep as evidence."""
        if self.problem is not None:
            return 0.0
        frontal = 1.0 if pose is None else max(0.0, 1.0 - (abs(pose.yaw) + abs(pose.pitch)) / 60)
        sharp = min(1.0, self.sharpness / 150.0)
        light = 1.0 - min(1.0, abs(self.brightness - 128.0) / 128.0)
        return round(frontal * 0.4 + sharp * 0.3 + light * 0.1 + min(self.size, 0.5) * 0.4, 4)


def assess(image: Image, faces: list[Face], pose: HeadPose | None = None) -> Quality:
    """Check one analysed frame. `pose` (of faces[0]) enables the looking-at-camera check."""
    if not faces:
        return Quality(Guidance.NO_FACE)
    if len(faces) > 1:
        return Quality(Guidance.SEVERAL_FACES)
    face = faces[0]
    height, width = image.shape[:2]
    crop = _face_crop(image, face)
    brightness = float(crop.mean()) if crop.size else 0.0
    sharpness = _sharpness(crop)
    size = face.width / width
    measured = {"brightness": brightness, "sharpness": sharpness, "size": size}
    problem = _first_problem(face, (width, height), brightness, sharpness, pose)
    return Quality(problem, **measured)


def _first_problem(
    face: Face,
    frame: tuple[int, int],
    brightness: float,
    sharpness: float,
    pose: HeadPose | None,
) -> Guidance | None:
    width, height = frame
    cx, cy = face.centre
    turned = pose is not None and max(abs(pose.yaw), abs(pose.pitch)) > FRONTAL_MAX_DEG
    checks = (
        (face.width < max(MIN_FACE_PX, MIN_FACE_FRACTION * width), Guidance.TOO_SMALL),
        (
            face.width > MAX_FACE_FRACTION * width or face.height > MAX_FACE_FRACTION * height,
            Guidance.TOO_CLOSE,
        ),
        (
            abs(cx - width / 2) > MAX_CENTRE_OFFSET * width
            or abs(cy - height / 2) > MAX_CENTRE_OFFSET * height,
            Guidance.OFF_CENTRE,
        ),
        (brightness < DARK_MEAN, Guidance.TOO_DARK),
        (brightness > BRIGHT_MEAN, Guidance.TOO_BRIGHT),
        (sharpness < BLUR_MIN, Guidance.BLURRED),
        (turned, Guidance.NOT_FRONTAL),
    )
    return next((problem for failed, problem in checks if failed), None)


def _face_crop(image: Image, face: Face) -> Image:
    height, width = image.shape[:2]
    left, top, right, bottom = face.box
    crop = image[max(0, top) : min(height, bottom), max(0, left) : min(width, right)]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 and crop.size else crop
    return np.asarray(gray, dtype=np.uint8)


def _sharpness(gray: Image) -> float:
    if gray.size == 0 or gray.shape[1] < 8:
        return 0.0
    scale = _SHARPNESS_WIDTH / gray.shape[1]
    size = (_SHARPNESS_WIDTH, max(8, round(gray.shape[0] * scale)))
    resized = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(resized, cv2.CV_64F).var())
