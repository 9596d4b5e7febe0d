"""Queue and platform fixtures: a real uvicorn platform on loopback and a registered terminal."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from central.db import FILES_ENV
from central.embedded import EmbeddedPlatform
from config.settings import PlatformSettings
from offline_queue.client import PlatformClient
from offline_queue.keys import TerminalKeys
from offline_queue.registration import register_local_terminal
from offline_queue.store import CaseStore
from offline_queue.sync import SyncWorker

REPO_ROOT = Path(__file__).resolve().parents[2]
TERMINAL_ID = "TEST-0001"
NAME = "张秀英"
ID_NUMBER = "110101195001011239"
# The platforms the fixtures start have this bootstrap operator token (every scope): operator
# routes are closed without one.
OPERATOR_TOKEN = "test-bootstrap-token-0123456789abcdef"
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


def case_payload(index: int = 0) -> dict[str, object]:
    return {
        "service": "pension_check",
        "outcome": "verified",
        "resident": {"name": NAME, "id_number": ID_NUMBER, "sex": "2"},
        "match": {"distance": 0.41, "threshold": 0.5},
        "index": index,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def platform_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The platform's database, on each backend in turn: a SQLite file, or a fresh database
    on the session's PostgreSQL server with its keys and attachments in `platform-files/`
    ($KIOSK_CENTRAL_FILES, which `kiosk-central` child processes inherit)."""
    if request.param == "sqlite":
        return str(tmp_path / "central.sqlite3")
    monkeypatch.setenv(FILES_ENV, str(tmp_path / "platform-files"))
    return str(request.getfixturevalue("postgres_url"))


def files_of(db: str) -> Path | None:
    """The files folder `platform_db` chose for a PostgreSQL database."""
    return Path(os.environ[FILES_ENV]) if "://" in db else None


@pytest.fixture
def platform(platform_db: str) -> Iterator[EmbeddedPlatform]:
    running = EmbeddedPlatform(
        platform_db, files_dir=files_of(platform_db), operator_token=OPERATOR_TOKEN
    )
    running.start()
    yield running
    running.stop()


@dataclass
class Terminal:
    data_dir: Path
    keys: TerminalKeys
    store: CaseStore
    url: str


@pytest.fixture
def terminal(platform: EmbeddedPlatform, tmp_path: Path) -> Iterator[Terminal]:
    data_dir = tmp_path / "kiosk"
    keys = register_local_terminal(platform, data_dir, TERMINAL_ID)
    store = CaseStore.open(data_dir / "queue.db", keys)
    yield Terminal(data_dir, keys, store, platform.url)
    store.close()


def fast_settings(batch_size: int = 20) -> PlatformSettings:
    return PlatformSettings(batch_size=batch_size, sync_interval_s=5, max_backoff_s=10)


def make_worker(
    store: CaseStore, keys: TerminalKeys, url: str, *, timeout_s: float = 5.0, batch_size: int = 20
) -> SyncWorker:
    client = PlatformClient(url, keys, timeout_s=timeout_s, probe_timeout_s=1.0)
    return SyncWorker(
        store, client, fast_settings(batch_size), backoff_base_s=0.05, probe_interval_s=0.1
    )
