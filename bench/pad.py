"""Presentation-attack detection: APCER / BPCER per signal and combined, and the cost a frame.

    .venv/bin/python bench/pad.py [--testdata ../shared/testdata] [--synthetic 2] [--out FILE]

Every tune still and clip is scored as `kiosk face pad` scores it (a photo is one frame, a clip
is sampled at the analysis rate, the largest face of each frame). Live: faces/tune photos, the
T* antispoof stills and every videos/tune clip that is not a replay; attacks: the F* stills and
the *_fake_* clips. APCER = attacks accepted / attacks, BPCER = live refused / live, for each
signal on its own (its session score >= 0.5), the fused stage with and without the learned
model, per attack kind. Synthetic attacks (bench/pad_synth.py: the live tune photos and clips
shown on a phone or a monitor, or printed) are reported apart from the real ones.

`challenge` runs liveness sessions with random challenges and prompt pauses over the live clips
(early starts a live resident would be blamed for) and over a live clip treated as a replayed
recording. `cost` times each signal and the whole stage on one thread. Tune data only: a
holdout folder is refused.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pad_synth  # bench/ is sys.path[0] when run as a script

from config import load_settings
from config.settings import FaceSettings
from devices.camera.base import Frame
from devices.camera.playback import FilePlaybackCamera, PlaybackEnded
from kiosk.face.engine import Face, FaceEngine, fit_within
from kiosk.face.images import read_image
from kiosk.face.liveness import LivenessSession, random_challenge
from kiosk.face.pad import PadStage
from kiosk.face.pad import cues as pad_cues
from kiosk.face.pad.session import PadSession, fuse

REPO = Path(__file__).resolve().parent.parent

Frames = list[tuple[float, np.ndarray]]
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


def tune_items(testdata: Path) -> list[dict[str, Any]]:
    """(name, path, still/clip, live/attack, attack kind) for every tune still and clip."""
    items = []
    for path in sorted((testdata / "faces" / "tune").rglob("*")):
        if path.is_file():
            items.append(_item(path, "still", "live", "", testdata))
    for path in sorted((testdata / "faces" / "antispoof_stills").glob("*")):
        attack = "_F" in path.stem
        kind = {"minivision_image_F1": "print", "minivision_image_F2": "phone_screen"}
        items.append(
            _item(path, "still", "attack" if attack else "live", kind.get(path.stem, ""), testdata)
        )
    for path in sorted((testdata / "videos" / "tune").rglob("*")):
        if path.is_file():
            attack = "_fake_" in path.name
            items.append(
                _item(
                    path,
                    "clip",
                    "attack" if attack else "live",
                    "phone_replay" if attack else "",
                    testdata,
                )
            )
    return items


def _item(path: Path, kind: str, label: str, attack: str, root: Path) -> dict[str, Any]:
    return {
        "name": str(path.relative_to(root)),
        "path": path,
        "kind": kind,
        "label": label,
        "attack": attack,
    }


def clip_frames(path: Path, fps: float) -> Frames:
    camera = FilePlaybackCamera(path, pace="fast", loop=False)
    camera.open()
    frames: Frames = []
    next_due: float | None = None
    try:
        while True:
            try:
                frame = camera.read(5.0)
            except PlaybackEnded:
                break
            if next_due is not None and frame.timestamp_s + 1e-6 < next_due:
                continue
            next_due = frame.timestamp_s + 1.0 / fps
            frames.append((frame.timestamp_s, fit_within(frame.image, 640)))
    finally:
        camera.close()
    return frames


def score(
    engine: FaceEngine, stage: PadStage, frames: Frames, still: bool
) -> dict[str, Any] | None:
    """The stage's signals and verdict on frames, as kiosk face pad computes them."""
    session = stage.session()
    for _, image in frames:
        if still:
            work, faces = engine.detect_still(image)
        else:
            work, faces = image, engine.detect(image)
        if faces:
            session.observe(work, faces[0])
        else:
            session.face_lost()
    if session.frames == 0:
        return None
    verdict = session.verdict()
    classical = {k: v for k, v in verdict.signals.items() if k != "model"}
    return {
        "frames": verdict.frames,
        "signals": verdict.signals,
        "combined": verdict.attack,
        "combined_score": verdict.score,
        "without_model": fuse(classical) >= stage.settings.threshold,
    }


DECISIONS = ("combined", "without_model", "model", "bezel", "moire", "glare", "colour", "freeze")


def decisions(result: dict[str, Any]) -> dict[str, bool]:
    out = {"combined": result["combined"], "without_model": result["without_model"]}
    for name, value in result["signals"].items():
        if name in DECISIONS:
            out[name] = value >= 0.5
    return out


def rates(results: list[dict[str, Any]]) -> dict[str, Any]:
    """APCER and BPCER per decision, over the given scored items."""
    table: dict[str, Any] = {}
    for name in DECISIONS:
        attacks = [r for r in results if r["label"] == "attack" and name in r["decisions"]]
        lives = [r for r in results if r["label"] == "live" and name in r["decisions"]]
        accepted = [r["name"] for r in attacks if not r["decisions"][name]]
        refused = [r["name"] for r in lives if r["decisions"][name]]
        table[name] = {
            "apcer": round(len(accepted) / len(attacks), 4) if attacks else None,
            "bpcer": round(len(refused) / len(lives), 4) if lives else None,
            "attacks": len(attacks),
            "live": len(lives),
            "attacks_accepted": accepted,
            "live_refused": refused,
        }
    return table


