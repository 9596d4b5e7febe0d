"""Child process for the answers crash test: pull decisions until done, or until SIGKILLed.

    python -m tests.queuetests.answers_crash_child DATA_DIR

The registration in DATA_DIR names the (scripted) platform. Prints "ready" once the store is
open, "done N" when every page was pulled (N new decisions in this run).
"""

from __future__ import annotations

import sys
from pathlib import Path

from offline_queue.client import PlatformClient
from offline_queue.keys import load
from offline_queue.registration import load_registration
from offline_queue.runtime import answer_puller
from offline_queue.store import CaseStore


def main() -> int:
    data_dir = Path(sys.argv[1])
    keys = load(data_dir)
    store = CaseStore.open(data_dir / "queue.db", keys)
    client = PlatformClient(load_registration(data_dir).platform_url, keys, timeout_s=5)
    puller = answer_puller(store, client, data_dir, None)
    assert puller is not None
    print("ready", flush=True)
    total = 0
    while True:
        new = puller.pull_decisions()
        total += new
        if new == 0:
            break
    print(f"done {total}", flush=True)
    client.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
