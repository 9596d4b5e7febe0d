"""Pending checks decided on a real `kiosk-central serve` (a child process with its decide
worker): matched automatically against the platform's reference face with the terminal's
engine and threshold, or sent to review; the decision signed, pulled by the terminal that
sent the case, shown again on the pull feed, and written to the audit log. Real face photos
from faces/tune (jack_dorsey plays resident A; elon_musk is someone else)."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contract.decisions import DecisionError, read_decision
from contract.face_templates import MATCH_THRESHOLD
from tests.queuetests.decide_helpers import (
    OPERATOR_ENV,
    RESIDENT_A,
    RESIDENT_B,
    RESIDENT_C,
    case_state,
    enrol,
    follow_feed,
    put_face,
    review_list,
    settled,
    wait_for,
)
from tests.queuetests.platform_proc import central, serving

pytestmark = [pytest.mark.faces, pytest.mark.slow]


def photo(testdata: Path, who: str, n: int) -> bytes:
    return (testdata / "faces" / "tune" / who / f"{n}.jpg").read_bytes()


def test_pending_checks_are_decided_or_sent_to_review(tmp_path: Path, testdata: Path) -> None:
    db = tmp_path / "central.sqlite3"
    assert central("users", "add", "wang", "--role", "reviewer", "--db", str(db)).returncode == 0
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k1", "GD0106-017")
        other = enrol(db, url, tmp_path / "k2", "GD0106-018")
        put_face(url, RESIDENT_A, photo(testdata, "jack_dorsey", 1))
        put_face(url, RESIDENT_C, photo(testdata, "jack_dorsey", 1))
        _, start = follow_feed(url)

        match = kiosk.pending(RESIDENT_A, photo(testdata, "jack_dorsey", 5))
        no_reference = kiosk.pending(RESIDENT_B, photo(testdata, "jack_dorsey", 5))
        mismatch = kiosk.pending(RESIDENT_C, photo(testdata, "elon_musk", 1))
        assisted = kiosk.pending(RESIDENT_A, photo(testdata, "jack_dorsey", 5), assisted_by="S01")
        trial = kiosk.pending(RESIDENT_A, photo(testdata, "jack_dorsey", 5), test=True)
        sent = [match, no_reference, mismatch, assisted, trial]
        results = kiosk.send(*sent)
        assert [r["status"] for r in results] == ["accepted"] * 5
        states = {c["case_id"]: wait_for(lambda c=c: settled(url, c["case_id"])) for c in sent}

        # A match at or under the frozen threshold is verified by the platform, with the
        # distance and threshold it used and who decided.
        decided = states[match["case_id"]]
        assert decided["state"] == "decided" and decided["event"] == "decided"
        verdict = decided["decision"]
        assert verdict["verdict"] == "verified" and verdict["reason"] == "face_match"
        assert verdict["decided_by"] == "auto" and verdict["reviewer"] is None
        assert verdict["threshold"] == MATCH_THRESHOLD and 0 < verdict["distance"] <= 0.51
        assert states[trial["case_id"]]["decision"]["test"] is True  # the same path, marked

        # Everything else waits for a person, with the reason the matcher had.
        in_review = {c["case_id"]: c["reason"] for c in review_list(db)}
        assert in_review == {
            no_reference["case_id"]: "no_reference",
            mismatch["case_id"]: "face_mismatch",
            assisted["case_id"]: "assisted",
        }
        assert states[mismatch["case_id"]]["decision"] is None

        # The terminal pulls the signed decisions on its own cases, and only those.
        pulled = kiosk.decisions()
        documents = [item["document"] for item in pulled["items"]]
        read = [read_decision(d, kiosk.platform_key) for d in documents]
        assert {d.case_id for d in read} == {match["case_id"], trial["case_id"]}
        assert all(d.terminal_id == kiosk.terminal_id for d in read)
        assert kiosk.decisions(pulled["next"]) == {"items": [], "next": None}
        assert other.decisions() == {"items": [], "next": None}
        # A decision signed by any other key is refused.
        forged = dict(documents[0])
        with pytest.raises(DecisionError):
            read_decision(forged, Ed25519PrivateKey.generate().public_key())
        forged["verdict"] = "not_verified"
        with pytest.raises(DecisionError):
            read_decision(forged, kiosk.platform_key)
        assert requests.get(f"{url}/api/v1/decisions", timeout=5).status_code == 401

        # A reviewer decides one from the command line (audited like the page).
        decided_cli = central(
            "review", "decide", mismatch["case_id"], "--decision", "not_verified",
            "--reason", "face_mismatch", "--reviewer", "wang", "--note", "不是本人",
            "--db", str(db),
        )  # fmt: skip
        assert decided_cli.returncode == 0, decided_cli.stderr
        said = json.loads(decided_cli.stdout)
        assert said["decision"] == "not_verified" and said["decided_by"] == "review"
        later = kiosk.decisions(pulled["next"])["items"]
        assert [read_decision(i["document"], kiosk.platform_key).case_id for i in later] == [
            mismatch["case_id"]
        ]

        # The feed: every case once on arrival, each decided one once more, in order.
        changes, _ = follow_feed(url, start)
        seen = Counter((c["case_id"], c["event"]) for c in changes)
        assert all(n == 1 for n in seen.values())
        for case in sent:
            assert seen[(case["case_id"], "received")] == 1
        assert {cid for cid, event in seen if event == "decided"} == {
            match["case_id"],
            trial["case_id"],
            mismatch["case_id"],
        }
        cursors = [int(c["cursor"]) for c in changes]
        assert cursors == sorted(cursors)
        assert case_state(url, mismatch["case_id"])["decision"]["reviewer"] == "wang"

    # The audit log holds every decision, and nothing can rewrite it.
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT actor, action, case_id FROM audit_log WHERE action = 'decide'"
        ).fetchall()
        assert ("auto", "decide", match["case_id"]) in rows
        assert ("cli:wang", "decide", mismatch["case_id"]) in rows
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
        with pytest.raises(sqlite3.IntegrityError, match="final"):
            conn.execute("UPDATE decisions SET verdict = 'verified'")
    finally:
        conn.close()