def per_kind(results: list[dict[str, Any]]) -> dict[str, Any]:
    kinds: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        if r["label"] == "attack":
            kinds[r["attack"]].append(r)
    return {
        kind: {
            name: round(sum(not r["decisions"].get(name, True) for r in rs) / len(rs), 4)
            for name in DECISIONS
        }
        | {"attacks": len(rs)}
        for kind, rs in sorted(kinds.items())
    }


def real(
    engine: FaceEngine, stage: PadStage, items: list[dict[str, Any]], fps: float
) -> list[dict[str, Any]]:
    scored = []
    for item in items:
        if item["kind"] == "still":
            frames: Frames = [(0.0, read_image(item["path"]))]
        else:
            frames = clip_frames(item["path"], fps)
        result = score(engine, stage, frames, item["kind"] == "still")
        entry = {k: item[k] for k in ("name", "kind", "label", "attack")}
        if result is None:
            entry["no_face"] = True
        else:
            entry |= result | {"decisions": decisions(result)}
        scored.append(entry)
        print(f"# {item['name']}: {result and round(result['combined_score'], 3)}", file=sys.stderr)
    return scored


def synthetic(
    engine: FaceEngine, stage: PadStage, items: list[dict[str, Any]], fps: float, per_item: int
) -> list[dict[str, Any]]:
    """Each live tune photo and clip shown on a phone, a monitor and a print, `per_item` times."""
    rng = random.Random(20261204)
    scored = []
    for item in items:
        if item["label"] != "live":
            continue
        source = (
            [(0.0, read_image(item["path"]))]
            if item["kind"] == "still"
            else clip_frames(item["path"], fps)
        )
        if item["kind"] == "clip":
            source = source[:30]  # 3 s of each clip is enough for a verdict
        for kind in pad_synth.KINDS:
            for copy in range(per_item):
                scene = pad_synth.Scene(kind, rng)
                frames = [(t, scene.render(image, t)) for t, image in source]
                result = score(engine, stage, frames, still=False)
                entry = {
                    "name": f"{item['name']}#{kind}{copy}",
                    "kind": item["kind"],
                    "label": "attack",
                    "attack": kind,
                }
                if result is None:
                    entry["no_face"] = True
                else:
                    entry |= result | {"decisions": decisions(result)}
                scored.append(entry)
    return scored


def challenge(
    engine: FaceEngine, stage: PadStage, settings: FaceSettings, clips: list[Path], runs: int
) -> dict[str, Any]:
    """Early starts and challenge-signal refusals in liveness sessions with random prompts."""
    rng = random.Random(7)
    out: dict[str, Any] = {}
    for clip in clips:
        frames = clip_frames(clip, settings.analysis_fps)
        early, refused, passed = [], 0, 0
        for _ in range(runs):
            session = LivenessSession(
                engine, random_challenge(settings, rng), settings, pad=stage, rng=rng
            )
            offset = rng.uniform(0.0, 3.0)  # the recording starts at a random moment
            update = None
            for t, image in frames:
                if t < offset:
                    continue
                update = session.feed(_frame(image, t - offset))
                if update.finished:
                    break
            update = update if update is not None and update.finished else session.end_of_input()
            verdict = update.pad
            assert verdict is not None
            early.append(verdict.early_starts)
            refused += verdict.signals.get("challenge", 0.0) >= 0.5
            passed += update.passed
        out[clip.name] = {
            "sessions": runs,
            "passed": passed,
            "early_starts_mean": round(statistics.fmean(early), 3),
            "sessions_with_early_start": sum(e > 0 for e in early),
            "refused_by_challenge_signal": refused,
        }
    return out


def replayed_recording(
    engine: FaceEngine, stage: PadStage, settings: FaceSettings, clip: Path, runs: int
) -> dict[str, Any]:
    """A recording of a live person doing actions, replayed from a random moment against random
    challenges with random prompt pauses. The file is fed as it is, so the passive signals see
    a live face (a flawless screen): what is left is active liveness and the challenge rules."""
    rng = random.Random(11)
    frames = clip_frames(clip, settings.analysis_fps)
    passed, early_sessions, challenge_refused = 0, 0, 0
    for _ in range(runs):
        challenge = random_challenge(settings, rng)
        session = LivenessSession(engine, challenge, settings, pad=stage, rng=rng)
        offset = rng.uniform(0.0, 3.0)
        update = None
        for t, image in frames:
            if t < offset:
                continue
            update = session.feed(_frame(image, t - offset))
            if update.finished:
                break
        update = update if update is not None and update.finished else session.end_of_input()
        assert update.pad is not None
        passed += update.passed
        early_sessions += update.pad.early_starts > 0
        challenge_refused += update.pad.signals.get("challenge", 0.0) >= 0.5
    return {
        "clip": clip.name,
        "sessions": runs,
        "passed": passed,
        "sessions_with_early_start": early_sessions,
        "challenge_signal_over_threshold": challenge_refused,
    }


