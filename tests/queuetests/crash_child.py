"""Child process for the crash test: enqueue and sync in a loop until it is SIGKILLed.

    python -m tests.queuetests.crash_child DATA_DIR PLATFORM_URL [--final]

Prints each case id on stdout once `enqueue` has returned (the case is committed).
With --final it only drains the queue and exits 0 when nothing is pending.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from config.settings import PlatformSettings
from offline_queue.client import PlatformClient
from offline_queue.keys import load
from offline_queue.store import CaseStore
from offline_queue.sync import SyncWorker

FACE = b"\xff\xd8" + b"\x42" * 4_000


def main() -> int:
    data_dir, url = Path(sys.argv[1]), sys.argv[2]
    keys = load(data_dir)
    store = CaseStore.open(data_dir / "queue.db", keys)
    client = PlatformClient(url, keys, timeout_s=5)
    worker = SyncWorker(
        store, client, PlatformSettings(batch_size=3), backoff_base_s=0.02, probe_interval_s=0.05
    )
    if "--final" in sys.argv:
        report = worker.drain(30)
        return 0 if report.error is None else 1
    rng = random.Random()
    while True:
        for _ in range(rng.randint(1, 4)):
            case_id = store.enqueue("pension_check", {"n": rng.random()}, {"face.jpg": FACE})
            print(case_id, flush=True)
        worker.run_pass(ignore_schedule=True)


if __name__ == "__main__":
    sys.exit(main())
