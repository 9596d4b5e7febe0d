"""The self-test's "platform answers" part and the technician panel's platform line: decision
counts and the roster held, read from a real case store (read-only, no keys), as the kiosk's
sync left them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from config.settings import FaceSettings
from contract.decisions import DecidedBy, Decision, Reason, Verdict, sign_decision
from kiosk.cli import main as kiosk_main
from kiosk.qt.technician.facts import answers_line
from kiosk.qt.technician.view import answers_text
from kiosk.selftest import run_checks
from kiosk.selftest.local import ANSWERS
from offline_queue.answers import VerifiedDecision, read_answers_status
from offline_queue.keys import load_or_create
from offline_queue.store import CaseStore
from tests.queuetests.decide_helpers import RESIDENT_A, RESIDENT_B, pending_payload
from tests.selftests.test_selftest_parts import TERMINAL_ID, settings_for


def decided(store: CaseStore, case_id: str) -> None:
    decision = Decision(
        case_id=case_id,
        terminal_id=TERMINAL_ID,
        verdict=Verdict.NOT_VERIFIED,
        reason=Reason.FACE_MISMATCH,
        decided_at="2026-12-04T09:00:00+00:00",
        decided_by=DecidedBy.AUTO,
    )
    document = sign_decision(Ed25519PrivateKey.generate(), decision)
    assert store.store_decisions([VerifiedDecision(1, decision, document)]) == 1


def test_answers_part_says_when_nothing_came_yet(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    report = run_checks(settings, [ANSWERS])
    (check,) = report.checks
    assert check.ok and check.required is False
    assert "0 decided, 0 awaiting the platform; no face roster yet" in check.detail
    assert "还没有人脸名单" in check.detail

    off = dataclasses.replace(settings, face=FaceSettings(roster_file=""))
    (check,) = run_checks(off, [ANSWERS]).checks
    assert "face roster off" in check.detail


def test_answers_part_counts_decisions_and_ages_the_roster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    keys = load_or_create(data)
    with CaseStore.open(data / "queue.db", keys) as store:
        first = store.enqueue("pension_check", pending_payload(TERMINAL_ID, RESIDENT_A), {})
        store.enqueue("pension_check", pending_payload(TERMINAL_ID, RESIDENT_B), {})
        verified = pending_payload(TERMINAL_ID, RESIDENT_B) | {"outcome": "verified"}
        store.enqueue("pension_check", verified, {})  # decided here: awaits nothing
        decided(store, first)
        issued = dt.datetime.now(dt.UTC) - dt.timedelta(days=2, hours=12)
        store.set_meta(
            {
                "roster_etag": "a" * 32,
                "roster_issued_at": issued.isoformat(),
                "roster_templates": "120",
                "roster_bytes": str(300 * 1024),
            }
        )
        # While the kiosk holds the store open: the self-test reads it read-only.
        figures = read_answers_status(data / "queue.db")
        assert (figures["decided"], figures["awaiting_decision"]) == (1, 1)
        held = answers_line(store, dt.datetime.now(dt.UTC), roster_on=True)
    assert held is not None
    assert (held.decided, held.awaiting, held.roster, held.templates, held.kib) == (
        1,
        1,
        "held",
        120,
        300,
    )
    # The panel's words (its own translated messages; no translator here: Chinese).
    assert (
        answers_text(held)
        == "已决定 1 件，待平台决定 1 件；人脸名单 120 人（300 KiB），2.5 天前签发"
    )

    config = tmp_path / "terminal.toml"
    config.write_text(f'[terminal]\ndata_dir = "{data}"\n', encoding="utf-8")
    kiosk_main(["selftest", "--config", str(config), "--json"])
    report = json.loads(capsys.readouterr().out)
    answers = next(c for c in report["checks"] if c["part"] == "answers")
    assert answers["ok"] is True and "issued 2.5 d ago" in answers["detail"]
    assert RESIDENT_A not in json.dumps(report)
