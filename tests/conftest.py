"""Test-wide set-up: offscreen Qt, and no test may leave a device thread or QThread running."""

from __future__ import annotations

import gc
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

from pgserver import PostgresServer, PostgresUnavailable  # tests/ is on sys.path

from devices.worker import BACKGROUND_PREFIXES

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
TESTDATA = SHARED / "testdata"


def _device_threads() -> list[threading.Thread]:
    return [
        t for t in threading.enumerate() if t.name.startswith(BACKGROUND_PREFIXES) and t.is_alive()
    ]


@pytest.fixture(autouse=True)
def no_stray_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that leaves a device worker thread or a QThread running (as napari does)."""
    started_qthreads: list[object] = []
    try:
        from PySide6.QtCore import QThread
    except ImportError:  # pragma: no cover - PySide6 is a hard dependency
        QThread = None  # noqa: N806

    if QThread is not None:
        original_start = QThread.start

        def tracking_start(self: QThread, *args: object) -> None:
            started_qthreads.append(self)
            original_start(self, *args)

        monkeypatch.setattr(QThread, "start", tracking_start)
    before = set(_device_threads())
    yield
    # A test's cyclic garbage may hold Qt objects: collect it here, on the GUI thread, not
    # later on whatever thread happens to cross the GC threshold (a crash in Qt).
    gc.collect()
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        leftover = [t for t in _device_threads() if t not in before]
        running_q = [q for q in started_qthreads if q.isRunning()]  # type: ignore[attr-defined]
        if not leftover and not running_q:
            return
        time.sleep(0.02)
    names = [t.name for t in leftover] + [repr(q) for q in running_q]
    pytest.fail(f"test left threads running: {names}")


@pytest.fixture
def testdata() -> Path:
    if not TESTDATA.is_dir():
        pytest.skip(f"shared test data not found at {TESTDATA}")
    return TESTDATA


class NotifySocket:
    """A real unix datagram socket where systemd's notify socket would be."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.received: list[bytes] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(address)
        self._sock.setblocking(False)

    def drain(self) -> int:
        """Take what has arrived; return how many messages came so far."""
        while True:
            try:
                self.received.append(self._sock.recv(256))
            except BlockingIOError:
                return len(self.received)

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    listener = NotifySocket(str(tmp_path / "notify.sock"))
    yield listener
    listener.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL cluster for the session (tests/pgserver.py)."""
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed here and did not start: {exc}")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database on the session's PostgreSQL server; its SQLAlchemy URL."""
    return postgres_server.create_database()
