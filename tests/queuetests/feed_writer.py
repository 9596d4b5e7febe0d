"""Writer process for the feed cursor test: one registered terminal posting signed batches.

    python -m tests.queuetests.feed_writer URL DATA_DIR TERMINAL_ID BATCHES BATCH_SIZE OUT

Cases are signed by the terminal's own key (registered beforehand into DATA_DIR) and sent
through the terminal's HTTP client, a batch at a time, as fast as the platform answers. A
batch the platform did not answer (a worker killed mid-batch, 5xx) is sent again, as the
sync worker would: its cases then come back `duplicate` if they were stored the first time.
Writes {case_id: status} of every case to OUT (JSON) and exits 0 when every case is held.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from offline_queue.client import PlatformClient
from offline_queue.errors import PlatformBusy, PlatformUnreachable
from offline_queue.keys import load
from tests.queuetests.platform_proc import Kiosk

RETRIES = 50


def send(client: PlatformClient, batch: list[dict[str, object]]) -> list[dict[str, object]]:
    for _ in range(RETRIES):
        try:
            return client.send_batch(batch)
        except (PlatformUnreachable, PlatformBusy):
            time.sleep(0.1)
    raise SystemExit("the platform did not take the batch")


def main() -> int:
    url, data_dir, terminal_id = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    batches, batch_size, out = int(sys.argv[4]), int(sys.argv[5]), Path(sys.argv[6])
    keys = load(data_dir)
    kiosk = Kiosk(terminal_id, keys, url)
    statuses: dict[str, object] = {}
    with PlatformClient(url, keys, timeout_s=30) as client:
        for index in range(batches):
            batch = [
                kiosk.case({"service": "pension_check", "batch": index, "n": n})
                for n in range(batch_size)
            ]
            for result in send(client, batch):
                statuses[str(result["case_id"])] = result["status"]
    out.write_text(json.dumps(statuses), encoding="utf-8")
    held = all(status in ("accepted", "duplicate") for status in statuses.values())
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
