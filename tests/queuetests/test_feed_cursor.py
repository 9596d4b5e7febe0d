"""The pull feed's cursor under concurrent ingest (issue 16): a consumer following `?after=`
sees every case exactly once, in a stable order, while writer processes post signed batches
to a real `kiosk-central serve`.

Over both backends. SQLite is served by one worker; its writers are still separate processes
sending at once. PostgreSQL runs four workers, and two and four with one of them killed (kill -9)
mid-ingest: the writer whose batch the dead worker held retries it, and nothing is lost or
stored twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.queuetests.platform_proc import (
    REPO_ROOT,
    central,
    enrol,
    serving_process,
    worker_pids,
)

WRITERS = 4
BATCHES = 12
BATCH_SIZE = 10
RETRIES = 50
PAGE = 25  # small pages: the follower's cursor crosses many page boundaries during ingest


@dataclass
class Follower:
    """A feed consumer that keeps only its cursor, as the systems behind the platform do."""

    url: str
    headers: dict[str, str]
    cursor: str | None = None
    items: list[tuple[int, str, str]] = field(default_factory=list)
    pages_while_writing: int = 0

    def poll(self) -> int:
        params: dict[str, str | int] = {"limit": PAGE}
        if self.cursor is not None:
            params["after"] = self.cursor
        answer = self._get(params)
        answer.raise_for_status()
        page = answer.json()
        for item in page["items"]:
            self.items.append((int(item["cursor"]), item["terminal_id"], item["case_id"]))
        if page["next"] is not None:
            self.cursor = page["next"]
        return len(page["items"])

    def _get(self, params: dict[str, str | int]) -> requests.Response:
        """One page; a poll the platform dropped (its worker was killed) is asked again, with
        the same cursor, as any consumer does."""
        for _ in range(RETRIES):
            try:
                return requests.get(
                    f"{self.url}/api/v1/cases", params=params, headers=self.headers, timeout=30
                )
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("the feed did not answer")

    def follow(self, writers_done: threading.Event) -> None:
        while not writers_done.is_set():
            if self.poll():
                self.pages_while_writing += 1
            else:
                time.sleep(0.01)
        while self.poll():  # what was committed after the last poll
            pass


def read_all(url: str, headers: dict[str, str]) -> list[tuple[int, str, str]]:
    """The whole feed again from the start, in pages of 1000."""
    follower = Follower(url, headers)
    while follower.poll():
        pass
    return follower.items


def start_writer(url: str, data_dir: Path, terminal_id: str, out: Path) -> subprocess.Popen[str]:
    args = [url, str(data_dir), terminal_id, str(BATCHES), str(BATCH_SIZE), str(out)]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.queuetests.feed_writer", *args],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_one_worker(serve: subprocess.Popen[str], follower: Follower) -> int:
    """kill -9 one worker once ingest is under way; its pid."""
    deadline = time.monotonic() + 30
    while not follower.items and time.monotonic() < deadline:
        time.sleep(0.01)
    victim = worker_pids(serve.pid)[0]
    os.kill(victim, signal.SIGKILL)
    return victim


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "workers", "kill_one"),
    [
        pytest.param("sqlite", 1, False, id="sqlite-1-worker"),
        pytest.param("postgresql", 4, False, id="postgresql-4-workers"),
        pytest.param("postgresql", 2, True, id="postgresql-2-workers-kill-9"),
        pytest.param("postgresql", 4, True, id="postgresql-4-workers-kill-9"),
    ],
)
def test_a_cursor_follower_sees_every_case_once_in_a_stable_order(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    backend: str,
    workers: int,
    kill_one: bool,
) -> None:
    if backend == "sqlite":
        db = str(tmp_path / "central.sqlite3")
    else:
        db = request.getfixturevalue("postgres_url")
        # Where every process serving this database finds its keys and attachments.
        monkeypatch.setenv("KIOSK_CENTRAL_FILES", str(tmp_path / "platform-files"))
    with serving_process(db, "--workers", str(workers)) as (serve, url):
        made = central("tokens", "add", "follower", "--scope", "feed", "--db", db)
        assert made.returncode == 0, made.stderr
        follower = Follower(url, {"Authorization": f"Bearer {made.stdout.split()[-1]}"})
        ids = [f"FEED-{n:02d}" for n in range(WRITERS)]
        kiosks = [enrol(db, url, tmp_path / tid, tid) for tid in ids]
        outs = [tmp_path / f"{tid}.json" for tid in ids]
        writers_done = threading.Event()
        reader = threading.Thread(target=follower.follow, args=(writers_done,))
        reader.start()
        writers = [
            start_writer(url, tmp_path / k.terminal_id, k.terminal_id, out)
            for k, out in zip(kiosks, outs, strict=True)
        ]
        try:
            if kill_one:
                kill_one_worker(serve, follower)
            errors = [w.communicate(timeout=180)[1] for w in writers]
        finally:
            writers_done.set()
            reader.join(timeout=60)
        assert [w.returncode for w in writers] == [0] * WRITERS, errors
        again = read_all(url, follower.headers)

    sent = {
        (tid, case_id): status
        for tid, out in zip(ids, outs, strict=True)
        for case_id, status in json.loads(out.read_text()).items()
    }
    assert len(sent) == WRITERS * BATCHES * BATCH_SIZE
    assert set(sent.values()) <= {"accepted", "duplicate"}
    seen = [(tid, case_id) for _, tid, case_id in follower.items]
    assert len(seen) == len(set(seen)), "the follower got a case twice"
    assert set(seen) == set(sent), "the follower missed cases (or got foreign ones)"
    cursors = [cursor for cursor, _, _ in follower.items]
    assert cursors == sorted(set(cursors)), "cursors must only grow"
    assert again == follower.items, "a second reader from the start sees another order"
    # The follower read while the writers were still sending, across many pages.
    assert follower.pages_while_writing >= 3
