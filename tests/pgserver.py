"""A throw-away PostgreSQL server for the tests: a fresh cluster in a temporary folder, on a
free loopback port, from the Debian packages (`postgresql`, installed by `./dev`).

    with PostgresServer() as server:
        url = server.create_database("case_feed")   # postgresql+psycopg://kiosk@127.0.0.1:PORT/...

PostgreSQL refuses to run as root; when the tests run as root (CI here), the cluster belongs
to the `postgres` user the Debian package creates (or `nobody`), and only the server runs as
that user. pytest-postgresql was considered: it starts pg_ctl as the calling user, so it
cannot run under root, which is how CI runs.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "kiosk"
START_TIMEOUT_S = 60


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (`./dev setup` installs them)."""


def bin_dir() -> Path:
    """The newest installed server's binaries (/usr/lib/postgresql/<major>/bin)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise PostgresUnavailable("no PostgreSQL server in /usr/lib/postgresql: run ./dev setup")
    return candidates[-1].parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user() -> pwd.struct_passwd | None:
    """Who owns and runs the cluster: None for the calling user, unless that is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root, and there is no postgres or nobody user")


class PostgresServer:
    """One cluster; `create_database` hands each test its own database."""

    def __init__(self, *, durable: bool = False) -> None:
        """`durable`: fsync on, as a real server runs (the benchmarks); the tests turn it off."""
        self.bin = bin_dir()
        self.durable = durable
        self.root = Path()  # made by start(): a folder of its own in /tmp
        self.data = Path()
        self.port = 0
        self._user = _server_user()
        self._databases = 0

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        user = self._user
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
            cwd=self.root,
        )

    def start(self) -> PostgresServer:
        # Straight under /tmp (1777): the server user reaches it, wherever pytest's own
        # temporary folders are and however closed they are.
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-pg-", dir="/tmp"))
        self.data = self.root / "data"
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8")
        self.port = _free_port()
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        if not self.durable:
            options += " -c fsync=off"
        try:
            self._run(
                "pg_ctl",
                "-D",
                str(self.data),
                "-l",
                str(self.root / "log"),
                "-o",
                options,
                "-w",
                "start",
            )
        except subprocess.CalledProcessError as exc:
            log = (self.root / "log").read_text(errors="replace")[-2000:]
            raise PostgresUnavailable(f"pg_ctl start failed: {exc.stderr}\n{log}") from exc
        return self

    def stop(self) -> None:
        if self.data != Path() and self.data.exists():
            subprocess.run(
                [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=START_TIMEOUT_S,
                user=self._user.pw_uid if self._user else None,
                check=False,
            )
        if self.root != Path():
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3 driver)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [
                str(self.bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
        )
        return result.stdout.strip()

    def create_database(self, prefix: str = "test") -> str:
        """A new empty database; its SQLAlchemy URL."""
        self._databases += 1
        name = f"{prefix}_{self._databases}"
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)
