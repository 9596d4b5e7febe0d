"""Presentation-attack detection on the real tune attacks and live faces (faces/antispoof_stills,
videos/tune, faces/tune), through `kiosk face pad`, the liveness session and the PAD API."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import FaceSettings, PadSettings
from devices.camera.base import Frame
from kiosk.face.engine import FaceEngine, fit_within
from kiosk.face.errors import ModelLoadError
from kiosk.face.images import read_image
from kiosk.face.liveness import HOLD_PROMPT, LivenessSession
from kiosk.face.pad import PadStage
from kiosk.face.pad.files import score_file
from kiosk.face.pad.model import FR_LIVENESS, MODELS_DIR, OnnxLivenessModel
from kiosk.face.replay import analyse_file
from tests.facetests.helpers import read_frames

pytestmark = pytest.mark.faces

REPO = Path(__file__).resolve().parents[2]
STILLS = Path("faces") / "antispoof_stills"
CLIPS = Path("videos") / "tune"
LESTARI_REPLAY = CLIPS / "antispoof_lestari_fake_phone_replay.mp4"
ZUBAIR_REPLAY = CLIPS / "antispoof_zubair_fake_phone_replay.webm"
REAL_ATTACKS = [
    STILLS / "minivision_image_F1.jpg",
    STILLS / "minivision_image_F2.jpg",
    LESTARI_REPLAY,
    ZUBAIR_REPLAY,
]
LIVE = [
    STILLS / "minivision_image_T1.jpg",
    STILLS / "minivision_image_T2.jpg",
    Path("faces") / "tune" / "jeff_bezos" / "1.jpg",
    Path("faces") / "tune" / "marissa_mayer" / "1.jpg",  # studio light: glare cue fires
    CLIPS / "antispoof_lestari_real.mp4",
    CLIPS / "antispoof_zubair_real.webm",
    CLIPS / "blink_frontal_male_v1.mp4",
]


def run_kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=240,
        check=False,
    )


@pytest.mark.parametrize("attack", REAL_ATTACKS, ids=lambda p: p.name)
def test_every_real_tune_attack_is_refused(
    engine: FaceEngine, pad_stage: PadStage, testdata: Path, attack: Path
) -> None:
    verdict = score_file(engine, pad_stage, testdata / attack)
    assert verdict.attack, verdict
    assert verdict.score >= 0.5 and verdict.signals["model"] >= 0.5


@pytest.mark.parametrize("live", LIVE, ids=lambda p: p.name)
def test_live_faces_are_not_refused(
    engine: FaceEngine, pad_stage: PadStage, testdata: Path, live: Path
) -> None:
    verdict = score_file(engine, pad_stage, testdata / live)
    assert not verdict.attack, verdict
    assert verdict.frames >= 1


def test_cli_pad_prints_the_contract_for_a_phone_replay(testdata: Path) -> None:
    result = run_kiosk("face", "pad", str(testdata / LESTARI_REPLAY), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"attack", "score", "signals", "frames"}
    assert out["attack"] is True and 0.5 <= out["score"] <= 1.0
    assert out["frames"] >= 20  # a 2.6 s clip at 10 analysed frames a second
    assert {"model", "bezel", "moire", "glare", "colour", "freeze", "challenge"} == set(
        out["signals"]
    )
    assert all(0.0 <= v <= 1.0 for v in out["signals"].values())


def test_cli_pad_scores_a_live_still_as_one_frame(testdata: Path) -> None:
    result = run_kiosk("face", "pad", str(testdata / STILLS / "minivision_image_T1.jpg"), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["attack"] is False and out["frames"] == 1


def test_cli_pad_exit_codes(tmp_path: Path) -> None:
    missing = run_kiosk("face", "pad", str(tmp_path / "nothing.jpg"), "--json")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    fps = run_kiosk("face", "pad", str(tmp_path), "--analysis-fps", "0", "--json")
    assert fps.returncode == 2 and "--analysis-fps" in fps.stderr
    garbage = tmp_path / "broken.jpg"
    garbage.write_bytes(b"not an image at all" * 10)
    unreadable = run_kiosk("face", "pad", str(garbage), "--json")
    assert unreadable.returncode == 3 and "not a readable photo or video" in unreadable.stderr
    assert unreadable.stdout == ""


def test_cli_pad_exits_3_on_a_photo_without_a_face(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    wall = tmp_path / "wall.png"
    cv2.imwrite(str(wall), np.full((480, 640, 3), 180, np.uint8))
    result = run_kiosk("face", "pad", str(wall), "--json")
    assert result.returncode == 3 and "no face" in result.stderr


@pytest.mark.parametrize("replay", [LESTARI_REPLAY, ZUBAIR_REPLAY], ids=lambda p: p.name)
def test_a_liveness_session_refuses_both_phone_replays(
    engine: FaceEngine,
    pad_stage: PadStage,
    testdata: Path,
    face_settings: FaceSettings,
    replay: Path,
) -> None:
    update = analyse_file(engine, testdata / replay, ["blink", "nod"], face_settings, pad=pad_stage)
    assert not update.passed
    assert update.reason_code == "presentation_attack"
    assert update.reason is not None and "工作人员" in update.reason  # the staff path
    assert update.pad is not None and update.pad.attack
    evidence = update.pad.evidence()
    assert evidence["model"] == "fr_liveness" and evidence["suspicious_frames"] >= 1
    json.dumps(evidence)  # scores only: JSON for the case record


def test_cli_liveness_refuses_a_phone_replay_with_presentation_attack(testdata: Path) -> None:
    result = run_kiosk(
        "face", "liveness", str(testdata / ZUBAIR_REPLAY), "--challenge", "turn_left", "--json"
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["passed"] is False and out["reason"] == "presentation_attack"
    assert out["pad"]["attack"] is True and out["pad"]["frames"] >= 20


def test_a_live_resident_still_passes_with_the_stage(
    engine: FaceEngine, pad_stage: PadStage, testdata: Path, face_settings: FaceSettings
) -> None:
    clip = testdata / CLIPS / "antispoof_zubair_real.webm"
    update = analyse_file(engine, clip, ["nod", "turn_left"], face_settings, pad=pad_stage)
    assert update.passed, update.reason_code
    assert update.pad is not None and not update.pad.attack and update.pad.frames > 30


def test_one_suspicious_frame_does_not_fail_a_live_resident(
    engine: FaceEngine, pad_stage: PadStage, testdata: Path
) -> None:
    live = read_frames(testdata / CLIPS / "antispoof_lestari_real.mp4")[::3]
    attack = read_frames(testdata / LESTARI_REPLAY, limit=1)
    session = pad_stage.session()
    for index, frame in enumerate(live):
        image = fit_within(attack[0] if index == 10 else frame, 640)
        faces = engine.detect(image)
        assert faces
        session.observe(image, faces[0])
    verdict = session.verdict()
    assert verdict.suspicious_frames == 1  # the replay frame, on its own, looks like an attack
    assert not verdict.attack and verdict.frames == len(live)


def test_the_stage_works_without_the_learned_model(engine: FaceEngine, testdata: Path) -> None:
    stage = PadStage.load(PadSettings(model="none"))
    assert stage.model is None
    # The Zubair replay shows a small phone screen: bezel, colour cast and moire refuse it.
    replay = score_file(engine, stage, testdata / ZUBAIR_REPLAY)
    assert replay.attack and "model" not in replay.signals and replay.model == "none"
    live = score_file(engine, stage, testdata / CLIPS / "antispoof_zubair_real.webm")
    assert not live.attack


def test_an_altered_model_file_is_refused(tmp_path: Path) -> None:
    shutil.copy(MODELS_DIR / FR_LIVENESS.file, tmp_path / FR_LIVENESS.file)
    assert OnnxLivenessModel.load("fr_liveness", FR_LIVENESS, tmp_path).name == "fr_liveness"
    with (tmp_path / FR_LIVENESS.file).open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02\x03")
    with pytest.raises(ModelLoadError, match="sha256"):
        OnnxLivenessModel.load("fr_liveness", FR_LIVENESS, tmp_path)
    with pytest.raises(ModelLoadError, match="missing"):
        OnnxLivenessModel.load("fr_liveness", FR_LIVENESS, tmp_path / "nowhere")


def test_the_model_reads_bgr_crops_as_documented(testdata: Path) -> None:
    model = OnnxLivenessModel.load("fr_liveness", FR_LIVENESS)
    image = read_image(testdata / STILLS / "minivision_image_F1.jpg")
    # dlib's box of the one face in this 480x640 print (measured): a print reads P(live) ~0.
    box = (154, 154, 333, 333)
    assert model.live_probability(image, box) < 0.01
    live = read_image(testdata / STILLS / "minivision_image_T1.jpg")
    assert model.live_probability(live, (134, 154, 313, 333)) > 0.1


def _feed(session: LivenessSession, frames: list, fps: float) -> list:
    """Feed frames (at `fps`) at 10 analysed frames a second; the updates, the last final."""
    updates = []
    next_due = None
    for index, image in enumerate(frames):
        t = round(index / fps, 3)
        if next_due is not None and t + 1e-6 < next_due:
            continue
        next_due = t + 0.1
        updates.append(session.feed(Frame(image=image, timestamp_s=t, index=index)))
        if updates[-1].finished:
            return updates
    return [*updates, session.end_of_input()]


def test_an_action_under_way_before_its_prompt_does_not_count(
    engine: FaceEngine, pad_stage: PadStage, testdata: Path, face_settings: FaceSettings
) -> None:
    frames = read_frames(testdata / CLIPS / "antispoof_zubair_real.webm")  # 15 fps
    # As recorded he nods at ~5 s and turns left at ~10 s: both count.
    whole = _feed(
        LivenessSession(engine, ["nod", "turn_left"], face_settings, pad=pad_stage), frames, 15.0
    )
    assert whole[-1].passed
    # Cut from just after the nod to the moment his head is already turned left: the turn
    # is under way when its prompt comes, as in a replay, so it does not count.
    spliced = frames[:78] + frames[150:]
    session = LivenessSession(engine, ["nod", "turn_left"], face_settings, pad=pad_stage)
    final = _feed(session, spliced, 15.0)[-1]
    nod, turn = final.actions
    assert nod.passed and not turn.passed and not final.passed
    assert final.pad is not None and final.pad.early_starts == 1.0


def test_with_an_rng_the_next_prompt_waits_a_random_pause(
    engine: FaceEngine, pad_stage: PadStage, testdata: Path, face_settings: FaceSettings
) -> None:
    frames = read_frames(testdata / CLIPS / "antispoof_zubair_real.webm")
    session = LivenessSession(
        engine, ["nod", "turn_left"], face_settings, pad=pad_stage, rng=random.Random(1)
    )
    updates = _feed(session, frames, 15.0)
    assert updates[-1].passed and updates[-1].pad is not None and not updates[-1].pad.attack
    nod_at = updates[-1].actions[0].at_s
    holding = [u for u in updates if u.prompt == HOLD_PROMPT]
    assert holding and all(u.action is None and u.index == 1 for u in holding)
    # The pause lies within the configured bounds (at 10 analysed frames a second).
    pause = len(holding) / 10.0
    settings = face_settings.pad
    assert settings.prompt_gap_min_s - 0.1 <= pause <= settings.prompt_gap_max_s + 0.1, nod_at


def test_pad_settings_errors_name_the_file_key_and_fix(tmp_path: Path) -> None:
    from config import ConfigError, load_settings

    terminal = tmp_path / "terminal.toml"
    terminal.write_text("[face.pad]\nprompt_gap_min_s = 2.0\nprompt_gap_max_s = 1.0\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(terminal)
    message = str(caught.value)
    assert "face.pad.prompt_gap_min_s" in message and "prompt_gap_max_s" in message
    assert str(terminal) in message
    terminal.write_text('[face.pad]\nmodel = "magic"\n')
    with pytest.raises(ConfigError, match=r"face\.pad\.model"):
        load_settings(terminal)
    terminal.write_text('[face.pad]\nmodel = "none"\nthreshold = 0.6\n')
    settings = load_settings(terminal).face.pad
    assert settings.model == "none" and settings.threshold == 0.6 and settings.enabled
