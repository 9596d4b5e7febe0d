"""Several decide workers on one database (`kiosk-central serve --no-decide` and two
`kiosk-central decide --once` processes at once): every pending check is decided exactly
once, whichever worker claims it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.queuetests.decide_helpers import OPERATOR_ENV, RESIDENT_A, enrol, put_face
from tests.queuetests.platform_proc import REPO_ROOT, serving

pytestmark = [pytest.mark.faces, pytest.mark.slow]
CHECKS = 12


def test_two_worker_processes_decide_each_check_once(tmp_path: Path, testdata: Path) -> None:
    db = tmp_path / "central.sqlite3"
    tune = testdata / "faces" / "tune" / "jack_dorsey"
    with serving(db, "--no-decide", env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k", "GD0106-017")
        put_face(url, RESIDENT_A, (tune / "1.jpg").read_bytes())
        cases = [kiosk.pending(RESIDENT_A, (tune / "5.jpg").read_bytes()) for _ in range(CHECKS)]
        assert {r["status"] for r in kiosk.send(*cases)} == {"accepted"}
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "central.cli", "decide", "--once", "--db", str(db)],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        tallies = []
        for worker in workers:
            out, err = worker.communicate(timeout=240)
            assert worker.returncode == 0, err
            tallies.append(json.loads(out))
    assert sum(t["verified"] for t in tallies) == CHECKS
    assert sum(t["templates"] for t in tallies) == 1
    assert all(t["failed"] == 0 for t in tallies)
    conn = sqlite3.connect(db)
    try:
        decided = conn.execute("SELECT case_id, decided_by FROM decisions").fetchall()
        open_jobs = conn.execute("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL").fetchone()
        entries = conn.execute(
            "SELECT COUNT(*) FROM feed_entries WHERE event = 'decided'"
        ).fetchone()
    finally:
        conn.close()
    assert sorted(c for c, _ in decided) == sorted(c["case_id"] for c in cases)
    assert {by for _, by in decided} == {"auto"}
    assert open_jobs == (0,) and entries == (CHECKS,)
