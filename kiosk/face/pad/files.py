"""PAD on a file, as the kiosk would see it: a photo is one frame, a video or GIF is sampled at
the analysis rate (frame time), like `kiosk.face.replay` samples it for liveness."""

from __future__ import annotations

from pathlib import Path

from devices.camera.playback import FilePlaybackCamera, PlaybackEnded
from kiosk.face.engine import FaceEngine, fit_within
from kiosk.face.errors import ImageDecodeError, NoFaceError
from kiosk.face.images import decode_image
from kiosk.face.pad.session import PadStage, PadVerdict

READ_TIMEOUT_S = 5.0
ANALYSIS_MAX_SIDE = 640  # as kiosk.face.liveness analyses camera frames


def score_file(
    engine: FaceEngine, stage: PadStage, path: Path, analysis_fps: float = 10.0
) -> PadVerdict:
    """The stage's verdict on a photo, a video, an animated GIF or a folder of frames.

    Raises NoFaceError when no frame holds a face, ImageDecodeError / CameraError when the
    file cannot be read.
    """
    if path.is_file():
        data = path.read_bytes()
        if not data.startswith(b"GIF8"):  # an animated GIF is a clip, not a photo
            try:
                image = decode_image(data)
            except ImageDecodeError:
                pass  # not a photo: try it as a video
            else:
                return score_still(engine, stage, image)
    return score_clip(engine, stage, path, analysis_fps)


def score_still(engine: FaceEngine, stage: PadStage, image: object) -> PadVerdict:
    work, faces = engine.detect_still(image)  # type: ignore[arg-type]
    if not faces:
        raise NoFaceError("no face found in the image")
    session = stage.session()
    session.observe(work, faces[0])
    return session.verdict()


def score_clip(
    engine: FaceEngine, stage: PadStage, path: Path, analysis_fps: float = 10.0
) -> PadVerdict:
    session = stage.session()
    camera = FilePlaybackCamera(path, pace="fast", loop=False)
    camera.open()
    next_due: float | None = None
    decoded = 0
    try:
        while True:
            try:
                frame = camera.read(READ_TIMEOUT_S)
            except PlaybackEnded:
                break
            decoded += 1
            if next_due is not None and frame.timestamp_s + 1e-6 < next_due:
                continue
            next_due = frame.timestamp_s + 1.0 / analysis_fps
            image = fit_within(frame.image, ANALYSIS_MAX_SIDE)
            faces = engine.detect(image)
            if faces:
                session.observe(image, faces[0])
            else:
                session.face_lost()
    finally:
        camera.close()
    if decoded == 0:
        raise ImageDecodeError(f"{path.name} is not a readable photo or video")
    if session.frames == 0:
        raise NoFaceError(f"no face found in any frame of {path.name}")
    return session.verdict()
