"""Face pipeline benchmark (issue 4 targets), JSON on stdout.

    .venv/bin/python bench/face_pipeline.py [--testdata ../shared/testdata] [--frames 150]

Pinned to one CPU core. Measures model loading, HOG detection + 68 landmarks on real
640x480 webcam frames, one embedding + comparison, a liveness session's per-frame cost,
and the genuine/impostor errors on faces/tune at the configured threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

import cv2  # noqa: E402

from config import load_settings  # noqa: E402
from devices.camera.base import Frame  # noqa: E402
from kiosk.face.engine import FaceEngine  # noqa: E402
from kiosk.face.evaluate import evaluate  # noqa: E402
from kiosk.face.liveness import LivenessSession  # noqa: E402

CLIP = "videos/tune/blink_eyeblink8_webcam_65s.mp4"  # 640x480, 30 fps webcam


def frames(path: Path, count: int) -> list:
    capture = cv2.VideoCapture(str(path))
    out = []
    while len(out) < count:
        ok, frame = capture.read()
        if not ok:
            break
        out.append(frame)
    capture.release()
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(fn, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn(*args)
    return result, (time.perf_counter() - started) * 1000.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    cv2.setNumThreads(1)
    settings = load_settings().face

    engine, load_ms = timed(FaceEngine.load)
    video = frames(args.testdata / CLIP, args.frames)
    assert video and video[0].shape[:2] == (480, 640), "need the 640x480 webcam clip"

    detect_ms = []
    for image in video:
        _, ms = timed(engine.detect, image)
        detect_ms.append(ms)
    image = video[0]
    face = engine.detect(image)[0]
    reference = engine.embed(image, face)  # also warms the network up
    embed_ms: list[float] = []
    decisions: list[bool] = []
    for image in video[:40]:
        found = engine.detect(image)
        started = time.perf_counter()
        live = engine.embed(image, found[0])
        decisions.append(engine.distance(reference, live) <= settings.threshold)
        embed_ms.append((time.perf_counter() - started) * 1000.0)

    session = LivenessSession(engine, ["nod"], settings)
    feed_ms = []
    for i, image in enumerate(video):
        _, ms = timed(session.feed, Frame(image, i / 30.0, i))
        feed_ms.append(ms)

    report, eval_s = timed(evaluate, engine, args.testdata / "faces" / "tune", settings.threshold)
    fps = 1000.0 / statistics.mean(detect_ms)
    result = {
        "cpu_cores_used": 1,
        "model_load_ms": round(load_ms, 1),
        "detect_landmarks_640x480": {
            "frames": len(detect_ms),
            "mean_ms": round(statistics.mean(detect_ms), 2),
            "p95_ms": round(percentile(detect_ms, 0.95), 2),
            "fps": round(fps, 1),
            "target_fps": 15,
            "ok": fps >= 15,
        },
        "embedding_and_compare": {
            "runs": len(embed_ms),
            "mean_ms": round(statistics.mean(embed_ms), 1),
            "p95_ms": round(percentile(embed_ms, 0.95), 1),
            "max_ms": round(max(embed_ms), 1),
            "same_person_accepted": sum(decisions),
            "target_ms": 200,
            # p95, not max: the 2-core machine is shared and one preempted run says little.
            "ok": percentile(embed_ms, 0.95) <= 200,
        },
        "liveness_feed_640x480": {
            "frames": len(feed_ms),
            "mean_ms": round(statistics.mean(feed_ms), 2),
            "p95_ms": round(percentile(feed_ms, 0.95), 2),
            "max_ms": round(max(feed_ms), 1),
        },
        "tune_evaluation": {
            **report.as_dict(),
            "seconds": round(eval_s / 1000.0, 1),
            "target": "0 false accepts, frr <= 0.05",
            "ok": report.false_accepts == 0 and report.frr <= 0.05,
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
