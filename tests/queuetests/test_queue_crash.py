"""Crash consistency: a process that enqueues and syncs is SIGKILLed at random points, again
and again. In the end the platform holds every stored case exactly once, none is pending.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest
import requests

from offline_queue.store import CaseStore
from tests.queuetests.conftest import OPERATOR, REPO_ROOT, Terminal

KILLS = 14


def run_child(terminal: Terminal, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.queuetests.crash_child",
            str(terminal.data_dir),
            terminal.url,
            *extra,
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_sigkill_at_random_points_loses_and_duplicates_nothing(terminal: Terminal) -> None:
    terminal.store.close()  # the children are the only writer
    rng = random.Random(6)
    printed: list[str] = []
    recovered = 0
    for _ in range(KILLS):
        child = run_child(terminal)
        # Imports take ~0.5 s; kill anywhere from start-up to well into enqueue/sync.
        time.sleep(rng.uniform(0.3, 1.3))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=10)
        assert child.returncode == -signal.SIGKILL, err
        printed += out.split()
        recovered += "were being sent" in err
    final = run_child(terminal, "--final")
    out, err = final.communicate(timeout=60)
    assert final.returncode == 0, err

    store = CaseStore.open(terminal.data_dir / "queue.db", terminal.keys)
    try:
        stored = store.case_ids()
        status = store.status()
    finally:
        store.close()
    page = requests.get(
        f"{terminal.url}/api/v1/cases", params={"limit": 1000}, headers=OPERATOR, timeout=5
    ).json()
    on_platform = [item["case_id"] for item in page["items"]]

    assert recovered >= 1  # some kills landed while a batch was being sent
    assert len(printed) > KILLS  # cases were really made between the kills
    assert set(printed) <= set(stored)  # every committed case survived
    assert len(on_platform) == len(set(on_platform))  # nothing twice
    assert sorted(on_platform) == sorted(stored)  # everything once
    assert (status["pending"], status["sending"], status["rejected"]) == (0, 0, 0)
