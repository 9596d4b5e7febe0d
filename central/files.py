"""Files the platform keeps beside its database: private, created 0600 in 0700 folders.

The platform's own private keys (the X25519 key bundles are sealed to, the Ed25519 key that
signs import receipts) live in `<database>.keys/`, one raw key per file, never in the
database: a copy of the database (a backup, a support dump) then holds no key.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from central.errors import CentralError

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """Make `path` (and missing parents) 0700; an existing folder is tightened to 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, FOLDER_MODE)
    return path


def tighten(path: Path) -> None:
    """An existing file becomes 0600 (databases made by an earlier release were 0644)."""
    try:
        if stat.S_IMODE(path.stat().st_mode) != FILE_MODE:
            os.chmod(path, FILE_MODE)
    except FileNotFoundError:
        pass


def create_private(path: Path) -> None:
    """Create an empty 0600 file if there is none (SQLite then opens it, and its -wal and
    -shm files take the database file's mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    tighten(path)


def write_new_private(path: Path, data: bytes) -> bool:
    """Write `data` to a new 0600 file, durably; False when the file exists already."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # atomic and never replaces: two processes agree on one key
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return True


def read_private(path: Path) -> bytes:
    """A key file's bytes; CentralError when others may read it (as ssh refuses a key)."""
    info = path.stat()
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise CentralError(
            f"{path} can be read by other users (mode {stat.S_IMODE(info.st_mode):o}): "
            f"run `chmod 600 {path}`"
        )
    return path.read_bytes()