def _frame(image: np.ndarray, t: float) -> Frame:
    return Frame(image=image, timestamp_s=round(t, 3), index=round(t * 1000))


def cost(
    engine: FaceEngine, stage: PadStage, testdata: Path, fps: float, limit: int = 300
) -> dict[str, Any]:
    """Milliseconds a frame for each signal and for observe() as a whole: CPU time of this
    thread (what the stage costs one core, whatever else runs) and wall time (inflated when
    other processes share the cores). OpenCV keeps to this thread, as on the kiosk's face
    thread (kiosk.qt.face_bridge): its worker pool would hide CPU time from thread_time."""
    cv2.setNumThreads(1)
    samples: list[tuple[np.ndarray, Face]] = []
    clips = (
        "antispoof_zubair_real.webm",
        "blink_frontal_male_v1.mp4",
        "antispoof_lestari_fake_phone_replay.mp4",
    )
    for clip in clips:
        for _, image in clip_frames(testdata / "videos" / "tune" / clip, fps):
            faces = engine.detect(image)
            if faces:
                samples.append((image, faces[0]))
    samples = samples[:limit]
    cpu: dict[str, list[float]] = defaultdict(list)
    wall: dict[str, list[float]] = defaultdict(list)
    funcs: dict[str, Any] = {
        "bezel": pad_cues.bezel,
        "moire": pad_cues.moire,
        "glare": pad_cues.glare,
        "colour": pad_cues.colour_cast,
        "freeze_chip": pad_cues.face_chip,
    }
    model = stage.model
    if model is not None:
        funcs["model"] = lambda image, face: model.live_probability(image, face.box)
    session: PadSession = stage.session()
    funcs["observe_total"] = session.observe
    for image, face in samples:
        for name, func in funcs.items():
            c0, w0 = time.thread_time(), time.perf_counter()
            func(image, face)
            cpu[name].append(time.thread_time() - c0)
            wall[name].append(time.perf_counter() - w0)
    c0 = time.thread_time()
    session.verdict()
    verdict_ms = (time.thread_time() - c0) * 1000

    def ms(values: list[float]) -> dict[str, float]:
        return {
            "mean_ms": round(statistics.fmean(values) * 1000, 2),
            "p95_ms": round(float(np.percentile(values, 95)) * 1000, 2),
        }

    total = statistics.fmean(cpu["observe_total"]) * 1000
    return {
        "frames": len(samples),
        "cpu": {name: ms(v) for name, v in cpu.items()},
        "wall": {name: ms(v) for name, v in wall.items()},
        "verdict_cpu_ms": round(verdict_ms, 2),
        "core_share_at_analysis_fps": round(total * fps / 1000, 4),
        "analysis_fps": fps,
        "opencv_threads": cv2.getNumThreads(),
        "load_average_1min": round(__import__("os").getloadavg()[0], 2),
    }


def summary(scored: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in scored if not r.get("no_face")]
    return {
        "items": len(scored),
        "no_face": [r["name"] for r in scored if r.get("no_face")],
        "rates": rates(ok),
        "apcer_per_kind": per_kind(ok),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument(
        "--synthetic", type=int, default=1, help="synthetic attacks per live item and kind"
    )
    parser.add_argument("--challenge-runs", type=int, default=10)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["real", "synthetic", "challenge", "cost"]
    )
    args = parser.parse_args()
    if "holdout" in str(args.testdata):
        print("bench/pad.py tunes on tune data only: not a holdout folder", file=sys.stderr)
        return 2
    settings = load_settings().face
    fps = settings.analysis_fps
    engine = FaceEngine.load()
    stage = PadStage.load(settings.pad)
    items = tune_items(args.testdata)
    report: dict[str, Any] = {
        "model": stage.model.name if stage.model else "none",
        "threshold": settings.pad.threshold,
    }
    if "real" not in args.skip:
        scored = real(engine, stage, items, fps)
        report["real"] = summary(scored)
        report["real"]["items_detail"] = [
            {k: r.get(k) for k in ("name", "label", "frames", "combined_score", "signals")}
            for r in scored
        ]
    if "synthetic" not in args.skip and args.synthetic > 0:
        report["synthetic"] = summary(synthetic(engine, stage, items, fps, args.synthetic))
    if "challenge" not in args.skip:
        live_clips = [
            i["path"]
            for i in items
            if i["kind"] == "clip" and i["label"] == "live" and "snippets" not in i["name"]
        ]
        report["challenge"] = challenge(engine, stage, settings, live_clips, args.challenge_runs)
        recording = args.testdata / "videos" / "tune" / "antispoof_zubair_real.webm"
        report["replayed_recording"] = replayed_recording(
            engine, stage, settings, recording, args.challenge_runs * 5
        )
    if "cost" not in args.skip:
        report["cost"] = cost(engine, stage, args.testdata, fps)
    text = json.dumps(report, ensure_ascii=False, indent=1, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
