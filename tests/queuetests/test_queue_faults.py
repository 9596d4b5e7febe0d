"""A bad link between kiosk and platform: resets, 500s, 429 + Retry-After, slow replies and
replies cut off after the platform committed. Everything must arrive exactly once, with a
bounded number of retries and no busy loop.
"""

from __future__ import annotations

import itertools
from collections import deque

import requests

from offline_queue.client import PlatformClient
from offline_queue.sync import SyncWorker
from tests.queuetests.conftest import OPERATOR, Terminal, case_payload, fast_settings
from tests.queuetests.faultproxy import FaultProxy, FaultScript

FACE = b"\xff\xd8" + b"\x33" * 20_000
FAULTS = ["reset", "500", "429", "slow", "cut", "pass", "cut", "reset"]


def platform_case_ids(url: str) -> list[str]:
    page = requests.get(
        f"{url}/api/v1/cases", params={"limit": 1000}, headers=OPERATOR, timeout=5
    ).json()
    return [item["case_id"] for item in page["items"]]


def test_every_case_arrives_exactly_once_through_a_faulty_link(terminal: Terminal) -> None:
    ids = [
        terminal.store.enqueue("pension_check", case_payload(i), {"face.jpg": FACE})
        for i in range(25)
    ]
    script = FaultScript(deque(FAULTS), retry_after_s=1, slow_s=1.5)
    with FaultProxy(terminal.url, script) as proxy_url:
        client = PlatformClient(proxy_url, terminal.keys, timeout_s=0.8, probe_timeout_s=0.5)
        worker = SyncWorker(
            terminal.store,
            client,
            fast_settings(batch_size=5),
            backoff_base_s=0.05,
            probe_interval_s=0.1,
        )
        try:
            report = worker.drain(timeout_s=40)
        finally:
            client.close()

    assert report.error is None, report.error
    stored = platform_case_ids(terminal.url)
    assert sorted(stored) == sorted(ids)  # every case
    assert len(stored) == len(set(stored))  # exactly once
    status = terminal.store.status()
    assert (status["pending"], status["sending"], status["acked"]) == (0, 0, 25)

    batches = [s for s in script.seen if s.path.startswith("/api/v1/ingest")]
    # 5 batches of 5, plus one resend per injected fault at most: bounded retries.
    assert len(batches) <= 5 + len(FAULTS)
    # The platform committed the batches whose replies were cut off or too slow; their resends
    # were recognised as duplicates, not filed twice.
    assert any(b'"duplicate"' in s.reply for s in batches if s.fault == "pass")
    faulted = [s for s in batches if s.fault not in ("pass",)]
    assert len(faulted) == len(FAULTS) - 1  # the script was consumed
    # No busy loop: after each failure the next request waited for the backoff, and after
    # the 429 for at least its Retry-After.
    for before, after in itertools.pairwise(batches):
        gap = after.at - before.at
        if before.fault == "429":
            assert gap >= 0.95, f"Retry-After not honoured ({gap:.3f} s)"
        elif before.fault in ("reset", "500"):
            assert gap >= 0.02, f"retried at once after {before.fault} ({gap:.3f} s)"


def test_the_worker_only_probes_while_the_platform_is_down(terminal: Terminal) -> None:
    terminal.store.enqueue("pension_check", case_payload(), {})
    script = FaultScript(deque(["500"] * 100), fault_prefix="/api/v1/")
    with FaultProxy(terminal.url, script) as proxy_url:
        client = PlatformClient(proxy_url, terminal.keys, timeout_s=0.5, probe_timeout_s=0.5)
        worker = SyncWorker(
            terminal.store, client, fast_settings(), backoff_base_s=0.2, probe_interval_s=0.2
        )
        try:
            report = worker.drain(timeout_s=1.5)
        finally:
            client.close()
    assert report.error_kind in ("busy", "timeout")
    assert terminal.store.status()["pending"] == 1
    # 1.5 s with a 0.2 s base backoff doubling per failure: a handful of tries, not hundreds
    assert 2 <= len(script.seen) <= 8


def test_a_batch_too_large_is_split_and_only_the_oversized_case_is_dead_lettered(
    terminal: Terminal,
) -> None:
    ids = [terminal.store.enqueue("pension_check", case_payload(i), {}) for i in range(4)]
    # the whole batch is refused as too large, then the first case alone is, too
    script = FaultScript(deque(["413", "413"]))
    with FaultProxy(terminal.url, script) as proxy_url:
        client = PlatformClient(proxy_url, terminal.keys, timeout_s=2)
        worker = SyncWorker(terminal.store, client, fast_settings(batch_size=4))
        try:
            report = worker.drain(timeout_s=10)
        finally:
            client.close()
    assert report.rejected_ids == [ids[0]]
    assert terminal.store.case_info(ids[0])["status"] == "rejected"
    assert sorted(platform_case_ids(terminal.url)) == sorted(ids[1:])
    assert terminal.store.status()["pending"] == 0
