"""A platform database from before decisions (schema 3) opened by this release: its cases keep
their feed cursors, and what arrived before is filed as if it arrived now (pending checks to
the matcher or to review, ratings and their follow-ups, reference faces to get templates)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from central.db import PlatformDB
from central.legacy_schema import SCHEMA
from central.migrate import statements
from contract.ids import uuid7
from tests.queuetests.decide_helpers import RESIDENT_A, RESIDENT_B, pending_payload


def envelope(kind: str, payload: dict[str, Any], attachments: dict[str, Any]) -> dict[str, Any]:
    return {
        "case_id": uuid7(),
        "kind": kind,
        "created_at": "2026-11-20T01:30:00.000+00:00",
        "schema_version": 1,
        "test": False,
        "key_id": "0123456789abcdef",
        "payload": payload,
        "attachments": attachments,
        "signature": "c2lnbmVk",
    }


def old_database(path: Path) -> list[dict[str, Any]]:
    """Schema 3, as the release before decisions left it, with three cases and a face."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for version, script in SCHEMA[:3]:
        for statement in statements(script):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, '2026-01-01')", [version])
    conn.execute(
        "INSERT INTO terminals (terminal_id, key_id, public_key, status, service_point) "
        "VALUES ('GD0106-017', '0123456789abcdef', 'AAAA', 'active', '示范村便民服务站')"
    )
    face = {"face.jpg": {"sha256": "0" * 64, "size": 4}}
    cases = [
        envelope("pension_check", {"service": "pension_check", "outcome": "verified"}, face),
        envelope("pension_check", pending_payload("GD0106-017", RESIDENT_A), face),
        envelope("pension_check", pending_payload("GD0106-017", RESIDENT_B, "S01"), face),
        envelope(
            "rating",
            {
                "service": "pension_check",
                "score": 1,
                "service_point": "示范村便民服务站",
                "terminal_id": "GD0106-017",
                "rated_at": "2026-11-20T09:30:00+08:00",
            },
            {},
        ),
    ]
    for n, case in enumerate(cases):
        conn.execute(
            "INSERT INTO cases (seq, case_id, terminal_id, key_id, kind, created_at, received_at, "
            "test, digest, envelope, source) VALUES (?, ?, 'GD0106-017', ?, ?, ?, ?, 0, ?, ?, "
            "'sync')",
            [10 + n * 5, case["case_id"], case["key_id"], case["kind"], case["created_at"],
             case["created_at"], f"{n:064d}", json.dumps(case)],
        )  # fmt: skip
    conn.execute("INSERT INTO reference_faces VALUES (?, x'ffd8ffe0', '2026-01-01')", [RESIDENT_A])
    conn.commit()
    conn.close()
    return cases


def test_an_old_database_is_filed_and_keeps_its_cursors(tmp_path: Path) -> None:
    path = tmp_path / "central.sqlite3"
    cases = old_database(path)
    db = PlatformDB(path)
    try:
        items, last = db.feed(0, 100)
        assert [(i["case_id"], i["cursor"]) for i in items] == [
            (c["case_id"], str(10 + n * 5)) for n, c in enumerate(cases)
        ]
        assert last == 25
        states = [i["state"] for i in items]
        assert states == ["terminal_decided", "awaiting_match", "awaiting_review", "followup_open"]
        jobs = db.rows("SELECT kind, subject FROM jobs ORDER BY job_id")
        assert jobs == [("match", cases[1]["case_id"]), ("template", RESIDENT_A)]
        assert db.rows("SELECT review_reason FROM case_checks WHERE state = 'awaiting_review'") == [
            ("assisted",)
        ]
        assert db.rows("SELECT score, month FROM ratings") == [(1, "2026-11")]
        with db.transaction() as tx:  # a change after the migration gets a later cursor
            tx.feed_entry("GD0106-017", cases[1]["case_id"], "decided", "now")
        newer, _ = db.feed(25, 10)
        assert [int(i["cursor"]) for i in newer] == [26]
    finally:
        db.close()
    again = PlatformDB(path)  # opening it again changes nothing
    try:
        assert len(again.rows("SELECT * FROM case_checks")) == 3
    finally:
        again.close()


def test_staff_calls_stored_before_their_table_are_filed(tmp_path: Path) -> None:
    """Schema 4 stored a staff call as an unknown kind; migration 0003 files it, once per call."""
    path = tmp_path / "central.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for version, script in SCHEMA[:4]:
        for statement in statements(script):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, '2026-01-01')", [version])
    call = {
        "call_id": uuid7(),
        "service_point": "示范村便民服务站",
        "terminal_id": "GD0106-017",
        "reason": "printer_paper_out",
        "called_at": "2026-12-04T09:30:00+08:00",
        "outcome": "open",
    }
    ended = {**call, "outcome": "timed_out", "cancelled_at": "2026-12-04T09:35:00+08:00"}
    for n, payload in enumerate((ended, call)):  # the end first: it must stay the end
        case = envelope("staff_call", payload, {})
        conn.execute(
            "INSERT INTO cases (seq, case_id, terminal_id, key_id, kind, created_at, received_at, "
            "test, digest, envelope, source) VALUES (?, ?, 'GD0106-017', ?, ?, ?, ?, 0, ?, ?, "
            "'sync')",
            [n + 1, case["case_id"], case["key_id"], case["kind"], case["created_at"],
             case["created_at"], f"{n:064d}", json.dumps(case)],
        )  # fmt: skip
    conn.commit()
    conn.close()
    db = PlatformDB(path)
    try:
        rows = db.rows("SELECT call_id, reason, outcome, ended_at FROM staff_calls")
    finally:
        db.close()
    assert rows == [(call["call_id"], "printer_paper_out", "timed_out", ended["cancelled_at"])]
