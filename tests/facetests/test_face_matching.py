"""Matching on real photos from faces/tune at the configured (frozen) threshold."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from config import load_settings
from kiosk.face.engine import FaceEngine, ModelPaths
from kiosk.face.errors import ModelLoadError, NoFaceError, SeveralFacesError
from kiosk.face.evaluate import embed_folder, evaluate
from kiosk.face.images import read_image
from kiosk.face.matching import match_reference, reference_embedding

pytestmark = pytest.mark.faces

REPO = Path(__file__).resolve().parents[2]


def run_kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=240,
        check=False,
    )


@pytest.fixture(scope="module")
def tune_embeddings(engine: FaceEngine) -> dict[str, tuple[str, np.ndarray]]:
    root = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "faces" / "tune"
    if not root.is_dir():
        pytest.skip("shared test data not found")
    embeddings, no_face = embed_folder(engine, root)
    assert no_face == []
    return embeddings


@pytest.mark.slow
def test_genuine_pairs_match_and_impostors_do_not_at_the_configured_threshold(
    engine: FaceEngine, tune_embeddings: dict[str, tuple[str, np.ndarray]]
) -> None:
    threshold = load_settings().face.threshold
    genuine: list[float] = []
    impostor: list[float] = []
    for (_, (who_a, a)), (_, (who_b, b)) in itertools.combinations(tune_embeddings.items(), 2):
        (genuine if who_a == who_b else impostor).append(engine.distance(a, b))
    assert len(genuine) > 100 and len(impostor) > 1000
    assert min(impostor) > threshold  # zero false accepts
    rejected = sum(d > threshold for d in genuine)
    assert rejected / len(genuine) <= 0.05


def test_evaluate_counts_every_pair_once(
    engine: FaceEngine, testdata: Path, tmp_path: Path
) -> None:
    root = tmp_path / "people"
    root.mkdir()
    for identity in ("jeff_bezos", "sundar_pichai", "elon_musk"):
        (root / identity).symlink_to(testdata / "faces" / "tune" / identity)
    report = evaluate(engine, root, 0.51)
    # 2 + 2 + 4 photos: 1 + 1 + 6 genuine pairs; 28 pairs in all.
    assert (report.genuine_pairs, report.impostor_pairs) == (8, 20)
    assert report.false_accepts == 0
    assert report.as_dict()["far"] == 0.0


def test_reference_with_several_faces_or_none_is_refused(
    engine: FaceEngine, testdata: Path
) -> None:
    one = read_image(testdata / "faces" / "tune" / "jeff_bezos" / "2.jpg")
    other = read_image(testdata / "faces" / "tune" / "sundar_pichai" / "2.jpg")
    height = min(one.shape[0], other.shape[0])
    pair = cv2.hconcat([one[:height], other[:height]])
    with pytest.raises(SeveralFacesError):
        reference_embedding(engine, pair)
    background = np.ascontiguousarray(one[:40, :40])  # a corner of the photo, no face
    with pytest.raises(NoFaceError):
        reference_embedding(engine, cv2.resize(background, (300, 300)))


def test_reference_as_bytes_path_and_template_agree(engine: FaceEngine, testdata: Path) -> None:
    path = testdata / "faces" / "tune" / "scarlett_johansson" / "3.webp"  # WEBP by content
    from_path = reference_embedding(engine, path)
    from_bytes = reference_embedding(engine, path.read_bytes())
    from_template = reference_embedding(engine, from_path)
    assert engine.distance(from_path, from_bytes) == pytest.approx(0.0, abs=1e-9)
    assert from_template.shape == (128,)
    assert engine.distance(from_template, from_path) == 0.0


def test_match_reference_carries_distance_threshold_and_evidence(
    engine: FaceEngine, testdata: Path
) -> None:
    from kiosk.face.liveness import BestFace

    image = read_image(testdata / "faces" / "tune" / "matt_damon" / "1.jpg")
    work, face = engine.single_face(image)
    best = BestFace(image=work, face=face, timestamp_s=1.5, score=0.8)
    same = match_reference(engine, testdata / "faces" / "tune" / "matt_damon" / "2.jpg", best, 0.51)
    other = match_reference(
        engine, testdata / "faces" / "tune" / "jeff_bezos" / "1.jpg", best, 0.51
    )
    assert same.match and not other.match
    assert same.distance < 0.51 < other.distance
    assert same.evidence["best_frame"]["timestamp_s"] == 1.5
    json.dumps(same.evidence)  # JSON-able, as the case record stores it
    assert same.best_jpeg.startswith(b"\xff\xd8")


def test_cli_compare_prints_the_contract(testdata: Path) -> None:
    tune = testdata / "faces" / "tune"
    result = run_kiosk(
        "face",
        "compare",
        str(tune / "katy_perry" / "2.jpg"),
        str(tune / "katy_perry" / "3.jpg"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"distance", "threshold", "match"}
    assert out["match"] is True and out["threshold"] == load_settings().face.threshold


def test_cli_compare_exits_3_when_an_image_has_no_face(testdata: Path, tmp_path: Path) -> None:
    photo = read_image(testdata / "faces" / "tune" / "jeff_bezos" / "1.jpg")
    corner = tmp_path / "wall.png"
    cv2.imwrite(str(corner), cv2.resize(np.ascontiguousarray(photo[:40, :40]), (300, 300)))
    result = run_kiosk(
        "face",
        "compare",
        str(corner),
        str(testdata / "faces" / "tune" / "jeff_bezos" / "1.jpg"),
        "--json",
    )
    assert result.returncode == 3
    assert "no face" in result.stderr and result.stdout == ""


def test_cli_compare_exits_3_when_an_image_has_several_faces(
    testdata: Path, tmp_path: Path
) -> None:
    tune = testdata / "faces" / "tune"
    one = read_image(tune / "jeff_bezos" / "2.jpg")
    other = read_image(tune / "sundar_pichai" / "2.jpg")
    height = min(one.shape[0], other.shape[0])
    pair = tmp_path / "two_people.png"
    cv2.imwrite(str(pair), cv2.hconcat([one[:height], other[:height]]))
    result = run_kiosk("face", "compare", str(pair), str(tune / "jeff_bezos" / "1.jpg"), "--json")
    assert result.returncode == 3
    assert "2 faces" in result.stderr and "two_people.png" in result.stderr
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("which", [0, 1])
def test_cli_compare_exits_2_on_a_missing_image(testdata: Path, tmp_path: Path, which: int) -> None:
    images = [str(testdata / "faces" / "tune" / "jeff_bezos" / "1.jpg")] * 2
    images[which] = str(tmp_path / "absent.jpg")
    result = run_kiosk("face", "compare", *images, "--json")
    assert result.returncode == 2
    assert "absent.jpg" in result.stderr and "no such file" in result.stderr
    assert result.stdout == ""


def test_cli_evaluate_and_liveness_exit_2_on_a_missing_input(tmp_path: Path) -> None:
    evaluate = run_kiosk("face", "evaluate", str(tmp_path / "people"), "--json")
    assert evaluate.returncode == 2 and "people: no such folder" in evaluate.stderr
    liveness = run_kiosk(
        "face", "liveness", str(tmp_path / "clip.mp4"), "--challenge", "blink", "--json"
    )
    assert liveness.returncode == 2 and "clip.mp4: no such file" in liveness.stderr
    assert evaluate.stdout == liveness.stdout == ""


def test_missing_model_files_fail_loading_with_the_path(tmp_path: Path) -> None:
    paths = ModelPaths.from_package()
    broken = ModelPaths(paths.landmarks68, tmp_path / "gone.dat", paths.encoder)
    with pytest.raises(ModelLoadError, match=r"gone\.dat"):
        FaceEngine.load(broken)


def test_engine_loaded_on_one_thread_serves_another(engine: FaceEngine, testdata: Path) -> None:
    import threading

    image = read_image(testdata / "faces" / "tune" / "elon_musk" / "1.jpg")
    results: list[int] = []
    worker = threading.Thread(
        target=lambda: results.append(len(engine.detect_still(image)[1])),
        name="kiosk-face-analysis-test",
    )
    worker.start()
    worker.join(30)
    assert results == [1]


def test_cli_evaluate_prints_the_contract(testdata: Path, tmp_path: Path) -> None:
    root = tmp_path / "people"
    root.mkdir()
    for identity in ("jeff_bezos", "sundar_pichai"):
        (root / identity).symlink_to(testdata / "faces" / "tune" / identity)
    (root / "README.txt").write_text("not an identity folder")
    result = run_kiosk("face", "evaluate", str(root), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {
        "genuine_pairs",
        "impostor_pairs",
        "false_accepts",
        "false_rejects",
        "far",
        "frr",
        "threshold",
        "no_face",
    }
    assert (out["genuine_pairs"], out["impostor_pairs"]) == (2, 4)
    assert out["no_face"] == [] and out["threshold"] == load_settings().face.threshold
