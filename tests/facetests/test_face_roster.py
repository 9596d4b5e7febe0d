"""References as templates: a sealed roster, and the app's HolderMatcher on match_reference.

Real photos from faces/tune: a template computed from one photo of a person must match
another photo of the same person, and must not match an impostor. The roster is sealed with
a real terminal storage key (offline_queue.keys.load_or_create in a temp data dir); nothing
is mocked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import stat
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from config.settings import FaceSettings
from contract import wire
from devices.card_reader.identity import CardKind, Identity
from kiosk.face.engine import Embedding, FaceEngine
from kiosk.face.holder_match import HolderMatcher
from kiosk.face.images import encode_jpeg, read_image
from kiosk.face.liveness import BestFace
from kiosk.face.matching import match_reference, reference_embedding
from kiosk.face.roster import MAGIC, Roster, RosterCache, RosterError, roster_key, write_roster
from kiosk.flow.events import MatchDone
from kiosk.flow.model import MatchEvidence, Outcome
from offline_queue.keys import load_or_create

pytestmark = pytest.mark.faces

HOLDER = "11010519491231002X"  # the standard's sample number, checksum valid
OTHER = "110101195001011239"
NEWCOMER = "110101195001011247"
THRESHOLD = FaceSettings().threshold


def best_face(engine: FaceEngine, path: Path) -> BestFace:
    work, face = engine.single_face(read_image(path))
    return BestFace(image=work, face=face, timestamp_s=2.0, score=0.8)


def resident(id_number: str = HOLDER, **fields: object) -> Identity:
    return Identity(CardKind.ID_CARD, "张三", id_number, birth_date=dt.date(1949, 12, 31), **fields)


@pytest.fixture
def storage_key(tmp_path: Path) -> bytes:
    return load_or_create(tmp_path / "var").storage_key


@pytest.fixture
def holder_template(engine: FaceEngine, testdata: Path) -> Embedding:
    return reference_embedding(engine, testdata / "faces" / "tune" / "matt_damon" / "1.jpg")


@pytest.fixture
def roster_file(
    engine: FaceEngine,
    testdata: Path,
    tmp_path: Path,
    storage_key: bytes,
    holder_template: Embedding,
) -> Path:
    tune = testdata / "faces" / "tune"
    path = tmp_path / "var" / "roster.bin"
    write_roster(
        path,
        {
            HOLDER: holder_template,
            OTHER: reference_embedding(engine, tune / "sundar_pichai" / "1.jpg"),
        },
        storage_key,
        iterations=1000,
    )
    return path


def salt_of(path: Path, storage_key: bytes) -> str:
    blob = path.read_bytes()
    return str(json.loads(wire.unseal(storage_key, blob[len(MAGIC) :], MAGIC))["salt"])


def sealed_document(path: Path, storage_key: bytes, document: object) -> None:
    path.write_bytes(MAGIC + wire.seal(storage_key, wire.canonical(document), MAGIC))


def test_a_roster_template_matches_another_photo_of_the_same_person(
    engine: FaceEngine, testdata: Path, roster_file: Path, storage_key: bytes
) -> None:
    tune = testdata / "faces" / "tune"
    template = RosterCache(roster_file, storage_key).template_for(HOLDER)
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


def test_the_roster_on_disk_holds_no_template_hash_or_id_number_in_clear(
    roster_file: Path, storage_key: bytes, holder_template: Embedding
) -> None:
    blob = roster_file.read_bytes()
    assert blob.startswith(MAGIC)
    with pytest.raises(ValueError):
        json.loads(blob)
    with pytest.raises(ValueError):
        json.loads(blob[len(MAGIC) :])
    for number in (HOLDER, OTHER):
        assert number.encode() not in blob
    first = float(holder_template[0])
    for clear in (
        json.dumps(first).encode(),
        np.float64(first).tobytes(),
        np.float32(first).tobytes(),
        np.asarray(holder_template, dtype=np.float64).tobytes()[:16],
    ):
        assert clear not in blob
    # What the file holds, opened with the key: only the PBKDF2 keys of the two holders.
    document = json.loads(wire.unseal(storage_key, blob[len(MAGIC) :], MAGIC))
    salt = bytes.fromhex(document["salt"])
    hashes = {roster_key(n, salt, 1000) for n in (HOLDER, OTHER)}
    assert set(document["templates"]) == hashes
    assert document["templates"][roster_key(HOLDER, salt, 1000)][0] == first
    for digest in hashes:
        assert digest.encode() not in blob and bytes.fromhex(digest) not in blob
    assert salt.hex().encode() not in blob and salt not in blob
    assert stat.S_IMODE(roster_file.stat().st_mode) == 0o600
    assert [p.name for p in roster_file.parent.iterdir() if p.is_file()] == [roster_file.name]
    roster = Roster.load(roster_file, storage_key)
    assert len(roster) == 2
    assert roster.template_for(HOLDER.lower()) is not None  # the X checksum in either case
    assert roster.template_for(NEWCOMER) is None


def test_a_plaintext_roster_is_refused(tmp_path: Path, storage_key: bytes) -> None:
    path = tmp_path / "roster.json"
    salt = b"\x01" * 16
    plaintext = {
        "format": "kiosk-face-roster",
        "version": 1,
        "salt": salt.hex(),
        "iterations": 10,
        "templates": {roster_key(HOLDER, salt, 10): [0.01] * 128},
    }
    path.write_text(json.dumps(plaintext))
    with pytest.raises(RosterError, match="refused: a plaintext file"):
        Roster.load(path, storage_key)
    with pytest.raises(RosterError, match="refused: a plaintext file"):
        RosterCache(path, storage_key).template_for(HOLDER)
    path.write_bytes(b"\x00garbage")
    with pytest.raises(RosterError, match="refused: not a sealed roster"):
        Roster.load(path, storage_key)


def flipped(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


TAMPERINGS: dict[str, Callable[[bytes], bytes]] = {
    "nonce": lambda blob: flipped(blob, len(MAGIC)),
    "ciphertext": lambda blob: flipped(blob, len(blob) // 2),
    "tag": lambda blob: flipped(blob, len(blob) - 1),
    "truncated": lambda blob: blob[:-16],
    "appended": lambda blob: blob + b"\x00",
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_a_tampered_roster_is_refused(
    roster_file: Path, storage_key: bytes, tampering: str
) -> None:
    blob = roster_file.read_bytes()
    changed = TAMPERINGS[tampering](blob)
    assert changed != blob
    roster_file.write_bytes(changed)
    with pytest.raises(RosterError, match="does not decrypt with this terminal's storage key"):
        Roster.load(roster_file, storage_key)


def test_a_changed_header_is_refused(roster_file: Path, storage_key: bytes) -> None:
    blob = roster_file.read_bytes()
    roster_file.write_bytes(blob.replace(b"sealed-v1", b"sealed-v2", 1))
    with pytest.raises(RosterError, match="not a sealed roster"):
        Roster.load(roster_file, storage_key)


def test_a_roster_sealed_for_another_terminal_is_refused(
    tmp_path: Path, storage_key: bytes, holder_template: Embedding
) -> None:
    stranger = load_or_create(tmp_path / "stranger").storage_key
    assert stranger != storage_key
    path = tmp_path / "roster.bin"
    write_roster(path, {HOLDER: holder_template}, stranger, iterations=1000)
    assert Roster.load(path, stranger).template_for(HOLDER) is not None
    with pytest.raises(RosterError, match="written for another terminal"):
        RosterCache(path, storage_key).template_for(HOLDER)


def test_a_malformed_sealed_roster_is_a_clear_error(tmp_path: Path, storage_key: bytes) -> None:
    path = tmp_path / "roster.bin"
    document = {
        "format": "kiosk-face-roster",
        "version": 1,
        "salt": "00",
        "iterations": 10,
        "templates": {"ab": [0.1] * 5},
    }
    sealed_document(path, storage_key, document)
    with pytest.raises(RosterError, match="128 finite numbers"):
        Roster.load(path, storage_key)
    sealed_document(path, storage_key, dict(document, templates={"ab": ["secret"] * 128}))
    with pytest.raises(RosterError, match=r"malformed \(ValueError\)") as refused:
        Roster.load(path, storage_key)
    assert "secret" not in str(refused.value)
    sealed_document(path, storage_key, [document])
    with pytest.raises(RosterError, match=r"malformed \(AttributeError\)"):
        Roster.load(path, storage_key)
    assert RosterCache(tmp_path / "absent.bin", storage_key).template_for(HOLDER) is None


def test_the_cache_rereads_a_changed_roster(
    engine: FaceEngine, testdata: Path, roster_file: Path, storage_key: bytes
) -> None:
    cache = RosterCache(roster_file, storage_key)
    assert cache.template_for(NEWCOMER) is None
    template = reference_embedding(engine, testdata / "faces" / "tune" / "paul_rudd" / "1.jpg")
    write_roster(roster_file, {NEWCOMER: template}, storage_key, iterations=1000)
    found = cache.template_for(NEWCOMER)
    assert found is not None and engine.distance(found, template) == pytest.approx(0.0)
    assert cache.template_for(HOLDER) is None
    blob = roster_file.read_bytes()
    swapped = roster_file.with_name("swap.bin")  # a rename, as write_roster does: new inode
    swapped.write_bytes(flipped(blob, len(blob) - 1))
    swapped.replace(roster_file)
    # The earlier good roster is not kept in use.
    with pytest.raises(RosterError, match="does not decrypt"):
        cache.template_for(NEWCOMER)


def test_matcher_verifies_against_the_roster_template(
    engine: FaceEngine, testdata: Path, roster_file: Path, storage_key: bytes
) -> None:
    tune = testdata / "faces" / "tune"
    settings = dataclasses.replace(FaceSettings(), roster_file=roster_file.name)
    matcher = HolderMatcher.from_settings(settings, roster_file.parent, None, storage_key)
    done = matcher(engine, resident(), best_face(engine, tune / "matt_damon" / "3.jpg"))
    assert (done.outcome, done.reason) == (Outcome.VERIFIED, "")
    match = done.match
    assert match.reference == "roster" and match.distance is not None
    assert match.distance <= THRESHOLD
    assert match.threshold == THRESHOLD and done.valid_until
    done = matcher(engine, resident(OTHER), best_face(engine, tune / "matt_damon" / "3.jpg"))
    assert (done.outcome, done.reason) == (Outcome.NOT_VERIFIED, "face_mismatch")
    assert done.match.distance is not None and done.match.distance > THRESHOLD


def test_matcher_prefers_the_card_photo_and_falls_back_past_a_refused_roster(
    engine: FaceEngine,
    testdata: Path,
    tmp_path: Path,
    storage_key: bytes,
    holder_template: Embedding,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tune = testdata / "faces" / "tune"
    stranger = load_or_create(tmp_path / "stranger").storage_key
    foreign = tmp_path / "roster.bin"
    write_roster(foreign, {HOLDER: holder_template}, stranger, iterations=1000)
    asked: list[str] = []

    def platform(id_number: str) -> bytes:
        asked.append(id_number)
        return (tune / "matt_damon" / "2.jpg").read_bytes()

    matcher = HolderMatcher(THRESHOLD, platform, RosterCache(foreign, storage_key))
    live = best_face(engine, tune / "matt_damon" / "1.jpg")
    card = resident(photo_bytes=(tune / "jeff_bezos" / "1.jpg").read_bytes(), photo_format="jpeg")
    done = matcher(engine, card, live)
    assert (done.outcome, done.reason, done.match.reference) == (
        Outcome.NOT_VERIFIED,
        "face_mismatch",
        "card_photo",
    )
    assert asked == []
    with caplog.at_level(logging.DEBUG):
        done = matcher(engine, resident(), live)
    assert (done.outcome, done.match.reference) == (Outcome.VERIFIED, "platform")
    assert asked == [HOLDER]
    refused = [r for r in caplog.records if "face roster unusable" in r.getMessage()]
    assert len(refused) == 1 and "another terminal" in refused[0].getMessage()
    logged = caplog.text
    assert HOLDER not in logged and HOLDER.lower() not in logged
    assert json.dumps(float(holder_template[0])) not in logged
    salt = bytes.fromhex(salt_of(foreign, stranger))
    assert roster_key(HOLDER, salt, 1000) not in logged and salt.hex() not in logged


def test_matcher_keeps_the_check_pending_without_a_usable_reference(
    engine: FaceEngine, testdata: Path, tmp_path: Path, storage_key: bytes
) -> None:
    tune = testdata / "faces" / "tune"
    live = best_face(engine, tune / "matt_damon" / "1.jpg")
    matcher = HolderMatcher(THRESHOLD, None, RosterCache(tmp_path / "absent.bin", storage_key))
    assert matcher(engine, resident(), live) == MatchDone(Outcome.PENDING, "no_reference")
    landscape = read_image(tune / "jeff_bezos" / "1.jpg")[:40, :40]
    wall = encode_jpeg(cv2.resize(np.ascontiguousarray(landscape), (300, 300)))
    card = resident(photo_bytes=wall, photo_format="jpeg")
    assert matcher(engine, card, live) == MatchDone(
        Outcome.PENDING, "reference_unusable", MatchEvidence(reference="card_photo")
    )
