"""A real `kiosk-central serve` in a child process, and terminals that talk to it the way a
kiosk does (their own keys, signed requests, cases signed with `contract.wire`)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract import wire
from contract.certificates import CHINA_TZ, CertificateFields, sign_certificate
from contract.ids import uuid7
from offline_queue.client import PlatformClient
from offline_queue.keys import TerminalKeys
from offline_queue.registration import register

REPO_ROOT = Path(__file__).resolve().parents[2]


def central(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`kiosk-central ARGS` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "central.cli", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


@contextmanager
def serving(db: Path | str, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`kiosk-central serve --db DB --port 0`; yields its URL, terminates it at the end."""
    with serving_process(db, *extra, env=env) as (_, url):
        yield url


@contextmanager
def serving_process(
    db: Path | str, *extra: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`serving`, yielding the serve process too (its workers are its children)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "central.cli", "serve", "--db", str(db), "--port", "0", *extra],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    url = ""
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r"kiosk-central on (http://\S+)", line)
        if found:
            url = found.group(1)
            break
    try:
        assert url, "kiosk-central serve did not start"
        yield proc, url
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


def child_pids(pid: int) -> list[int]:
    """The processes `pid` started, from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def worker_pids(pid: int) -> list[int]:
    """A serve supervisor's live worker processes (multiprocessing's spawned children; not
    its resource tracker, nor a killed worker not yet reaped)."""
    found = []
    for child in child_pids(pid):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:
            continue
    return found


def token(db: Path, name: str, *scopes: str) -> dict[str, str]:
    """A new operator token made with the CLI, as `Authorization` headers."""
    args = [arg for scope in scopes for arg in ("--scope", scope)]
    made = central("tokens", "add", name, *args, "--db", str(db))
    assert made.returncode == 0, made.stderr
    return {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}


@dataclass
class Kiosk:
    terminal_id: str
    keys: TerminalKeys
    url: str

    def client(self) -> PlatformClient:
        return PlatformClient(self.url, self.keys)

    def case(self, payload: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """A case signed by this kiosk's key (fields override the envelope before signing)."""
        face = b"\xff\xd8" + os.urandom(200)
        envelope: dict[str, Any] = {
            "case_id": uuid7(),
            "kind": "pension_check",
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "schema_version": wire.SCHEMA_VERSION,
            "test": True,
            "key_id": self.keys.key_id,
            "payload": payload or {"service": "pension_check", "outcome": "verified"},
            "attachments": {"face.jpg": {"sha256": wire.sha256_hex(face), "size": len(face)}},
        }
        envelope.update(fields)
        envelope["signature"] = wire.sign_case(self.keys.signing_key, envelope)
        envelope["attachment_data"] = {"face.jpg": wire.b64e(face)}
        return envelope

    def certificate(self, number: str, names_terminal: str = "") -> str:
        """A certificate token signed by this kiosk's key, naming `names_terminal` (itself)."""
        fields = CertificateFields(
            certificate_no=number,
            service="pension",
            masked_name="张*英",
            masked_id_number="1101**********1239",
            verified_at=dt.datetime.now(CHINA_TZ).replace(microsecond=0),
            valid_until=dt.date.today() + dt.timedelta(days=300),
            terminal_id=names_terminal or self.terminal_id,
        )
        return sign_certificate(fields, self.keys.signing_key, self.keys.key_id)


def enrol(
    db: Path | str, url: str, data_dir: Path, terminal_id: str, service_point: str = ""
) -> Kiosk:
    """`kiosk-central terminals add` (CLI), then the kiosk registers over HTTP."""
    args = ["--service-point", service_point] if service_point else []
    added = central("terminals", "add", terminal_id, *args, "--db", str(db))
    assert added.returncode == 0, added.stderr
    code = added.stdout.strip().splitlines()[-1]
    registered = register(data_dir, url, terminal_id, code)
    return Kiosk(terminal_id, registered.keys, url)
