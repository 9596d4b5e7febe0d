"""What a terminal asks the platform for on behalf of residents, on a real `kiosk-central
serve`: a resident's standing (verified here or elsewhere, pending, not verified, none), bound
to the question, and the roster of the terminal's service point, whose templates match the
faces of those residents. Residents and other channels' checks come from `residents import`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contract.certificates import CHINA_TZ
from contract.decisions import DecisionError, Standing, read_roster, read_standing
from contract.face_templates import (
    FaceEngine,
    checked_template,
    decode_image,
    live_template,
    roster_key,
    same_person,
)
from tests.queuetests.decide_helpers import (
    OPERATOR_ENV,
    RESIDENT_A,
    RESIDENT_B,
    RESIDENT_C,
    enrol,
    id_number,
    put_face,
    settled,
    wait_for,
)
from tests.queuetests.platform_proc import central, serving

pytestmark = [pytest.mark.faces, pytest.mark.slow]
ELSEWHERE = id_number("11010119470815123")


def photo(testdata: Path, who: str, n: int) -> bytes:
    return (testdata / "faces" / "tune" / who / f"{n}.jpg").read_bytes()


def residents_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "residents.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_residents_standing_whoever_decided_it(tmp_path: Path, testdata: Path) -> None:
    db = tmp_path / "central.sqlite3"
    assert central("users", "add", "li", "--role", "reviewer", "--db", str(db)).returncode == 0
    window_day = (dt.datetime.now(CHINA_TZ) - dt.timedelta(days=3)).date().isoformat()
    listed = residents_csv(
        tmp_path,
        "id_number,service_point,verified_at,channel\n"
        f"{ELSEWHERE},示范村便民服务站,{window_day},window\n",
    )
    imported = central("residents", "import", str(listed), "--db", str(db))
    assert imported.returncode == 0, imported.stderr
    assert '"verifications": 1' in imported.stdout
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k1", "GD0106-017")
        other = enrol(db, url, tmp_path / "k2", "GD0106-018")
        put_face(url, RESIDENT_A, photo(testdata, "jack_dorsey", 1))

        nonce, answer = kiosk.standing(RESIDENT_A)
        assert read_standing(answer, kiosk.platform_key, nonce).standing is Standing.NONE
        with pytest.raises(DecisionError):  # bound to its question
            read_standing(answer, kiosk.platform_key, "0" * 32)
        with pytest.raises(DecisionError):  # and to the platform's key
            read_standing(answer, Ed25519PrivateKey.generate().public_key(), nonce)

        verified = kiosk.pending(RESIDENT_A, photo(testdata, "jack_dorsey", 5))
        waiting = kiosk.pending(RESIDENT_B, photo(testdata, "jack_dorsey", 5))
        refused = kiosk.pending(RESIDENT_C, photo(testdata, "elon_musk", 1))
        kiosk.send(verified, waiting, refused)
        for case in (verified, waiting, refused):
            wait_for(lambda c=case: settled(url, c["case_id"]))
        rejected = central(
            "review", "decide", refused["case_id"], "--decision", "not_verified",
            "--reason", "identity_unconfirmed", "--reviewer", "li", "--db", str(db),
        )  # fmt: skip
        assert rejected.returncode == 0, rejected.stderr

        nonce, answer = kiosk.standing(RESIDENT_A)
        standing = read_standing(answer, kiosk.platform_key, nonce)
        assert standing.standing is Standing.VERIFIED and standing.channel == "kiosk"
        assert standing.decision is not None and standing.decision.case_id == verified["case_id"]
        assert standing.verified_at is not None and standing.valid_until is not None
        assert dt.date.fromisoformat(standing.valid_until).month == 1  # born in January
        assert standing.valid_until > dt.date.today().isoformat()
        nonce, answer = other.standing(RESIDENT_A)  # another terminal: no decision of its own
        from_elsewhere = read_standing(answer, other.platform_key, nonce)
        assert from_elsewhere.standing is Standing.VERIFIED and from_elsewhere.decision is None

        nonce, answer = kiosk.standing(RESIDENT_B)
        assert read_standing(answer, kiosk.platform_key, nonce).standing is Standing.PENDING

        nonce, answer = kiosk.standing(RESIDENT_C)
        refusal = read_standing(answer, kiosk.platform_key, nonce)
        assert refusal.standing is Standing.NOT_VERIFIED
        assert refusal.reason == "identity_unconfirmed"
        assert refusal.decision is not None and refusal.decision.case_id == refused["case_id"]

        nonce, answer = kiosk.standing(ELSEWHERE)
        window = read_standing(answer, kiosk.platform_key, nonce)
        assert window.standing is Standing.VERIFIED and window.channel == "window"
        assert window.decision is None

        # The ID number goes in the signed body only; unsigned or malformed is refused.
        assert requests.post(f"{url}/api/v1/residents/standing", timeout=5).status_code == 401
        bad = kiosk.signed("POST", "/api/v1/residents/standing", b'{"id_number": "12"}')
        assert bad.status_code == 422 and "12" not in bad.text


def test_standing_lookups_are_limited_per_terminal(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k1", "GD0106-017")
        statuses = []
        for _ in range(121):
            body = b'{"id_number": "%s"}' % RESIDENT_A.encode()
            statuses.append(kiosk.signed("POST", "/api/v1/residents/standing", body).status_code)
        assert statuses[:120] == [200] * 120
        assert statuses[120] == 429


def test_a_roster_holds_the_templates_of_the_service_points_residents(
    tmp_path: Path, testdata: Path
) -> None:
    db = tmp_path / "central.sqlite3"
    listed = residents_csv(
        tmp_path,
        "id_number,service_point\n"
        f"{RESIDENT_A},示范村便民服务站\n"
        f"{RESIDENT_C},示范村便民服务站\n"
        f"{RESIDENT_B},乙村便民服务站\n",
    )
    assert central("residents", "import", str(listed), "--db", str(db)).returncode == 0
    broken = residents_csv(
        tmp_path, f"id_number,service_point\n{RESIDENT_A},乙村\n110101195001011230,乙村\n"
    )
    refused = central("residents", "import", str(broken), "--db", str(db))
    assert refused.returncode == 3 and "line 3: id_number" in refused.stderr
    assert "110101195001011230" not in refused.stderr  # the value is never repeated
    engine = FaceEngine.load()
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k1", "GD0106-017")
        other = enrol(db, url, tmp_path / "k2", "YC0001-001", "乙村便民服务站")
        for resident, who in ((RESIDENT_A, "jack_dorsey"), (RESIDENT_C, "george_clooney"),
                              (RESIDENT_B, "elon_musk")):  # fmt: skip
            put_face(url, resident, photo(testdata, who, 1))

        def full_roster() -> dict | None:  # type: ignore[type-arg]
            answer = kiosk.signed("GET", "/api/v1/roster")
            assert answer.status_code == 200, answer.text
            body = answer.json()
            templates = body["document"]["roster"]["templates"]
            return body if len(templates) == 2 else None

        body = wait_for(full_roster, what="the decide worker to make both templates")
        issued_at, roster = read_roster(body["document"], kiosk.platform_key, kiosk.terminal_id)
        assert roster["format"] == "kiosk-face-roster" and roster["version"] == 1
        salt, rounds = bytes.fromhex(roster["salt"]), roster["iterations"]
        templates = roster["templates"]
        live_a = live_template(engine, decode_image(photo(testdata, "jack_dorsey", 5)))
        live_c = live_template(engine, decode_image(photo(testdata, "george_clooney", 2)))
        a = checked_template(templates[roster_key(RESIDENT_A, salt, rounds)])
        c = checked_template(templates[roster_key(RESIDENT_C, salt, rounds)])
        assert same_person(engine.distance(a, live_a)) and same_person(engine.distance(c, live_c))
        assert not same_person(engine.distance(a, live_c))
        assert roster_key(RESIDENT_B, salt, rounds) not in templates
        assert RESIDENT_A not in str(body)

        # Made for this terminal only; unchanged means 304; signed requests only.
        with pytest.raises(DecisionError):
            read_roster(body["document"], kiosk.platform_key, other.terminal_id)
        same = kiosk.signed("GET", f"/api/v1/roster?have={body['etag']}")
        assert same.status_code == 304 and same.content == b""
        theirs = other.signed("GET", "/api/v1/roster").json()
        _, their_roster = read_roster(theirs["document"], other.platform_key, other.terminal_id)
        assert len(their_roster["templates"]) in (0, 1)  # B's template, once it is made
        assert requests.get(f"{url}/api/v1/roster", timeout=5).status_code == 401

        # A new reference face changes the roster (a new etag once its template is made).
        put_face(url, RESIDENT_C, photo(testdata, "george_clooney", 2))
        changed = wait_for(
            lambda: (r := full_roster()) is not None and r["etag"] != body["etag"] and r,
            what="the roster to change",
        )
        _, newer = read_roster(changed["document"], kiosk.platform_key, kiosk.terminal_id)
        salt2, rounds2 = bytes.fromhex(newer["salt"]), newer["iterations"]
        c2 = np.asarray(newer["templates"][roster_key(RESIDENT_C, salt2, rounds2)])
        assert not np.allclose(c2, c)
        assert issued_at <= changed["document"]["issued_at"]
