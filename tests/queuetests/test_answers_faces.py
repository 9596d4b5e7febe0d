"""The platform's matcher decides, and the terminal gets both the decision and a roster it can
match with offline: a real `kiosk-central serve` with its decide worker, a resident imported
at the terminal's service point with a reference face, real face photos, the kiosk's own
`kiosk queue sync` and the roster read back the way the kiosk's matcher reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contract.face_templates import FaceEngine, decode_image, live_template, same_person
from kiosk.cli import main as kiosk_main
from kiosk.face.roster import RosterCache
from offline_queue.answers import read_answers_status
from offline_queue.store import CaseStore
from tests.queuetests.decide_helpers import (
    OPERATOR_ENV,
    RESIDENT_A,
    RESIDENT_C,
    SERVICE_POINT,
    enrol,
    pending_payload,
    put_face,
    settled,
    wait_for,
)
from tests.queuetests.platform_proc import central, serving

pytestmark = [pytest.mark.faces, pytest.mark.slow]
TERMINAL_ID = "GD0106-041"


def photo(testdata: Path, who: str, n: int) -> bytes:
    return (testdata / "faces" / "tune" / who / f"{n}.jpg").read_bytes()


def test_an_automatic_decision_and_a_usable_roster_reach_the_terminal(
    tmp_path: Path, testdata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "central.sqlite3"
    listed = tmp_path / "residents.csv"
    listed.write_text(f"id_number,service_point\n{RESIDENT_A},{SERVICE_POINT}\n", encoding="utf-8")
    assert central("residents", "import", str(listed), "--db", str(db)).returncode == 0
    data = tmp_path / "kiosk"
    with serving(db, env=OPERATOR_ENV) as url:
        terminal = enrol(db, url, data, TERMINAL_ID)
        put_face(url, RESIDENT_A, photo(testdata, "jack_dorsey", 1))
        with CaseStore.open(data / "queue.db", terminal.keys) as store:
            live = photo(testdata, "jack_dorsey", 5)
            case_id = store.enqueue(
                "pension_check", pending_payload(TERMINAL_ID, RESIDENT_A), {"face.jpg": live}
            )
        sync = ["queue", "sync", "--data-dir", str(data), "--platform", url]
        assert kiosk_main(sync) == 0
        wait_for(lambda: settled(url, case_id), what="the decide worker to decide the case")

        def synced() -> bool:
            assert kiosk_main(sync) == 0
            figures = read_answers_status(data / "queue.db")
            roster = figures["roster"]
            return figures["decided"] == 1 and roster is not None and roster["templates"] == 1

        wait_for(synced, what="the decision and a roster with the resident's template")
        capsys.readouterr()
        assert kiosk_main(["queue", "decisions", "--data-dir", str(data), "--json"]) == 0
        (listed_decision,) = json.loads(capsys.readouterr().out)["decisions"]
        assert listed_decision["case_id"] == case_id
        assert listed_decision["decision"] == "verified"
        assert (listed_decision["reason"], listed_decision["decided_by"]) == ("face_match", "auto")

    # Offline from here on: the answer and the roster are the terminal's own.
    with CaseStore.open(data / "queue.db", terminal.keys) as store:
        answer = store.latest_decision_for(RESIDENT_A)
    assert answer is not None and answer.verdict == "verified" and answer.decided_by == "auto"
    roster = RosterCache(data / "face_roster.sealed", terminal.keys.storage_key)
    template = roster.template_for(RESIDENT_A)
    assert template is not None and roster.template_for(RESIDENT_C) is None
    engine = FaceEngine.load()
    same = live_template(engine, decode_image(photo(testdata, "jack_dorsey", 2)))
    other = live_template(engine, decode_image(photo(testdata, "elon_musk", 1)))
    assert same_person(engine.distance(template, same))
    assert not same_person(engine.distance(template, other))
