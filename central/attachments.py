"""Where cases' files (the face frames) are kept: a content-addressed store beside the database.

    store = AttachmentStore(Path("/var/lib/kiosk-central/central.sqlite3.attachments"))
    [digest] = store.put_many([jpeg])   # written and synced; the row that names it commits after
    jpeg = store.get(digest)            # None when there is no such file

A file is named by the SHA-256 of its bytes (`ab/abcdef...`, 256 folders): it is written once
and never changes, so a backup copies each face once (rsync, restic: only new files), the
database stays small (its dump holds no face), and the pull feed never reads a face. Files
are 0600 in 0700 folders, as the database is. Two cases with the same bytes share a file.

**Order.** A file is written and synced (file and folder) before the transaction that stores
its `case_attachments` row commits; a row therefore never names a file that a crash lost. A
transaction that rolls back (a duplicate batch, a killed worker) leaves a file no row names:

**Garbage collection** (`kiosk-central attachments gc`) removes files that no row names and
that nobody has written or touched for `grace_s` (a day by default, far longer than any
transaction). Writing a file that exists touches it (its time becomes now), so a file about to
be named again is never taken. The collector moves a candidate aside, looks again (the time,
and the rows), and only then deletes it; a file touched or named meanwhile goes back.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from central.errors import CentralError
from central.files import FILE_MODE, private_folder

GRACE_S = 24 * 3600.0
_HEX = frozenset("0123456789abcdef")
TRASH_PREFIX = ".gc-"
TMP_PREFIX = ".tmp-"


class AttachmentMissing(CentralError):
    """A row names a file the store does not hold (a store restored from an older backup)."""


class Attachments(Protocol):
    """What the platform needs of an attachment store."""

    def put_many(self, blobs: list[bytes]) -> list[str]: ...

    def get(self, sha256: str) -> bytes | None: ...


def digest_of(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def is_digest(name: str) -> bool:
    return len(name) == 64 and set(name) <= _HEX


class AttachmentStore:
    """Files named by their SHA-256 under `root` (made 0700)."""

    def __init__(self, root: Path) -> None:
        self.root = private_folder(root)

    def path_of(self, sha256: str) -> Path:
        if not is_digest(sha256):
            raise CentralError("an attachment is named by its SHA-256 (64 hex digits)")
        return self.root / sha256[:2] / sha256

    def put_many(self, blobs: list[bytes]) -> list[str]:
        """Write every blob that is not here yet (synced, with its folder); touch those that
        are. Their SHA-256 digests, in order."""
        digests, folders = [], set()
        for blob in blobs:
            sha256 = digest_of(blob)
            digests.append(sha256)
            path = self.path_of(sha256)
            if self._touch(path):
                continue
            folder = private_folder(path.parent)
            if _write_new(path, blob):
                folders.add(folder)
        for folder in folders:
            _sync_folder(folder)
        return digests

    @staticmethod
    def _touch(path: Path) -> bool:
        """Mark an existing file as wanted now (the collector spares it); False if absent."""
        try:
            os.utime(path)
        except FileNotFoundError:
            return False
        return True

    def get(self, sha256: str) -> bytes | None:
        try:
            data = self.path_of(sha256).read_bytes()
        except FileNotFoundError:
            return None
        if digest_of(data) != sha256:
            raise CentralError(f"attachment {sha256[:12]}… is damaged (its bytes changed)")
        return data

    def files(self) -> Iterator[Path]:
        """Every stored file (not those being written or collected)."""
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and len(folder.name) == 2:
                yield from (p for p in sorted(folder.iterdir()) if is_digest(p.name))

    def collect(
        self, named: Callable[[list[str]], set[str]], grace_s: float = GRACE_S, batch: int = 500
    ) -> GcResult:
        """Delete files no row names (`named(digests)` answers which are named) and nobody
        wrote or touched for `grace_s`; leftovers of interrupted writes too."""
        result = GcResult()
        cutoff = time.time() - grace_s
        candidates: list[Path] = []
        for path in self._all_entries():
            if path.name.startswith((TMP_PREFIX, TRASH_PREFIX)):
                if _mtime(path) < cutoff:
                    path.unlink(missing_ok=True)
                    result.leftovers += 1
                continue
            result.files += 1
            if _mtime(path) < cutoff:
                candidates.append(path)
            if len(candidates) >= batch:
                self._collect_batch(candidates, named, cutoff, result)
                candidates = []
        self._collect_batch(candidates, named, cutoff, result)
        return result

    def _all_entries(self) -> Iterator[Path]:
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and len(folder.name) == 2:
                yield from sorted(folder.iterdir())

    def _collect_batch(
        self,
        candidates: list[Path],
        named: Callable[[list[str]], set[str]],
        cutoff: float,
        result: GcResult,
    ) -> None:
        if not candidates:
            return
        kept = named([p.name for p in candidates])
        loose = [p for p in candidates if p.name not in kept]
        aside = []
        for path in loose:
            trash = path.with_name(f"{TRASH_PREFIX}{secrets.token_hex(4)}-{path.name}")
            try:
                path.rename(trash)
            except FileNotFoundError:
                continue
            aside.append((path, trash))
        named_now = named([path.name for path, _ in aside]) if aside else set()
        for path, trash in aside:
            if path.name in named_now or _mtime(trash) >= cutoff:
                _put_back(trash, path)
                result.spared += 1
            else:
                trash.unlink()
                result.removed += 1


@dataclass
class GcResult:
    files: int = 0  # files in the store before
    removed: int = 0  # named by no row, untouched for the grace period: deleted
    spared: int = 0  # named or touched while being collected: kept
    leftovers: int = 0  # interrupted writes and collections: deleted

    def as_dict(self) -> dict[str, int]:
        return {
            "files": self.files,
            "removed": self.removed,
            "spared": self.spared,
            "leftovers": self.leftovers,
        }


class MemoryAttachments:
    """Attachments of an in-memory platform (`kiosk-central openapi`, API tests)."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put_many(self, blobs: list[bytes]) -> list[str]:
        digests = []
        for blob in blobs:
            digests.append(digest_of(blob))
            self._blobs[digests[-1]] = blob
        return digests

    def get(self, sha256: str) -> bytes | None:
        return self._blobs.get(sha256)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()  # gone (or just moved): not a candidate


def _write_new(path: Path, data: bytes) -> bool:
    """`data` into a new 0600 file at `path`, synced; False when another writer was first
    (same name, so the same bytes)."""
    tmp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # atomic, never replaces
    except FileExistsError:
        os.utime(path)
        return False
    finally:
        tmp.unlink()
    return True


def _put_back(trash: Path, path: Path) -> None:
    with contextlib.suppress(FileExistsError):  # written again meanwhile: the same bytes
        os.link(trash, path)
    trash.unlink()


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
