"""Wiring the queue from settings: where the store lives, and a ready sync worker.

keys = offline_queue.keys.load_or_create(data_dir)
store = open_store(settings, keys)
worker = make_worker(settings, store, keys, platform_url)
worker.start() ... worker.stop(); worker.client.close(); store.close()
"""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings
from offline_queue.client import PlatformClient
from offline_queue.keys import TerminalKeys
from offline_queue.store import CaseStore
from offline_queue.sync import SyncWorker

MB = 1024 * 1024


def data_dir_of(settings: Settings, override: Path | None = None) -> Path:
    return override if override is not None else settings.terminal.data_dir


def store_path(settings: Settings, data_dir: Path | None = None) -> Path:
    path = Path(settings.queue.file)
    return path if path.is_absolute() else data_dir_of(settings, data_dir) / path


def open_store(settings: Settings, keys: TerminalKeys, data_dir: Path | None = None) -> CaseStore:
    return CaseStore.open(
        store_path(settings, data_dir),
        keys,
        max_db_bytes=settings.queue.max_db_mb * MB,
        min_free_bytes=settings.queue.min_free_mb * MB,
        retention_days=settings.terminal.retention_days,
    )


def make_client(settings: Settings, keys: TerminalKeys, url: str) -> PlatformClient:
    return PlatformClient(
        url, keys, ca_bundle=settings.platform.ca_bundle, timeout_s=settings.platform.timeout_s
    )


def make_worker(settings: Settings, store: CaseStore, keys: TerminalKeys, url: str) -> SyncWorker:
    return SyncWorker(
        store,
        make_client(settings, keys, url),
        settings.platform,
        backoff_base_s=settings.queue.backoff_base_s,
        probe_interval_s=settings.queue.probe_interval_s,
    )
