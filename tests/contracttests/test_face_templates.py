"""How a face becomes a template, agreed by both sides: the terminal's engine is the
contract's, its frozen threshold is the contract's, and a roster the contract builds is one
the terminal reads (real photos from faces/tune)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import numpy as np
import pytest

from config.settings import FaceSettings
from contract import face_templates, wire
from contract.face_templates import (
    MATCH_THRESHOLD,
    FaceEngine,
    decode_image,
    live_template,
    reference_template,
    roster_document,
    same_person,
)
from kiosk.face import engine as kiosk_engine
from kiosk.face.errors import ModelLoadError, NoFaceError
from kiosk.face.matching import reference_embedding
from kiosk.face.roster import MAGIC, Roster

REPO = Path(__file__).resolve().parents[2]
HOLDER = "110101195001011239"
OTHER = "110101194805061234"


def test_the_configured_threshold_is_the_contracts() -> None:
    assert FaceSettings().threshold == MATCH_THRESHOLD
    table = tomllib.loads((REPO / "config" / "default.toml").read_text(encoding="utf-8"))
    assert table["face"]["threshold"] == MATCH_THRESHOLD


def test_the_terminal_engine_is_the_contracts_with_the_terminals_errors(tmp_path: Path) -> None:
    assert issubclass(kiosk_engine.FaceEngine, FaceEngine)
    assert kiosk_engine.EMBEDDING_SIZE == face_templates.EMBEDDING_SIZE == 128
    paths = kiosk_engine.ModelPaths.from_package()
    broken = kiosk_engine.ModelPaths(paths.landmarks68, tmp_path / "gone.dat", paths.encoder)
    with pytest.raises(ModelLoadError):
        kiosk_engine.FaceEngine.load(broken)
    with pytest.raises(face_templates.ModelLoadError):
        FaceEngine.load(broken)


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return kiosk_engine.FaceEngine.load()


@pytest.mark.faces
def test_a_template_is_the_same_on_both_sides(engine: FaceEngine, testdata: Path) -> None:
    photo = testdata / "faces" / "tune" / "jack_dorsey" / "1.jpg"
    platform = reference_template(engine, decode_image(photo.read_bytes()))
    terminal = reference_embedding(engine, photo.read_bytes())
    assert np.array_equal(platform, terminal)


@pytest.mark.faces
def test_one_person_matches_and_two_do_not(engine: FaceEngine, testdata: Path) -> None:
    tune = testdata / "faces" / "tune"
    a = reference_template(engine, decode_image((tune / "jack_dorsey" / "1.jpg").read_bytes()))
    b = live_template(engine, decode_image((tune / "jack_dorsey" / "5.jpg").read_bytes()))
    c = live_template(engine, decode_image((tune / "elon_musk" / "1.jpg").read_bytes()))
    assert same_person(engine.distance(a, b))
    assert not same_person(engine.distance(a, c))


def test_a_blank_frame_has_no_face(engine: FaceEngine) -> None:
    blank = np.full((240, 320, 3), 128, dtype=np.uint8)
    with pytest.raises(NoFaceError):  # the terminal's engine raises the terminal's error
        live_template(engine, blank)
    with pytest.raises(face_templates.NoFaceError):
        live_template(FaceEngine.load(), blank)
    with pytest.raises(face_templates.ImageDecodeError):
        decode_image(b"not a picture")


def test_a_roster_the_contract_builds_is_one_the_terminal_reads(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    holder, other = rng.normal(size=128), rng.normal(size=128)
    document = roster_document({HOLDER: holder, OTHER: other}, os.urandom(16), 1000)
    key = os.urandom(32)
    path = tmp_path / "roster.sealed"
    path.write_bytes(MAGIC + wire.seal(key, wire.canonical(document), MAGIC))
    roster = Roster.load(path, key)
    assert len(roster) == 2
    assert np.allclose(roster.template_for(HOLDER), holder)  # type: ignore[arg-type]
    assert np.allclose(roster.template_for(OTHER), other)  # type: ignore[arg-type]
    assert roster.template_for("11010119500101123X") is None
    assert HOLDER not in wire.canonical(document).decode()  # keyed by PBKDF2, not the number
    with pytest.raises(ValueError):
        roster_document({HOLDER: np.zeros(127)}, b"salt")
