"""The terminal's own keys, kept in `<data_dir>/keys/` and readable only by the kiosk user.

- `terminal_ed25519.pem`: signs cases, requests and certificate tokens. Its key id is
  `contract.keys.key_id_of` its public key.
- `storage.key`: 32 random bytes, the AES-256-GCM key for personal data at rest.

Keys are created explicitly (`load_or_create`), never as a side effect of reading.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from contract.keys import key_id_of

SIGNING_FILE = "terminal_ed25519.pem"
STORAGE_FILE = "storage.key"


class TerminalKeyError(Exception):
    """A key file is missing, unreadable or too open."""


@dataclass(frozen=True)
class TerminalKeys:
    signing_key: Ed25519PrivateKey
    storage_key: bytes

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return self.signing_key.sign(data)


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def load_or_create(data_dir: Path) -> TerminalKeys:
    """Load the terminal's keys, creating any that do not exist yet (0600, in keys/ 0700)."""
    folder = data_dir / "keys"
    signing_path, storage_path = folder / SIGNING_FILE, folder / STORAGE_FILE
    if not signing_path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(signing_path, pem)
    if not storage_path.exists():
        _write_private(storage_path, secrets.token_bytes(32))
    return load(data_dir)


def load(data_dir: Path) -> TerminalKeys:
    """Read the terminal's keys; refused when a key file is open to other users."""
    folder = data_dir / "keys"
    pem = _read_private(folder / SIGNING_FILE)
    storage_key = _read_private(folder / STORAGE_FILE)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except ValueError:
        raise TerminalKeyError(f"{folder / SIGNING_FILE} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey) or len(storage_key) != 32:
        raise TerminalKeyError(f"{folder}: expected an Ed25519 key and a 32-byte storage key")
    return TerminalKeys(key, storage_key)


def _read_private(path: Path) -> bytes:
    """A key file's bytes, only when no one but its owner may read or write it."""
    try:
        with path.open("rb") as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)  # the file we read, no race
            if mode & 0o077:
                raise TerminalKeyError(
                    f"key file {path} is open to other users (mode {mode:04o}); it must be "
                    f"readable by the kiosk user only: run `chmod 600 {path}`"
                )
            return handle.read()
    except OSError as exc:
        raise TerminalKeyError(f"terminal key {path} unreadable: {exc.strerror}") from None
