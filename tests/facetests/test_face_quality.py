"""Quality gate on real frames altered the way a village office alters them."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.face.engine import FaceEngine, fit_within
from kiosk.face.geometry import head_pose
from kiosk.face.quality import GUIDANCE_TEXT, Guidance, Quality, assess
from tests.facetests.helpers import read_frames

pytestmark = pytest.mark.faces

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def resident(engine: FaceEngine) -> np.ndarray:
    root = Path(__file__).resolve().parents[3] / "shared" / "testdata"
    if not root.is_dir():
        pytest.skip("shared test data not found")
    return fit_within(read_frames(root / "videos/tune/blink_frontal_male_v1.mp4", 1)[0], 640)


def judge(engine: FaceEngine, image: np.ndarray) -> Quality:
    image = fit_within(np.ascontiguousarray(image), 640)
    faces = engine.detect(image)
    pose = head_pose(faces[0].landmarks, image.shape[:2]) if len(faces) == 1 else None
    return assess(image, faces, pose)


def test_a_good_frontal_frame_passes(engine: FaceEngine, resident: np.ndarray) -> None:
    quality = judge(engine, resident)
    assert quality.ok and quality.text is None
    assert quality.score(None) > 0.5


def test_dim_light_asks_for_more_light(engine: FaceEngine, resident: np.ndarray) -> None:
    quality = judge(engine, cv2.convertScaleAbs(resident, alpha=0.2))
    assert quality.problem is Guidance.TOO_DARK


def test_a_blurred_face_asks_to_hold_still(engine: FaceEngine, resident: np.ndarray) -> None:
    quality = judge(engine, cv2.GaussianBlur(resident, (0, 0), 5.0))
    assert quality.problem is Guidance.BLURRED


def test_a_far_face_asks_to_come_closer(engine: FaceEngine, resident: np.ndarray) -> None:
    # A 640x480 kiosk camera with the resident a step too far back: face ~85 px wide.
    small = cv2.resize(resident, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    canvas = np.full((480, 640, 3), 90, dtype=np.uint8)
    top, left = (480 - small.shape[0]) // 2, (640 - small.shape[1]) // 2
    canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
    assert judge(engine, canvas).problem is Guidance.TOO_SMALL


def test_a_face_at_the_edge_asks_to_move_to_the_middle(
    engine: FaceEngine, resident: np.ndarray
) -> None:
    height, width = resident.shape[:2]
    canvas = np.full((height, width * 3, 3), 90, dtype=np.uint8)
    canvas[:, :width] = resident
    assert judge(engine, canvas).problem is Guidance.OFF_CENTRE


def test_a_turned_head_asks_to_face_the_screen(engine: FaceEngine, testdata: Path) -> None:
    frames = read_frames(testdata / "videos/tune/antispoof_zubair_real.webm", 106)
    assert judge(engine, frames[105]).problem is Guidance.NOT_FRONTAL  # 7.0 s: head turned


def test_no_face_and_several_faces(engine: FaceEngine, resident: np.ndarray) -> None:
    assert judge(engine, np.full_like(resident, 120)).problem is Guidance.NO_FACE
    assert judge(engine, cv2.hconcat([resident, resident])).problem is Guidance.SEVERAL_FACES


def test_every_guidance_has_a_stable_code_and_plain_chinese_text() -> None:
    assert set(GUIDANCE_TEXT) == set(Guidance)
    for code, text in GUIDANCE_TEXT.items():
        assert code.value == code.name.lower()
        assert CHINESE.search(text) and text.endswith("。")
