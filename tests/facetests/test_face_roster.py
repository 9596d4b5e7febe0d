"""References as templates: a cached roster, and the app's Matcher on match_reference.

Real photos from faces/tune: a template computed from one photo of a person must match
another photo of the same person, and must not match an impostor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from config.settings import FaceSettings
from devices.card_reader.identity import CardKind, Identity
from kiosk.face.engine import FaceEngine
from kiosk.face.images import encode_jpeg, read_image
from kiosk.face.liveness import BestFace
from kiosk.face.matching import match_reference, reference_embedding
from kiosk.face.roster import Roster, RosterCache, RosterError, roster_key, write_roster
from kiosk.services import Matcher

pytestmark = pytest.mark.faces

HOLDER = "11010519491231002X"  # the standard's sample number, checksum valid
OTHER = "110101195001011239"
THRESHOLD = FaceSettings().threshold


def best_face(engine: FaceEngine, path: Path) -> BestFace:
    work, face = engine.single_face(read_image(path))
    return BestFace(image=work, face=face, timestamp_s=2.0, score=0.8)


def resident(id_number: str = HOLDER, **fields: object) -> Identity:
    return Identity(CardKind.ID_CARD, "张三", id_number, birth_date=dt.date(1949, 12, 31), **fields)


@pytest.fixture
def roster_file(engine: FaceEngine, testdata: Path, tmp_path: Path) -> Path:
    tune = testdata / "faces" / "tune"
    path = tmp_path / "roster.json"
    write_roster(
        path,
        {
            HOLDER: reference_embedding(engine, tune / "matt_damon" / "1.jpg"),
            OTHER: reference_embedding(engine, tune / "sundar_pichai" / "1.jpg"),
        },
        iterations=1000,
    )
    return path


def test_a_roster_template_matches_another_photo_of_the_same_person(
    engine: FaceEngine, testdata: Path, roster_file: Path
) -> None:
    tune = testdata / "faces" / "tune"
    template = RosterCache(roster_file).template_for(HOLDER)
    assert template is not None and template.shape == (128,)
    same = match_reference(
        engine, template, best_face(engine, tune / "matt_damon" / "2.jpg"), THRESHOLD
    )
    impostor = match_reference(
        engine, template, best_face(engine, tune / "jeff_bezos" / "1.jpg"), THRESHOLD
    )
    assert same.match and same.distance <= THRESHOLD
    assert not impostor.match and impostor.distance > THRESHOLD
    assert same.evidence["reference_kind"] == "template"


def test_the_roster_file_keeps_no_id_number_and_finds_only_known_holders(
    roster_file: Path,
) -> None:
    text = roster_file.read_text()
    assert HOLDER not in text and OTHER not in text
    document = json.loads(text)
    salt = bytes.fromhex(document["salt"])
    assert set(document["templates"]) == {roster_key(n, salt, 1000) for n in (HOLDER, OTHER)}
    roster = Roster.load(roster_file)
    assert len(roster) == 2
    assert roster.template_for(HOLDER.lower()) is not None  # the X checksum in either case
    assert roster.template_for("110101195001011247") is None


def test_a_malformed_roster_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "roster.json"
    path.write_text(
        json.dumps(
            {
                "format": "kiosk-face-roster",
                "version": 1,
                "salt": "00",
                "iterations": 10,
                "templates": {"ab": [0.1] * 5},
            }
        )
    )
    with pytest.raises(RosterError, match="128 finite numbers"):
        Roster.load(path)
    path.write_text("{not json")
    with pytest.raises(RosterError, match="not JSON"):
        RosterCache(path).template_for(HOLDER)
    assert RosterCache(tmp_path / "absent.json").template_for(HOLDER) is None


def test_the_cache_rereads_a_changed_roster(
    engine: FaceEngine, testdata: Path, roster_file: Path
) -> None:
    cache = RosterCache(roster_file)
    assert cache.template_for("110101195001011247") is None
    template = reference_embedding(engine, testdata / "faces" / "tune" / "paul_rudd" / "1.jpg")
    write_roster(roster_file, {"110101195001011247": template}, iterations=1000)
    found = cache.template_for("110101195001011247")
    assert found is not None and engine.distance(found, template) == pytest.approx(0.0)
    assert cache.template_for(HOLDER) is None


def test_matcher_verifies_against_the_roster_template(
    engine: FaceEngine, testdata: Path, roster_file: Path
) -> None:
    tune = testdata / "faces" / "tune"
    settings = dataclasses.replace(FaceSettings(), roster_file=roster_file.name)
    matcher = Matcher.from_settings(settings, roster_file.parent, None)
    outcome, reason, details = matcher(
        engine, resident(), best_face(engine, tune / "matt_damon" / "3.jpg")
    )
    assert (outcome, reason) == ("verified", "")
    assert details["reference"] == "roster" and details["distance"] <= THRESHOLD
    assert details["threshold"] == THRESHOLD and details["valid_until"]
    outcome, reason, details = matcher(
        engine, resident(OTHER), best_face(engine, tune / "matt_damon" / "3.jpg")
    )
    assert (outcome, reason) == ("not_verified", "face_mismatch")
    assert details["distance"] > THRESHOLD


def test_matcher_prefers_the_card_photo_and_falls_back_past_a_broken_roster(
    engine: FaceEngine, testdata: Path, tmp_path: Path
) -> None:
    tune = testdata / "faces" / "tune"
    broken = tmp_path / "roster.json"
    broken.write_text("{not json")
    asked: list[str] = []

    def platform(id_number: str) -> bytes:
        asked.append(id_number)
        return (tune / "matt_damon" / "2.jpg").read_bytes()

    matcher = Matcher(THRESHOLD, platform, RosterCache(broken))
    live = best_face(engine, tune / "matt_damon" / "1.jpg")
    card = resident(photo_bytes=(tune / "jeff_bezos" / "1.jpg").read_bytes(), photo_format="jpeg")
    outcome, reason, details = matcher(engine, card, live)
    assert (outcome, reason, details["reference"]) == (
        "not_verified",
        "face_mismatch",
        "card_photo",
    )
    assert asked == []
    outcome, _, details = matcher(engine, resident(), live)
    assert (outcome, details["reference"]) == ("verified", "platform")
    assert asked == [HOLDER]


def test_matcher_keeps_the_check_pending_without_a_usable_reference(
    engine: FaceEngine, testdata: Path, tmp_path: Path
) -> None:
    tune = testdata / "faces" / "tune"
    live = best_face(engine, tune / "matt_damon" / "1.jpg")
    matcher = Matcher(THRESHOLD, None, RosterCache(tmp_path / "absent.json"))
    assert matcher(engine, resident(), live) == ("pending", "no_reference", {})
    landscape = read_image(tune / "jeff_bezos" / "1.jpg")[:40, :40]
    wall = encode_jpeg(cv2.resize(np.ascontiguousarray(landscape), (300, 300)))
    card = resident(photo_bytes=wall, photo_format="jpeg")
    assert matcher(engine, card, live) == (
        "pending",
        "reference_unusable",
        {"reference": "card_photo"},
    )
