"""Landmark measures for liveness: eye and mouth aspect ratios and head pose.

Indices are dlib's 68-point layout (iBUG 300-W). Angles are in degrees in the resident's
frame: yaw > 0 when the resident turns to their own left, pitch > 0 when they look up.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.face.engine import Points

RIGHT_EYE = slice(36, 42)  # the resident's right eye (image left)
LEFT_EYE = slice(42, 48)
OUTER_LIPS = slice(48, 60)
NOSE_BRIDGE, NOSE_TIP, CHIN = 27, 33, 8

# A generic adult head in millimetres (x right, y up, z towards the camera), matched to
# landmarks: nose tip, chin, outer eye corners, mouth corners.
_MODEL_POINTS = np.array(
    [
        (0.0, 0.0, 0.0),
        (0.0, -63.6, -12.5),
        (-43.3, 32.7, -26.0),
        (43.3, 32.7, -26.0),
        (-28.9, -28.9, -24.1),
        (28.9, -28.9, -24.1),
    ],
    dtype=np.float64,
)
_POSE_LANDMARKS = [30, 8, 36, 45, 48, 54]


@dataclass(frozen=True)
class HeadPose:
    yaw: float
    pitch: float
    roll: float


def eye_aspect_ratio(points: Points) -> float:
    """Mean EAR of both eyes (Soukupova and Cech 2016): ~0.3 open, below ~0.2 closed."""
    return (_ear(points[RIGHT_EYE]) + _ear(points[LEFT_EYE])) / 2.0


def _ear(eye: Points) -> float:
    vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    horizontal = np.linalg.norm(eye[0] - eye[3])
    return float(vertical / (2.0 * horizontal)) if horizontal > 0 else 0.0


def mouth_aspect_ratio(points: Points) -> float:
    """Outer-lip height over mouth width: ~0.3 closed, above ~0.6 wide open.

    The outer lip contour, not the inner one: dlib places the inner-lip points worst on a
    wide-open or turned mouth (a yawn in the tune clips reads 0.38 inner, a closed mouth 0.28).
    """
    lips = points[OUTER_LIPS]
    vertical = (
        np.linalg.norm(lips[2] - lips[10])
        + np.linalg.norm(lips[3] - lips[9])
        + np.linalg.norm(lips[4] - lips[8])
    )
    horizontal = np.linalg.norm(lips[0] - lips[6])
    return float(vertical / (3.0 * horizontal)) if horizontal > 0 else 0.0


def jaw_ratio(points: Points) -> float:
    """Nose tip to chin over nose length (bridge to tip): grows as the jaw drops."""
    nose = np.linalg.norm(points[NOSE_TIP] - points[NOSE_BRIDGE])
    chin = np.linalg.norm(points[CHIN] - points[NOSE_TIP])
    return float(chin / nose) if nose > 0 else 0.0


def head_pose(points: Points, image_size: tuple[int, int]) -> HeadPose:
    """Yaw, pitch and roll from six landmarks with cv2.solvePnP (pinhole camera, f = width)."""
    height, width = image_size
    focal = float(width)
    camera = np.array(
        [[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]],
        dtype=np.float64,
    )
    image_points = np.ascontiguousarray(points[_POSE_LANDMARKS], dtype=np.float64)
    # Start from a frontal, upright face at the distance its eye span implies: without a
    # guess the iterative solver sometimes lands on the mirrored, upside-down solution.
    eye_span = float(np.linalg.norm(image_points[3] - image_points[2])) or 1.0
    rvec = np.array([[np.pi], [0.0], [0.0]])
    tvec = np.array([[0.0], [0.0], [focal * 86.6 / eye_span]])
    ok, rvec, _ = cv2.solvePnP(
        _MODEL_POINTS,
        image_points,
        camera,
        np.zeros(4),
        rvec,
        tvec,
        useExtrinsicGuess=True,
        flags=cv2.SOLVEPNP_ITERATIVE,
    )
    if not ok:
        return HeadPose(0.0, 0.0, 0.0)
    rotation, _ = cv2.Rodrigues(rvec)
    # Camera axes: x right, y down, z away from the camera; the face looks along model +z.
    fx, fy, fz = rotation[:, 2]
    rx, ry, _ = rotation[:, 0]
    yaw = float(np.degrees(np.arctan2(fx, -fz)))
    pitch = float(np.degrees(np.arctan2(-fy, -fz)))
    roll = float(np.degrees(np.arctan2(ry, rx)))
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll)


def _wrap(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0
