"""`kiosk face compare|liveness|evaluate|pad`: the face engine on files, as the kiosk runs it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from config import load_settings
from config.settings import FaceSettings
from devices.camera.base import CameraError
from kiosk.cli import EXIT_OK, UsageError, fail
from kiosk.face.actions import ACTIONS
from kiosk.face.engine import FaceEngine
from kiosk.face.errors import FaceError
from kiosk.face.evaluate import evaluate as evaluate_folder
from kiosk.face.matching import reference_embedding
from kiosk.face.pad import PadStage
from kiosk.face.pad.files import score_file
from kiosk.face.replay import analyse_file


def register(subparsers: Any) -> None:
    face = subparsers.add_parser("face", help="face matching and liveness on files")
    sub = face.add_subparsers(dest="face_command", required=True, metavar="ACTION")

    compare = sub.add_parser("compare", help="compare the faces of two photos")
    compare.add_argument("image1", type=Path)
    compare.add_argument("image2", type=Path)
    _common(compare)
    compare.set_defaults(handler=_compare)

    liveness = sub.add_parser("liveness", help="judge a video as the kiosk judges the camera")
    liveness.add_argument("video", type=Path, help="video, animated GIF or image folder")
    liveness.add_argument(
        "--challenge", required=True, help=f"comma-separated actions from: {','.join(ACTIONS)}"
    )
    liveness.add_argument(
        "--analysis-fps", type=float, help="frames analysed per second (default: config)"
    )
    _common(liveness)
    liveness.set_defaults(handler=_liveness)

    evaluate = sub.add_parser("evaluate", help="genuine/impostor error rates of a folder")
    evaluate.add_argument("dir", type=Path, help="one sub-folder of photos per identity")
    evaluate.add_argument("--threshold", type=float, help="override face.threshold")
    _common(evaluate)
    evaluate.set_defaults(handler=_evaluate)

    pad = sub.add_parser("pad", help="presentation-attack score of a photo or a video")
    pad.add_argument("path", type=Path, help="photo, video, animated GIF or image folder")
    pad.add_argument(
        "--analysis-fps", type=float, help="video frames analysed per second (default: config)"
    )
    _common(pad)
    pad.set_defaults(handler=_pad)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="terminal file (default: built-in defaults)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _engine() -> FaceEngine:
    return FaceEngine.load()  # the slow part (~1.5 s), only once a face command runs


def _about(path: Path, exc: Exception) -> str:
    return str(exc) if str(path) in str(exc) else f"{path}: {exc}"


def _print(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key}: {json.dumps(value, ensure_ascii=False)}")


def _existing_file(path: Path) -> Path:
    """A missing input is a bad argument (exit 2), found before the models load."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    return path


def _compare(args: argparse.Namespace) -> int:
    for path in (args.image1, args.image2):
        _existing_file(path)
    threshold = load_settings(args.config).face.threshold
    engine = _engine()
    embeddings = []
    for path in (args.image1, args.image2):
        try:
            embeddings.append(reference_embedding(engine, path))
        except FaceError as exc:
            return fail(_about(path, exc))
    distance = round(engine.distance(*embeddings), 4)
    _print(args, {"distance": distance, "threshold": threshold, "match": distance <= threshold})
    return EXIT_OK


def _pad_stage(settings: FaceSettings) -> PadStage | None:
    return PadStage.load(settings.pad) if settings.pad.enabled else None


def _check_fps(value: float | None) -> None:
    if value is not None and not 1.0 <= value <= 120.0:
        raise UsageError("--analysis-fps must be between 1 and 120")


def _liveness(args: argparse.Namespace) -> int:
    challenge = [a.strip() for a in args.challenge.split(",") if a.strip()]
    unknown = [a for a in challenge if a not in ACTIONS]
    if not challenge or unknown:
        raise UsageError(f"--challenge: unknown action(s) {unknown}; use {','.join(ACTIONS)}")
    _check_fps(args.analysis_fps)
    if not args.video.is_dir():
        _existing_file(args.video)
    settings = load_settings(args.config).face
    engine = _engine()
    try:
        pad = _pad_stage(settings)
        update = analyse_file(engine, args.video, challenge, settings, args.analysis_fps, pad=pad)
    except (CameraError, FaceError) as exc:
        return fail(_about(args.video, exc))
    result = {
        "passed": update.passed,
        "actions": [
            {"action": a.action, "passed": a.passed, "at_s": a.at_s} for a in update.actions
        ],
        "reason": update.reason_code,
        "pad": None if update.pad is None else update.pad.as_dict(),
    }
    _print(args, result)
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        raise UsageError(f"{args.dir}: no such folder")
    threshold = args.threshold
    if threshold is None:
        threshold = load_settings(args.config).face.threshold
    elif not 0.0 < threshold < 2.0:
        raise UsageError("--threshold must be between 0 and 2")
    engine = _engine()
    report = evaluate_folder(engine, args.dir, threshold)
    _print(args, report.as_dict())
    return EXIT_OK


def _pad(args: argparse.Namespace) -> int:
    _check_fps(args.analysis_fps)
    if not args.path.is_dir():
        _existing_file(args.path)
    settings = load_settings(args.config).face
    fps = args.analysis_fps or settings.analysis_fps
    engine = _engine()
    try:
        stage = PadStage.load(settings.pad)  # `kiosk face pad` scores even with enabled = false
        verdict = score_file(engine, stage, args.path, fps)
    except (CameraError, FaceError) as exc:
        return fail(_about(args.path, exc))
    except OSError as exc:
        return fail(f"{args.path}: {exc.strerror or exc}")
    _print(args, verdict.as_dict())
    return EXIT_OK
