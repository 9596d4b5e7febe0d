"""What `kiosk-central serve --db DB --workers N` may serve, and N worker processes serving it.

`--db` names a SQLite file (the embedded default) or a `postgresql://` URL. PostgreSQL is
served by any number of worker processes (on any number of machines): everything that must
not race between them is made safe by the database (`central.store`). SQLite is served by
one process: its store is one connection behind an in-process lock, and SQLite writes one
transaction at a time for the whole file, so more processes would only wait on each other.

With more than one worker, uvicorn's supervisor (`uvicorn.supervisors.Multiprocess`) spawns
the workers, hands each the socket the parent bound, and every worker builds its own app and
database connection from `worker_app` (an app factory; the settings travel in the
environment, the bootstrap token too, never on a command line). Every half second the
supervisor pings its workers: one that died (kill -9, out of memory) or hangs is replaced,
and the others keep serving. SIGTERM or SIGINT to the parent stops every worker gracefully
(requests in flight get `timeout_graceful_shutdown`, 5 s).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from central.app import create_app
from central.db import PlatformDB
from central.errors import CentralError
from central.migrate import quiet_migrations
from central.server import server_config
from central.store import Target, UnsupportedDatabase, parse_target

log = logging.getLogger(__name__)

WORKER_ENV = "KIOSK_CENTRAL_WORKER"
TOKEN_ENV = "KIOSK_CENTRAL_TOKEN"  # noqa: S105 - the variable's name, not a secret
LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


def check_workers(target: Target, workers: int) -> None:
    """Refuse a worker count the database cannot take."""
    if workers < 1:
        raise UnsupportedDatabase("--workers must be at least 1")
    if workers > 1 and not target.postgresql:
        raise UnsupportedDatabase(
            "SQLite is served by one worker process: its store is one connection behind an "
            "in-process lock, and SQLite writes one transaction at a time. Use --workers 1, "
            "or PostgreSQL (--db postgresql://...) for several workers."
        )


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker needs to build the app (JSON in $KIOSK_CENTRAL_WORKER)."""

    db: str
    files: str = ""  # --files (PostgreSQL: the folder of keys and attachments)
    certfile: str = ""
    keyfile: str = ""
    forwarded_allow_ips: str = ""
    verbose: bool = False


def worker_app() -> FastAPI:
    """The app factory each worker process calls (uvicorn `factory=True`)."""
    settings = WorkerSettings(**json.loads(os.environ[WORKER_ENV]))
    logging.basicConfig(
        level=logging.DEBUG if settings.verbose else logging.INFO, format=LOG_FORMAT
    )
    quiet_migrations(settings.verbose)
    db = open_db(settings)
    app = create_app(db, operator_token=os.environ.get(TOKEN_ENV) or None)
    close_on_shutdown(app, db)
    return app


def open_db(settings: WorkerSettings) -> PlatformDB:
    return PlatformDB(
        parse_target(settings.db), files_dir=Path(settings.files) if settings.files else None
    )


def close_on_shutdown(
    app: FastAPI, db: PlatformDB, *, before: Callable[[], None] | None = None
) -> None:
    """Close `db` when uvicorn shuts `app` down (its lifespan must be "on"), after `before`
    (e.g. stopping a worker thread that uses it). After a graceful stop on SIGTERM uvicorn
    raises the signal again, so the process ends by it: code after `Server.run` never runs,
    this does."""

    @asynccontextmanager
    async def close_db(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            try:
                if before is not None:
                    before()
            finally:
                db.close()

    app.router.lifespan_context = close_db


def run_workers(settings: WorkerSettings, sock: socket.socket, workers: int) -> None:
    """Serve on `sock` with `workers` processes until SIGTERM/SIGINT; CentralError when a
    worker could not start (the supervisor then stops them all). Logs "kiosk-central on URL"
    once the database is ready."""
    # Migrations and the platform's key files are made here, once, before any worker opens
    # the database and before anyone is told the address: nobody races to create them.
    open_db(settings).close()
    host, port = sock.getsockname()[:2]
    scheme = "https" if settings.certfile else "http"
    log.info("kiosk-central on %s://%s:%d (%d workers)", scheme, host, port, workers)
    os.environ[WORKER_ENV] = json.dumps(asdict(settings))
    config = server_config(
        "central.workers:worker_app",
        factory=True,
        workers=workers,
        lifespan="on",  # closes each worker's database when it stops
        certfile=settings.certfile,
        keyfile=settings.keyfile,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level="info",  # the supervisor's "Child process [PID] died" and restarts
    )
    supervisor = Multiprocess(config, sockets=[sock])
    supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        raise CentralError("a worker process failed to start (its error is logged above)")
