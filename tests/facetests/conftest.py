"""Fixtures for face and camera tests: one loaded engine per session, clips made from real data."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest

from config.settings import FaceSettings, PadSettings
from kiosk.face.engine import FaceEngine
from kiosk.face.pad import PadStage
from tests.facetests.helpers import write_video

Image = np.ndarray


@pytest.fixture(scope="session")
def engine() -> FaceEngine:
    return FaceEngine.load()


@pytest.fixture(scope="session")
def pad_stage() -> PadStage:
    return PadStage.load(PadSettings())


@pytest.fixture
def face_settings() -> FaceSettings:
    return FaceSettings()


@pytest.fixture
def make_video(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str, frames: Iterable[Image], fps: float = 25.0) -> Path:
        return write_video(tmp_path / name, frames, fps)

    return make
