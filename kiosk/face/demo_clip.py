"""The simulated-camera demo: a real clip, a challenge it passes, and a reference of the person.

Measured with `kiosk face liveness` and `tests/facetests`: in `antispoof_zubair_real.webm`
(tune set) the man blinks at ~5.5 s and turns to his right at ~6.4 s, and the challenge
passes from any starting point of the looped clip. The reference is a frontal frame from the
clip's end (12.8 s), written once as a JPEG; the matched best frame is ~0.29-0.32 from it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from devices.camera.playback import FilePlaybackCamera, PlaybackEnded
from kiosk.face.errors import FaceError
from kiosk.face.images import encode_jpeg

DEMO_CLIP = Path("videos/tune/antispoof_zubair_real.webm")
DEMO_CHALLENGE = ("blink", "turn_right")
REFERENCE_AT_S = 12.8


def demo_recipe(testdata_dir: Path, cache_dir: Path | None = None) -> tuple[Path, list[str], Path]:
    """(clip for [camera] source, challenge to ask, reference image for the simulated card)."""
    clip = Path(testdata_dir) / DEMO_CLIP
    if not clip.is_file():
        raise FaceError(f"demo clip missing: {clip}")
    folder = cache_dir if cache_dir is not None else Path(tempfile.gettempdir()) / "kiosk-demo"
    reference = folder / f"{clip.stem}-{REFERENCE_AT_S:.1f}s.jpg"
    if not reference.is_file():
        _write_frame(clip, REFERENCE_AT_S, reference)
    return clip, list(DEMO_CHALLENGE), reference


def _write_frame(clip: Path, at_s: float, target: Path) -> None:
    camera = FilePlaybackCamera(clip, pace="fast", loop=False)
    camera.open()
    try:
        while True:
            frame = camera.read(5.0)
            if frame.timestamp_s >= at_s:
                break
    except PlaybackEnded as exc:
        raise FaceError(f"{clip.name} is shorter than {at_s} s") from exc
    finally:
        camera.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(encode_jpeg(frame.image, quality=95))
    partial.replace(target)  # atomic: a concurrent caller never reads half a file
