"""The worker supervisor (`central.workers.run_workers`) on its own, for the supervisor test.

    python -m tests.queuetests.workers_child DB WORKERS

`kiosk-central serve --workers N` refuses several workers on SQLite (its store is not written
for several writer processes) and this release refuses PostgreSQL, so the test starts the
supervisor here, behind the CLI's gate, on a SQLite file: the supervisor does not depend on
the database, and the test only asks /api/v1/health, which writes nothing. Logs
"kiosk-central on URL" on stderr like `serve`.
"""

from __future__ import annotations

import logging
import sys

from central.server import bind
from central.workers import LOG_FORMAT, WorkerSettings, run_workers


def main() -> int:
    db, workers = sys.argv[1], int(sys.argv[2])
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr)
    sock = bind("127.0.0.1", 0)
    try:
        run_workers(WorkerSettings(db), sock, workers)
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
