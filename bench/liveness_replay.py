"""Live versus replay: every antispoof pair of videos/tune through liveness, JSON on stdout.

    .venv/bin/python bench/liveness_replay.py [--testdata ../shared/testdata] [--analysis-fps 10]

Passive replay detection is not built; this measures what active liveness does with a phone
replay. For each pair (`antispoof_<who>_real.*`, `antispoof_<who>_fake_*`) and each action it
runs a one-action challenge as `kiosk face liveness` does (file analysed at the configured
rate) and reports whether the action and the session passed, the reason and `at_s`. Per clip
it also counts the analysed frames in which the detector finds one face, none or several:
most replay rejections come from there, not from liveness judging the motion.
Tune clips only: it refuses a holdout folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

from config import load_settings  # noqa: E402
from config.settings import FaceSettings  # noqa: E402
from devices.camera.playback import FilePlaybackCamera, PlaybackEnded  # noqa: E402
from kiosk.face.actions import ACTIONS  # noqa: E402
from kiosk.face.engine import FaceEngine, fit_within  # noqa: E402
from kiosk.face.liveness import ANALYSIS_MAX_SIDE  # noqa: E402
from kiosk.face.replay import READ_TIMEOUT_S, analyse_file  # noqa: E402


def pairs(folder: Path) -> list[tuple[str, Path, list[Path]]]:
    """(who, live clip, replay clips) for every antispoof_<who>_real.* in `folder`."""
    found = []
    for live in sorted(folder.glob("antispoof_*_real.*")):
        who = live.name[len("antispoof_") : -len("_real" + live.suffix)]
        replays = sorted(folder.glob(f"antispoof_{who}_fake_*"))
        if replays:
            found.append((who, live, replays))
    return found


def face_counts(engine: FaceEngine, clip: Path, analysis_fps: float) -> dict[str, Any]:
    """Faces found per analysed frame, sampled as the liveness replay samples them."""
    camera = FilePlaybackCamera(clip, pace="fast", loop=False)
    camera.open()
    counts = {"one_face": 0, "no_face": 0, "several_faces": 0}
    next_due: float | None = None
    last_t = 0.0
    try:
        while True:
            try:
                frame = camera.read(READ_TIMEOUT_S)
            except PlaybackEnded:
                break
            last_t = frame.timestamp_s
            if next_due is not None and frame.timestamp_s + 1e-6 < next_due:
                continue
            next_due = frame.timestamp_s + 1.0 / analysis_fps
            faces = engine.detect(fit_within(frame.image, ANALYSIS_MAX_SIDE))
            key = "one_face" if len(faces) == 1 else "no_face" if not faces else "several_faces"
            counts[key] += 1
    finally:
        camera.close()
    return {"duration_s": round(last_t, 2), "analysed_frames": sum(counts.values()), **counts}


def judge(engine: FaceEngine, clip: Path, settings: FaceSettings) -> dict[str, Any]:
    report = face_counts(engine, clip, settings.analysis_fps)
    actions = {}
    for action in ACTIONS:
        update = analyse_file(engine, clip, [action], settings)
        (result,) = update.actions
        actions[action] = {
            "action_passed": result.passed,
            "passed": update.passed,
            "reason": update.reason_code,
            "at_s": result.at_s,
            "restarts": update.restarts,
        }
    report["passed_actions"] = [a for a, r in actions.items() if r["passed"]]
    report["actions"] = actions
    return {"clip": clip.name, **report}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--analysis-fps", type=float, help="default: face.analysis_fps")
    args = parser.parse_args()
    folder = args.testdata / "videos" / "tune"
    if "holdout" in folder.parts or not folder.is_dir():
        print(f"bench: {folder} is not the tune video folder", file=sys.stderr)
        return 2
    settings = load_settings().face
    if args.analysis_fps is not None:
        settings = dataclasses.replace(settings, analysis_fps=args.analysis_fps)
    engine = FaceEngine.load()
    result = {
        "analysis_fps": settings.analysis_fps,
        "action_timeout_s": settings.action_timeout_s,
        "pairs": [
            {
                "who": who,
                "live": judge(engine, live, settings),
                "replays": [judge(engine, replay, settings) for replay in replays],
            }
            for who, live, replays in pairs(folder)
        ],
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
