"""Terminal identity: create the key pair and register its public key with the platform.

The registration (platform URL, terminal id, key id, the platform's bundle key) is kept in
`<data_dir>/platform.json`; the keys stay in `<data_dir>/keys/` (see `offline_queue.keys`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from contract import wire
from contract.keys import public_key_raw
from offline_queue.client import PlatformClient
from offline_queue.errors import NotRegistered, PlatformRefused
from offline_queue.keys import TerminalKeys, load_or_create

REGISTRATION_FILE = "platform.json"


@dataclass(frozen=True)
class Registration:
    platform_url: str
    terminal_id: str
    key_id: str
    platform_public_key: str
    registered_at: str
    platform_signing_key: str = ""


@dataclass(frozen=True)
class RegisteredTerminal:
    registration: Registration
    keys: TerminalKeys


def register(
    data_dir: Path,
    platform_url: str,
    terminal_id: str,
    code: str,
    *,
    ca_bundle: str = "",
    timeout_s: float = 10.0,
) -> RegisteredTerminal:
    """Create the keys if needed, register the public key, remember the registration."""
    private_data_dir(data_dir)
    keys = load_or_create(data_dir)
    with PlatformClient(platform_url, keys, ca_bundle=ca_bundle, timeout_s=timeout_s) as client:
        answer = client.register(terminal_id, code, wire.b64e(public_key_raw(keys.public_key)))
    if answer.get("key_id") != keys.key_id or answer.get("terminal_id") != terminal_id:
        raise PlatformRefused("the platform registered a different key or terminal")
    registration = Registration(
        platform_url=platform_url.rstrip("/"),
        terminal_id=terminal_id,
        key_id=keys.key_id,
        platform_public_key=str(answer["platform_public_key"]),
        registered_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        platform_signing_key=str(answer.get("platform_signing_key", "")),
    )
    _write_atomically(data_dir / REGISTRATION_FILE, json.dumps(asdict(registration), indent=2))
    return RegisteredTerminal(registration, keys)


class LocalPlatform(Protocol):
    """A platform this process runs itself (the demo's embedded one): it can mint a code."""

    url: str

    def add_terminal(self, terminal_id: str, service_point: str = "") -> str: ...


def register_local_terminal(
    platform: LocalPlatform, data_dir: Path, terminal_id: str, service_point: str = ""
) -> TerminalKeys:
    """Demo and tests: mint a code on a platform this process runs and register with it, over
    HTTP like any terminal (the platform itself never reaches into a terminal's files)."""
    code = platform.add_terminal(terminal_id, service_point)
    return register(data_dir, platform.url, terminal_id, code).keys


def load_registration(data_dir: Path) -> Registration:
    path = data_dir / REGISTRATION_FILE
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        return Registration(**table)
    except FileNotFoundError:
        raise NotRegistered(f"no registration in {data_dir}: run `kiosk register`") from None
    except (ValueError, TypeError) as exc:
        raise NotRegistered(f"{path} is unreadable ({exc}): run `kiosk register` again") from None


def private_data_dir(data_dir: Path) -> None:
    """The data folder, 0700 (made so, or tightened when an older release left it 0755)."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if data_dir.stat().st_mode & 0o077:
        data_dir.chmod(0o700)


def _write_atomically(path: Path, text: str) -> None:
    """0600 in a 0700 data folder: the registration names the platform and the key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # a leftover .tmp from an older release was 0644
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
