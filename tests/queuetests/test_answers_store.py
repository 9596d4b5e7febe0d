"""The case store's side of the platform's answers on real SQLite files: the resident tag that
outlives the personal data, the migration of a store a release before this one wrote, and the
retention of decisions."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contract import wire
from contract.decisions import DecidedBy, Decision, Reason, Verdict, sign_decision
from offline_queue.answers import SyncedDecision, VerifiedDecision, read_answers_status
from offline_queue.errors import StoreBroken
from offline_queue.keys import load_or_create
from offline_queue.migrations import MIGRATIONS
from offline_queue.sqlite_db import Schema, open_database
from offline_queue.store import CaseStore
from tests.queuetests.decide_helpers import RESIDENT_A, RESIDENT_B, pending_payload

TERMINAL_ID = "GD0106-051"


def signed(case_id: str, minute: int, verdict: Verdict = Verdict.VERIFIED) -> VerifiedDecision:
    reason = Reason.FACE_MATCH if verdict is Verdict.VERIFIED else Reason.FACE_MISMATCH
    decision = Decision(
        case_id=case_id,
        terminal_id=TERMINAL_ID,
        verdict=verdict,
        reason=reason,
        decided_at=f"2026-12-04T09:{minute:02d}:00+00:00",
        decided_by=DecidedBy.AUTO,
        distance=0.3,
        threshold=0.51,
    )
    return VerifiedDecision(
        minute + 1, decision, sign_decision(Ed25519PrivateKey.generate(), decision)
    )


def test_the_latest_decision_answers_by_card_and_the_tag_is_keyed(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path / "one")
    other_keys = load_or_create(tmp_path / "two")
    with (
        CaseStore.open(tmp_path / "one" / "queue.db", keys) as store,
        CaseStore.open(tmp_path / "two" / "queue.db", other_keys) as other,
    ):
        old = store.enqueue("pension_check", pending_payload(TERMINAL_ID, RESIDENT_A), {})
        new = store.enqueue("pension_check", pending_payload(TERMINAL_ID, RESIDENT_A), {})
        other.enqueue("pension_check", pending_payload(TERMINAL_ID, RESIDENT_A), {})
        store.mark_acked([old, new])
        assert store.pending_without_decision_for(RESIDENT_A)
        assert store.store_decisions([signed(old, 1, Verdict.NOT_VERIFIED)]) == 1
        assert store.pending_without_decision_for(RESIDENT_A)  # `new` is still waiting
        assert store.latest_decision_for(RESIDENT_A) == SyncedDecision(
            old, "not_verified", "face_mismatch", "2026-12-04T09:01:00+00:00", "auto", False
        )
        assert store.store_decisions([signed(new, 7)]) == 1
        latest = store.latest_decision_for(RESIDENT_A.lower())  # an "x" check digit: same
        assert latest is not None and (latest.case_id, latest.verdict) == (new, "verified")
        assert not store.pending_without_decision_for(RESIDENT_A)
        assert store.latest_decision_for(RESIDENT_B) is None
        with pytest.raises(AttributeError):
            latest.verdict = "not_verified"  # type: ignore[misc]
    tags = []
    for folder in ("one", "two"):
        with sqlite3.connect(tmp_path / folder / "queue.db") as conn:
            tags.append({row[0] for row in conn.execute("SELECT resident_tag FROM cases")})
    assert len(tags[0]) == len(tags[1]) == 1 and tags[0] != tags[1]  # one key, one pseudonym
    assert RESIDENT_A not in next(iter(tags[0]))


def test_a_store_written_before_the_migration_gets_tags_for_what_it_still_holds(
    tmp_path: Path,
) -> None:
    """A release before this one left a case still pending (payload held) and one already
    acknowledged (payload gone): opening migrates, tags the first, cannot tag the second."""
    keys = load_or_create(tmp_path)
    path = tmp_path / "queue.db"
    before = Schema("case store", MIGRATIONS[:1])
    db = open_database(path, before)
    for case_id, payload in (("c-held", True), ("c-gone", False)):
        sealed = wire.seal(
            keys.storage_key,
            wire.canonical(pending_payload(TERMINAL_ID, RESIDENT_A)),
            f"{case_id}/payload".encode(),
        )
        db.execute(
            "INSERT INTO cases (id, kind, created_at, created_ts, schema_version, status, "
            "payload, attachments_meta, signature, updated_ts) VALUES (?, 'pension_check', "
            "'2026-12-01T08:00:00+00:00', ?, 1, ?, ?, '{}', 'sig', ?)",
            [case_id, time.time(), "pending" if payload else "acked",
             sealed if payload else None, time.time()],
        )  # fmt: skip
    db.conn.commit()
    db.close()

    with CaseStore.open(path, keys) as store:
        assert store.pending_without_decision_for(RESIDENT_A)
        assert store.case_info("c-held")["status"] == "pending"
    with sqlite3.connect(path) as conn:
        rows = dict(conn.execute("SELECT id, resident_tag IS NOT NULL FROM cases"))
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert rows == {"c-held": 1, "c-gone": 0} and versions == [1, 2]
    with CaseStore.open(path, keys) as store:  # once: the backfill is not run again
        assert store.get_meta("resident_tags_backfilled") == "1"


def test_decisions_outlive_their_case_no_longer_than_the_retention(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path)
    with CaseStore.open(tmp_path / "queue.db", keys, retention_days=30) as store:
        kept = store.enqueue("pension_check", pending_payload(TERMINAL_ID, RESIDENT_A), {})
        gone = store.enqueue("pension_check", pending_payload(TERMINAL_ID, RESIDENT_B), {})
        long_ago = time.time() - 40 * 86400
        store.mark_acked([gone], now=long_ago)
        store.mark_acked([kept])
        store.store_decisions([signed(gone, 1), signed(kept, 2)])
        with store._write("ageing a decision for the test") as db:
            db.execute("UPDATE decisions SET stored_ts = ? WHERE case_id = ?", [long_ago, gone])
        store.purge()
        assert [d.case_id for d in store.decisions()] == [kept]
        assert store.latest_decision_for(RESIDENT_B) is None
    figures = read_answers_status(tmp_path / "queue.db")
    assert (figures["decided"], figures["awaiting_decision"]) == (1, 0)


def test_a_stored_decision_does_not_open_under_another_case(tmp_path: Path) -> None:
    """Sealed with its case id as associated data: moving a blob to another row is caught."""
    keys = load_or_create(tmp_path)
    with CaseStore.open(tmp_path / "queue.db", keys) as store:
        first = store.enqueue("pension_check", pending_payload(TERMINAL_ID, RESIDENT_A), {})
        second = store.enqueue("pension_check", pending_payload(TERMINAL_ID, RESIDENT_B), {})
        store.store_decisions([signed(first, 1), signed(second, 2, Verdict.NOT_VERIFIED)])
        with store._write("swapping two blobs for the test") as db:
            blob = db.execute("SELECT document FROM decisions WHERE case_id = ?", [first])
            db.execute(
                "UPDATE decisions SET document = ? WHERE case_id = ?", [blob.fetchone()[0], second]
            )
        with pytest.raises(StoreBroken, match=f"decision on case {second}"):
            store.latest_decision_for(RESIDENT_B)
    raw = (tmp_path / "queue.db").read_bytes()
    assert b"face_mismatch" not in raw and json.dumps(RESIDENT_A).encode() not in raw
