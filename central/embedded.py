"""The platform inside the kiosk process, for the demo and for tests: uvicorn on a thread
named `kiosk-central`, listening on 127.0.0.1 at a free port.

    platform = EmbeddedPlatform(data_dir / "central.sqlite3")
    url = platform.start()
    code = platform.add_terminal("SIM-0001")   # the terminal side registers with it over HTTP
    headers = platform.operator_headers("feed")  # a scoped operator token, for the feed
    ...
    platform.stop()

It knows nothing of terminals' files: `offline_queue.registration.register_local_terminal`
registers a kiosk with it, as `kiosk register` would with any platform.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from pathlib import Path

import uvicorn

from central.app import create_app
from central.db import PlatformDB
from central.decide import DecideWorker
from central.ratelimit import RateLimits
from central.server import bind, make_server
from central.tokens import add_token

log = logging.getLogger(__name__)

THREAD_NAME = "kiosk-central"
START_TIMEOUT_S = 15.0


class EmbeddedPlatformError(Exception):
    """The embedded platform did not start."""


class EmbeddedPlatform:
    def __init__(
        self,
        db_path: Path | str,
        *,
        files_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        operator_token: str | None = None,
        certfile: str = "",
        keyfile: str = "",
        limits: RateLimits | None = None,
        decide: bool = False,
    ) -> None:
        """`db_path`: a SQLite file or a postgresql:// URL (`files_dir`: its keys and
        attachments). `decide`: run the decide worker too (loads the face models on its first
        job)."""
        self.db_path = db_path
        self.files_dir = files_dir
        self.decide = decide
        self._worker: DecideWorker | None = None
        self.limits = limits
        self.host = host
        self.port = port
        self.operator_token = operator_token
        self.certfile, self.keyfile = certfile, keyfile
        self.db: PlatformDB | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> str:
        """Start serving; return the base URL (http://127.0.0.1:PORT, https with a certificate)."""
        if self._thread is not None:
            return self.url
        self.db = PlatformDB(self.db_path, files_dir=self.files_dir)
        if self.decide:
            self._worker = DecideWorker(self.db)
            self._worker.start()
        server = make_server(
            create_app(self.db, operator_token=self.operator_token, limits=self.limits),
            certfile=self.certfile,
            keyfile=self.keyfile,
        )
        sock = bind(self.host, self.port)
        port = sock.getsockname()[1]
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=THREAD_NAME, daemon=True
        )
        self._server, self._thread, self._sock = server, thread, sock
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise EmbeddedPlatformError("the embedded platform did not start")
            time.sleep(0.01)
        scheme = "https" if self.certfile else "http"
        self.url = f"{scheme}://{self.host}:{port}"
        log.info("embedded platform listening on %s", self.url)
        return self.url

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._sock.close()
        if self.db is not None:
            self.db.close()
        self._server, self._thread, self.db, self.url = None, None, None, ""

    def __enter__(self) -> EmbeddedPlatform:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _running_db(self) -> PlatformDB:
        if self.db is None:
            raise EmbeddedPlatformError("the embedded platform is not running")
        return self.db

    def add_terminal(self, terminal_id: str, service_point: str = "") -> str:
        """A one-time registration code for `terminal_id` (at `service_point`, if named)."""
        return self._running_db().add_terminal(terminal_id, service_point)

    def operator_headers(self, *scopes: str) -> dict[str, str]:
        """`Authorization` for a new operator token with `scopes` (every scope if none)."""
        wanted = list(scopes) or ["feed", "faces", "admin"]
        db = self._running_db()
        token = add_token(db, f"embedded-{secrets.token_hex(4)}", wanted)
        return {"Authorization": f"Bearer {token}"}

    def add_reference_face(self, id_number: str, jpeg: bytes) -> None:
        self._running_db().put_reference_face(id_number, jpeg)
