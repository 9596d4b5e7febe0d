"""Run a liveness session over a camera or a file, sampling frames at the analysis rate.

This is what the kiosk's analysis thread does with the live camera, minus the threads: the
preview may run at full rate, but only one frame per 1/analysis_fps seconds of frame time is
analysed. Used by `kiosk face liveness`, the tests and the benchmark.
"""

from __future__ import annotations

from pathlib import Path

from config.settings import FaceSettings
from devices.camera.base import Camera
from devices.camera.playback import FilePlaybackCamera, PlaybackEnded
from kiosk.face.engine import FaceEngine
from kiosk.face.liveness import LivenessSession, LivenessUpdate
from kiosk.face.pad import PadStage

READ_TIMEOUT_S = 5.0


def analyse_camera(
    engine: FaceEngine,
    camera: Camera,
    challenge: list[str],
    settings: FaceSettings,
    analysis_fps: float | None = None,
    *,
    pad: PadStage | None = None,
) -> LivenessUpdate:
    """Feed an open camera's frames to a new session until it finishes or the file ends."""
    session = LivenessSession(engine, challenge, settings, pad=pad)
    step = 1.0 / (analysis_fps or settings.analysis_fps)
    next_due: float | None = None
    last_t = 0.0
    while True:
        try:
            frame = camera.read(READ_TIMEOUT_S)
        except PlaybackEnded:
            return session.end_of_input(last_t)
        last_t = frame.timestamp_s
        if next_due is not None and frame.timestamp_s + 1e-6 < next_due:
            continue
        next_due = frame.timestamp_s + step
        update = session.feed(frame)
        if update.finished:
            return update


def analyse_file(
    engine: FaceEngine,
    path: Path,
    challenge: list[str],
    settings: FaceSettings,
    analysis_fps: float | None = None,
    *,
    loop: bool = False,
    pad: PadStage | None = None,
) -> LivenessUpdate:
    """Judge a video, GIF or image folder as the kiosk would judge the camera."""
    camera = FilePlaybackCamera(path, pace="fast", loop=loop)
    camera.open()
    try:
        return analyse_camera(engine, camera, challenge, settings, analysis_fps, pad=pad)
    finally:
        camera.close()
