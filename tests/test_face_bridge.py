"""The face thread's bridge: it fails closed without its PAD stage, and it turns the liveness
session's pause before a prompt into the "please wait" the screen shows and the voice says."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from config import load_settings
from config.settings import FaceSettings
from kiosk.face.engine import FaceEngine
from kiosk.face.liveness import HOLD_PROMPT, LivenessUpdate
from kiosk.face.pad.model import FR_LIVENESS, MODELS_DIR, OnnxLivenessModel
from kiosk.face.pad.session import PadStage
from kiosk.flow import events as ev
from kiosk.qt.camera_bridge import LatestFrame
from kiosk.qt.face_bridge import FaceBridge, face_guide, pad_loader


def _never_matches(*_args: object) -> ev.MatchDone:
    raise AssertionError("no match may run without a face engine")


@pytest.fixture
def face_settings() -> FaceSettings:
    return load_settings().face


@pytest.fixture
def altered_stage(tmp_path: Path, face_settings: FaceSettings) -> Callable[[], PadStage]:
    """Loads the shipped PAD model from a copy with four bytes changed (a damaged install)."""
    shutil.copy(MODELS_DIR / FR_LIVENESS.file, tmp_path / FR_LIVENESS.file)
    with (tmp_path / FR_LIVENESS.file).open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02\x03")

    def load() -> PadStage:
        model = OnnxLivenessModel.load("fr_liveness", FR_LIVENESS, tmp_path)
        return PadStage(face_settings.pad, model)

    return load


def test_a_damaged_pad_model_fails_closed_no_check_runs(
    qtbot, face_settings: FaceSettings, altered_stage: Callable[[], PadStage]
) -> None:
    bridge = FaceBridge(
        LatestFrame(), face_settings, _never_matches, FaceEngine.load, load_pad=altered_stage
    )
    try:
        with qtbot.waitSignal(bridge.engine_failed, timeout=30_000) as failed:
            bridge.start()
        [message] = failed.args
        assert FR_LIVENESS.file in message and "sha256" in message
        # The dlib engine itself loaded fine, yet no liveness check runs without PAD: a capture
        # asked for tries the load again and reports the device fault, with no made-up answer.
        with (
            qtbot.assertNotEmitted(bridge.liveness_done, wait=500),
            qtbot.waitSignal(bridge.engine_failed, timeout=30_000) as again,
        ):
            bridge.start_capture(1)
        assert FR_LIVENESS.file in again.args[0]
    finally:
        bridge.shutdown()


def test_pad_switched_off_in_config_loads_no_stage(face_settings: FaceSettings) -> None:
    off = dataclasses.replace(
        face_settings, pad=dataclasses.replace(face_settings.pad, enabled=False)
    )
    assert pad_loader(off)() is None
    stage = pad_loader(face_settings)()
    assert stage is not None and stage.model is not None and stage.model.name == "fr_liveness"


def _update(action: str | None, prompt: str | None) -> LivenessUpdate:
    return LivenessUpdate(
        action=action,
        prompt=prompt,
        index=1,
        total=2,
        guidance_code=None,
        guidance=None,
        finished=False,
        passed=False,
        reason_code=None,
        reason=None,
        actions=(),
        restarts=0,
    )


def test_the_pause_before_a_prompt_asks_the_resident_to_wait() -> None:
    held = face_guide(_update(None, HOLD_PROMPT))
    assert (held.action, held.holding, held.prompt_id) == ("", True, "face.hold")
    asked = face_guide(_update("nod", "请点点头。"))
    assert (asked.action, asked.holding, asked.prompt_id) == ("nod", False, "face.nod")
    # After the last action, waiting for a good frontal frame: not a pause, nothing said.
    frame = face_guide(_update(None, "请正对屏幕，保持不动。"))
    assert (frame.holding, frame.prompt_id) == (False, "")
