"""Wiring the queue from settings: where the store lives, and a ready sync worker.

keys = offline_queue.keys.load_or_create(data_dir)
store = open_store(settings, keys)
worker = make_worker(settings, store, keys, platform_url, data_dir, roster_sink)
worker.start() ... worker.stop(); worker.client.close(); store.close()
"""

from __future__ import annotations

import logging
from pathlib import Path

from config.settings import Settings
from contract import wire
from offline_queue.answers_sync import AnswerPuller, RosterSink
from offline_queue.client import PlatformClient
from offline_queue.errors import NotRegistered
from offline_queue.keys import TerminalKeys
from offline_queue.registration import load_registration
from offline_queue.store import CaseStore
from offline_queue.sync import SyncWorker

log = logging.getLogger(__name__)

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


def make_worker(
    settings: Settings,
    store: CaseStore,
    keys: TerminalKeys,
    url: str,
    data_dir: Path | None = None,
    roster_sink: RosterSink | None = None,
) -> SyncWorker:
    """`data_dir`: where the registration is; with it the worker also fetches the platform's
    answers (decisions, and the roster when `roster_sink` writes it)."""
    client = make_client(settings, keys, url)
    return SyncWorker(
        store,
        client,
        settings.platform,
        backoff_base_s=settings.queue.backoff_base_s,
        probe_interval_s=settings.queue.probe_interval_s,
        answers=None if data_dir is None else answer_puller(store, client, data_dir, roster_sink),
    )


def answer_puller(
    store: CaseStore, client: PlatformClient, data_dir: Path, roster_sink: RosterSink | None
) -> AnswerPuller | None:
    """None (and a warning) when the registration holds no platform decision key: answers
    that cannot be checked are not fetched at all (`kiosk register` again to get it)."""
    try:
        registration = load_registration(data_dir)
    except NotRegistered:
        return None
    if not registration.platform_signing_key:
        log.warning(
            "the registration holds no platform decision key: decisions and rosters are not "
            "fetched; register the terminal again (`kiosk register`) to receive it"
        )
        return None
    try:
        platform_key = wire.ed25519_from_b64(registration.platform_signing_key)
    except wire.WireError:
        log.error("the platform decision key in the registration is not an Ed25519 key")
        return None
    return AnswerPuller(store, client, platform_key, registration.terminal_id, roster_sink)
