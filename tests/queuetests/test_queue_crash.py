"""Crash consistency: a process that enqueues and syncs is SIGKILLed at random points, again
and again. In the end the platform holds every stored case exactly once, none is pending.
"""

from __future__ import annotations

import random
import select
import signal
import subprocess
import sys
import time

import pytest
import requests

from offline_queue.store import CaseStore
from tests.queuetests.conftest import OPERATOR, REPO_ROOT, Terminal

KILLS = 14
FIRST_CASE_TIMEOUT_S = 60.0


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


def first_case(child: subprocess.Popen[str]) -> str:
    """The id of the first case the child committed (it prints one per line)."""
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], FIRST_CASE_TIMEOUT_S)
    assert ready, "the child committed no case in time"
    return child.stdout.readline().strip()


@pytest.mark.slow
def test_sigkill_at_random_points_loses_and_duplicates_nothing(terminal: Terminal) -> None:
    terminal.store.close()  # the children are the only writer
    rng = random.Random(6)
    printed: list[str] = []
    recovered = 0
    for kill in range(KILLS):
        child = run_child(terminal)
        if kill % 2:
            # Anywhere from start-up (imports take ~0.5 s) to well into enqueue/sync.
            time.sleep(rng.uniform(0.3, 1.3))
        else:
            # Into the work itself, however slowly a loaded machine starts the child.
            printed.append(first_case(child))
            time.sleep(rng.uniform(0.0, 0.6))
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
