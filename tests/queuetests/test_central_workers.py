"""`kiosk-central serve --db --workers`: what it refuses (exit 2, a clear message, nothing
created), a graceful stop, and the worker supervisor surviving a kill -9 of one worker. Real
child processes throughout."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.queuetests.platform_proc import REPO_ROOT, central, child_pids, worker_pids

PG_URL = "postgresql://kiosk:s3cret-pw@127.0.0.1:5432/central"


@pytest.mark.parametrize(
    "url", [PG_URL, "postgresql+psycopg://kiosk:s3cret-pw@db.example.cn/central"]
)
def test_postgresql_without_a_files_folder_is_refused(url: str) -> None:
    before = set(REPO_ROOT.iterdir())
    for args in (("serve", "--port", "0"), ("terminals", "add", "T-1")):
        result = central(*args, "--db", url, env=without_files_env())
        assert result.returncode == 2, result.stderr
        assert "--files DIR" in result.stderr
        assert "s3cret" not in result.stderr + result.stdout  # a URL may carry a password
    assert set(REPO_ROOT.iterdir()) == before  # no "postgresql:" folder or file made


def test_an_unreachable_postgresql_server_is_named_without_its_password(tmp_path: Path) -> None:
    url = "postgresql://kiosk:s3cret-pw@127.0.0.1:1/central"  # nothing listens on port 1
    for args in (("serve", "--port", "0"), ("terminals", "add", "T-1")):
        result = central(*args, "--db", url, "--files", str(tmp_path / "files"))
        assert result.returncode == 3, result.stderr
        assert "the database failed" in result.stderr
        assert "Traceback" not in result.stderr
        assert "s3cret" not in result.stderr + result.stdout


def without_files_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "KIOSK_CENTRAL_FILES"}


def test_another_kind_of_url_is_named_and_refused(tmp_path: Path) -> None:
    result = central("serve", "--db", "mysql://root@localhost/central", "--port", "0")
    assert result.returncode == 2
    assert "--db takes a SQLite file path or a postgresql:// URL, not a mysql: URL" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("workers", "said"),
    [
        ("2", "SQLite is served by one worker process"),
        ("4", "SQLite is served by one worker process"),
        ("0", "--workers must be at least 1"),
        ("-1", "--workers must be at least 1"),
    ],
)
def test_sqlite_refuses_any_worker_count_but_one(tmp_path: Path, workers: str, said: str) -> None:
    db = tmp_path / "central.sqlite3"
    result = central("serve", "--db", str(db), "--workers", workers, "--port", "0")
    assert result.returncode == 2
    assert said in result.stderr
    assert not db.exists()  # refused before anything was created


def test_serve_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    serve = (sys.executable, "-m", "central.cli", "serve", "--db", str(db), "--port", "0")
    with _started(*serve) as running:
        assert requests.get(f"{running.url}/api/v1/health", timeout=5).status_code == 200
        assert db.with_name(db.name + "-wal").exists()
        running.proc.send_signal(signal.SIGTERM)
        # uvicorn stops gracefully, then raises the signal again: the process ends by it, as
        # a service manager expects after it sent SIGTERM.
        assert running.proc.wait(timeout=15) == -signal.SIGTERM
    # The database was closed: SQLite removes the WAL when its last connection closes.
    assert not db.with_name(db.name + "-wal").exists()


@dataclass
class Running:
    proc: subprocess.Popen[str]
    url: str
    log: list[str]


@contextmanager
def _started(*command: str) -> Iterator[Running]:
    """A server child process; its URL from its stderr, which is kept (the pipe never fills)."""
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    lines: list[str] = []
    url = ""
    for line in proc.stderr:
        lines.append(line)
        found = re.search(r"kiosk-central on (http://\S+)", line)
        if found:
            url = found.group(1)
            break
    keeper = threading.Thread(target=lambda: lines.extend(proc.stderr or ()), daemon=True)
    keeper.start()
    try:
        assert url, "".join(lines)
        yield Running(proc, url, lines)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        keeper.join(timeout=5)
        proc.stderr.close()


def _workers(proc: subprocess.Popen[str], count: int) -> list[int]:
    """The supervisor's worker processes, once there are `count` of them."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = worker_pids(proc.pid)
        if len(pids) == count:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"expected {count} workers, have {child_pids(proc.pid)}")


def _healthy(url: str) -> bool:
    """One health check on a new connection (the kernel hands it to any worker)."""
    try:
        with requests.Session() as session:
            return session.get(f"{url}/api/v1/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.slow
def test_a_worker_killed_with_sigkill_is_replaced_and_the_others_keep_serving(
    tmp_path: Path,
) -> None:
    db = tmp_path / "central.sqlite3"
    with _started(sys.executable, "-m", "tests.queuetests.workers_child", str(db), "2") as running:
        proc, url = running.proc, running.url
        first, second = _workers(proc, 2)
        deadline = time.monotonic() + 30
        while not _healthy(url) and time.monotonic() < deadline:
            time.sleep(0.1)

        os.kill(first, signal.SIGKILL)
        # Before the supervisor notices (it looks every 0.5 s), the other worker answers.
        answers = [_healthy(url) for _ in range(20)]
        assert all(answers), answers

        replaced = [p for p in _workers_after(proc, first) if p != second]
        assert len(replaced) == 1 and replaced[0] != first
        assert second in child_pids(proc.pid)  # the survivor was never restarted
        assert all(_healthy(url) for _ in range(10))

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    assert f"Child process [{first}] died" in "".join(running.log)
    for pid in (second, replaced[0]):
        assert not Path(f"/proc/{pid}").exists()
    assert not db.with_name(db.name + "-wal").exists()  # each worker closed its database


def _workers_after(proc: subprocess.Popen[str], dead: int) -> list[int]:
    """The workers once the supervisor has replaced `dead`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = worker_pids(proc.pid)
        if dead not in pids and len(pids) == 2:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"the killed worker was not replaced: {child_pids(proc.pid)}")
