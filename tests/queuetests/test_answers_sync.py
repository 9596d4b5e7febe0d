"""Every pending check gets decided, and the answer reaches the terminal (issue 15), end to end
on a real platform: the embedded platform's HTTP server, real SQLite files, `kiosk-central
review decide` in its own process, and `kiosk queue sync|decisions` as a technician runs them.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.embedded import EmbeddedPlatform
from contract import wire
from contract.keys import public_key_raw
from kiosk.cli import main as kiosk_main
from kiosk.face.roster import Roster
from offline_queue.answers import read_answers_status
from offline_queue.client import PlatformClient
from offline_queue.registration import register_local_terminal
from offline_queue.runtime import answer_puller
from offline_queue.store import CaseStore
from tests.queuetests.conftest import REPO_ROOT
from tests.queuetests.decide_helpers import (
    RESIDENT_A,
    RESIDENT_B,
    SERVICE_POINT,
    pending_payload,
)

TERMINAL_ID = "GD0106-021"
HELPER = "王技术员"  # an assisted check always goes to a reviewer: no face model needed


def central(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "central.cli", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def kiosk(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = kiosk_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[EmbeddedPlatform]:
    running = EmbeddedPlatform(tmp_path / "central.sqlite3")
    running.start()
    yield running
    running.stop()


def review(db: Path, case_id: str, decision: str, reason: str) -> None:
    done = central(
        "review", "decide", case_id, "--decision", decision, "--reason", reason,
        "--reviewer", "li", "--db", str(db),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_a_pending_check_is_decided_and_the_answer_reaches_the_terminal(
    platform: EmbeddedPlatform,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    db = platform.db_path
    data = tmp_path / "kiosk"
    keys = register_local_terminal(platform, data, TERMINAL_ID, SERVICE_POINT)
    assert central("users", "add", "li", "--role", "reviewer", "--db", str(db)).returncode == 0
    with CaseStore.open(data / "queue.db", keys) as store:
        real = store.enqueue("pension_check", pending_payload(TERMINAL_ID, RESIDENT_A, HELPER), {})
        drill = store.enqueue(
            "pension_check", pending_payload(TERMINAL_ID, RESIDENT_A, HELPER), {}, test=True
        )
        # Not sent yet: the resident hears "still waiting", from the terminal alone.
        assert store.pending_without_decision_for(RESIDENT_A)
        assert not store.pending_without_decision_for(RESIDENT_B)
        assert store.latest_decision_for(RESIDENT_A) is None
    sync = ("queue", "sync", "--data-dir", str(data), "--platform", platform.url)

    code, out, err = kiosk(capsys, *sync)
    assert code == 0, err
    assert "acknowledged 2" in out and "new decisions 0" in out
    with CaseStore.open(data / "queue.db", keys) as store:
        assert store.case_info(real)["purged"]  # the personal data is gone ...
        assert store.pending_without_decision_for(RESIDENT_A)  # ... the pseudonym stays
    code, out, _ = kiosk(capsys, "queue", "decisions", "--data-dir", str(data), "--json")
    assert (code, json.loads(out)) == (0, {"decisions": []})

    review(db, real, "not_verified", "documents_needed")
    review(db, drill, "verified", "reviewer_approved")
    code, out, err = kiosk(capsys, *sync)
    assert code == 0, err
    assert "new decisions 2" in out

    code, out, _ = kiosk(capsys, "queue", "decisions", "--data-dir", str(data), "--json")
    listed = json.loads(out)
    assert code == 0 and list(listed) == ["decisions"]
    by_case = {d["case_id"]: d for d in listed["decisions"]}
    assert set(by_case) == {real, drill}
    assert by_case[real] == {
        "case_id": real,
        "decision": "not_verified",
        "reason": "documents_needed",
        "decided_at": by_case[real]["decided_at"],
        "decided_by": "review",
    }
    assert by_case[real]["decided_at"].endswith("+00:00")
    code, out, _ = kiosk(capsys, "queue", "decisions", "--data-dir", str(data))
    assert code == 0 and real in out and "documents_needed" in out and "(test)" in out

    with CaseStore.open(data / "queue.db", keys) as store:
        answer = store.latest_decision_for(RESIDENT_A)
        assert answer is not None  # the real case's answer: the drill never answers anyone
        assert (answer.case_id, answer.verdict, answer.reason) == (
            real,
            "not_verified",
            "documents_needed",
        )
        assert (answer.decided_by, answer.test) == ("review", False)
        assert not store.pending_without_decision_for(RESIDENT_A)
        assert store.latest_decision_for(RESIDENT_B) is None

    # Asked again: nothing new, nothing doubled; the roster is current (304).
    code, out, err = kiosk(capsys, *sync)
    assert code == 0 and "new decisions 0" in out, err
    status = read_answers_status(data / "queue.db")
    assert status["decided"] == 2 and status["awaiting_decision"] == 0
    assert status["roster"]["templates"] == 0  # no residents imported at this service point
    roster_file = data / "face_roster.sealed"
    assert stat.S_IMODE(roster_file.stat().st_mode) == 0o600
    assert len(Roster.load(roster_file, keys.storage_key)) == 0

    # At rest: no verdict, reason or ID number in clear in the store's file.
    raw = b"".join(p.read_bytes() for p in data.glob("queue.db*"))
    for secret in (b"documents_needed", b"not_verified", RESIDENT_A.encode()):
        assert secret not in raw
    with sqlite3.connect(data / "queue.db") as conn:
        tags = {row[0] for row in conn.execute("SELECT resident_tag FROM cases")}
    assert len(tags) == 1 and len(next(iter(tags))) == 64
    assert RESIDENT_A not in caplog.text


def test_decisions_without_a_store_or_without_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from offline_queue.keys import load_or_create

    code, out, _ = kiosk(capsys, "queue", "decisions", "--data-dir", str(tmp_path), "--json")
    assert (code, json.loads(out)) == (0, {"decisions": []})  # no store yet: nothing decided
    code, out, _ = kiosk(capsys, "queue", "decisions", "--data-dir", str(tmp_path))
    assert code == 0 and "no decisions" in out
    CaseStore.open(tmp_path / "queue.db", load_or_create(tmp_path)).close()
    (tmp_path / "keys" / "storage.key").unlink()  # a copied data folder without its keys
    code, out, err = kiosk(capsys, "queue", "decisions", "--data-dir", str(tmp_path), "--json")
    assert (code, out) == (3, "") and "storage.key" in err


def test_decisions_signed_by_a_key_other_than_the_registered_one_are_refused(
    platform: EmbeddedPlatform, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real platform's decisions, but the registration trusts another key (a swapped
    platform, a tampered platform.json): the cases still go up, no decision is taken, the
    command fails and says why; with the right key back, the same sync takes them all."""
    db = platform.db_path
    data = tmp_path / "kiosk"
    keys = register_local_terminal(platform, data, TERMINAL_ID, SERVICE_POINT)
    assert central("users", "add", "li", "--role", "reviewer", "--db", str(db)).returncode == 0
    with CaseStore.open(data / "queue.db", keys) as store:
        case_id = store.enqueue(
            "pension_check", pending_payload(TERMINAL_ID, RESIDENT_A, HELPER), {}
        )
    sync = ("queue", "sync", "--data-dir", str(data), "--platform", platform.url)
    assert kiosk(capsys, *sync)[0] == 0
    review(db, case_id, "verified", "reviewer_approved")

    registration = data / "platform.json"
    genuine = registration.read_text(encoding="utf-8")
    table = json.loads(genuine)
    other = Ed25519PrivateKey.generate().public_key()
    table["platform_signing_key"] = wire.b64e(public_key_raw(other))
    registration.write_text(json.dumps(table), encoding="utf-8")
    code, out, err = kiosk(capsys, *sync)
    assert code == 3 and "pending 0" in out and "new decisions 0" in out
    assert "signature does not verify" in err
    assert kiosk(capsys, "queue", "decisions", "--data-dir", str(data), "--json")[1] == (
        '{"decisions": []}\n'
    )

    registration.write_text(genuine, encoding="utf-8")
    code, out, err = kiosk(capsys, *sync)
    assert code == 0 and "new decisions 1" in out, err
    with CaseStore.open(data / "queue.db", keys) as store:
        answer = store.latest_decision_for(RESIDENT_A)
    assert answer is not None and (answer.case_id, answer.verdict) == (case_id, "verified")


def test_a_registration_without_the_decision_key_fetches_no_answers(
    platform: EmbeddedPlatform, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A terminal registered before the platform had a decision key: nothing it could not
    check is fetched, and the log says how to get the key."""
    data = tmp_path / "kiosk"
    keys = register_local_terminal(platform, data, TERMINAL_ID, SERVICE_POINT)
    registration = data / "platform.json"
    table = json.loads(registration.read_text(encoding="utf-8"))
    table["platform_signing_key"] = ""
    registration.write_text(json.dumps(table), encoding="utf-8")
    with CaseStore.open(data / "queue.db", keys) as store:
        client = PlatformClient(platform.url, keys)
        assert answer_puller(store, client, data, None) is None
        client.close()
    assert "kiosk register" in caplog.text
