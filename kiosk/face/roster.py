"""A cached roster of reference templates: 128-d embeddings keyed by a hash of the ID number.

On disk the roster is sealed with the terminal's storage key (`offline_queue.keys`,
AES-256-GCM through `contract.wire.seal`, as the case store does): the file is
`MAGIC` followed by nonce + ciphertext + tag, with `MAGIC` as associated data. Inside is
JSON: {"format": "kiosk-face-roster", "version": 1, "salt": hex, "iterations": int,
"templates": {key: [128 floats]}}. Keys are PBKDF2-SHA256 of the ID number with the
roster's salt: finding a resident's entry needs their ID number, and guessing ID numbers
costs `iterations` hashes per guess even for someone holding the storage key.
A plaintext, tampered or foreign-key file is refused (RosterError), never trusted.
`RosterCache` reads the file on first use and again whenever it changes on disk.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from contract import wire
from contract.face_templates import ROSTER_FORMAT as FORMAT
from contract.face_templates import ROSTER_ITERATIONS as DEFAULT_ITERATIONS
from contract.face_templates import ROSTER_VERSION as VERSION
from contract.face_templates import roster_key
from kiosk.face.engine import EMBEDDING_SIZE, Embedding
from kiosk.face.errors import FaceError

log = logging.getLogger(__name__)

# Leads the file and is the AEAD's associated data: a case-store blob sealed with the same
# key does not open as a roster, and a changed header fails like a changed ciphertext.
MAGIC = b"kiosk-face-roster/sealed-v1\n"


class RosterError(FaceError):
    """The roster file is unreadable, not a sealed roster, or not sealed with this key."""


class RosterDocumentError(RosterError, ValueError):
    """A roster document (from the platform) that is not a `kiosk-face-roster` document."""


class _Malformed(ValueError):
    """A decrypted roster whose content is not a roster (message holds no file content)."""


def write_roster(
    path: Path,
    templates: Mapping[str, Embedding],
    storage_key: bytes,
    *,
    salt: bytes | None = None,
    iterations: int = DEFAULT_ITERATIONS,
) -> None:
    """Write {ID number: template} as a sealed roster file (atomically, mode 0600)."""
    salt = salt if salt is not None else os.urandom(16)
    entries = {
        roster_key(number, salt, iterations): [float(v) for v in _checked(template, "template")]
        for number, template in templates.items()
    }
    document = {
        "format": FORMAT,
        "version": VERSION,
        "salt": salt.hex(),
        "iterations": iterations,
        "templates": entries,
    }
    _write_atomically(Path(path), MAGIC + wire.seal(storage_key, wire.canonical(document), MAGIC))


def write_roster_document(
    path: Path, document: Mapping[str, Any], storage_key: bytes
) -> tuple[int, int]:
    """Reseal a roster document whose keys are already hashed (the platform's, checked by the
    caller) under this terminal's storage key, atomically, mode 0600. Returns (templates,
    bytes written); RosterDocumentError when it is not a roster this kiosk can read."""
    try:
        roster = Roster._parse(document)
        kept = {name: document[name] for name in ("format", "version", "salt", "iterations")}
        kept["templates"] = {
            str(k): [float(v) for v in t] for k, t in document["templates"].items()
        }
    except _Malformed as exc:
        raise RosterDocumentError(f"not a usable roster: {exc}") from None
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # may quote the content
        raise RosterDocumentError(f"not a usable roster ({type(exc).__name__})") from None
    data = MAGIC + wire.seal(storage_key, wire.canonical(kept), MAGIC)
    _write_atomically(Path(path), data)
    return len(roster), len(data)


def _write_atomically(path: Path, data: bytes) -> None:
    """Temp file (0600) in the same folder, fsync, rename, fsync the folder."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def roster_sink(path: Path, storage_key: bytes) -> Callable[[dict[str, Any]], tuple[int, int]]:
    """What the sync worker calls with each new roster the platform signed for this terminal
    (`offline_queue.answers_sync.RosterSink`)."""
    return lambda document: write_roster_document(path, document, storage_key)


class Roster:
    def __init__(self, salt: bytes, iterations: int, templates: dict[str, Embedding]) -> None:
        self._salt = salt
        self._iterations = iterations
        self._templates = templates

    def __len__(self) -> int:
        return len(self._templates)

    @classmethod
    def load(cls, path: Path, storage_key: bytes) -> Roster:
        """Raises RosterError on an unreadable, plaintext, tampered or foreign file."""
        try:
            blob = Path(path).read_bytes()
        except OSError as exc:
            raise RosterError(f"cannot read face roster {path}: {exc.strerror}") from exc
        plain = _unsealed(path, blob, storage_key)
        try:
            return cls._parse(json.loads(plain))
        except _Malformed as exc:
            raise RosterError(f"face roster {path} is malformed: {exc}") from exc
        except (AttributeError, KeyError, TypeError, ValueError) as exc:  # may quote the content
            raise RosterError(f"face roster {path} is malformed ({type(exc).__name__})") from exc

    @classmethod
    def _parse(cls, document: Any) -> Roster:
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise _Malformed(f"expected format {FORMAT!r} version {VERSION}")
        iterations = int(document["iterations"])
        if iterations < 1:
            raise _Malformed("iterations must be positive")
        templates = {
            str(key): _checked(np.asarray(values, dtype=np.float64), "entry")
            for key, values in document["templates"].items()
        }
        return cls(bytes.fromhex(document["salt"]), iterations, templates)

    def template_for(self, id_number: str) -> Embedding | None:
        return self._templates.get(roster_key(id_number, self._salt, self._iterations))


def _unsealed(path: Path, blob: bytes, storage_key: bytes) -> bytes:
    if not blob.startswith(MAGIC):
        kind = "a plaintext file" if blob.lstrip()[:1] in (b"{", b"[") else "not a sealed roster"
        raise RosterError(
            f"face roster {path} refused: {kind}; rewrite it with write_roster (sealed)"
        )
    try:
        return wire.unseal(storage_key, blob[len(MAGIC) :], MAGIC)
    except wire.WireError:
        raise RosterError(
            f"face roster {path} refused: it does not decrypt with this terminal's storage key"
            " (altered, or written for another terminal)"
        ) from None


class RosterCache:
    """The sealed roster at `path`, reloaded when the file changes; a missing file is empty."""

    def __init__(self, path: Path, storage_key: bytes) -> None:
        self.path = Path(path)
        self._storage_key = storage_key
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._roster: Roster | None = None

    def template_for(self, id_number: str) -> Embedding | None:
        """Raises RosterError when the file exists but cannot be used."""
        roster = self._current()
        return None if roster is None else roster.template_for(id_number)

    def _current(self) -> Roster | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # write_roster renames: new inode
        with self._lock:
            if stamp != self._stamp:
                self._roster = Roster.load(self.path, self._storage_key)
                self._stamp = stamp
                log.info("face roster loaded: %d templates", len(self._roster))
            return self._roster


def _checked(template: Embedding, what: str) -> Embedding:
    vector = np.asarray(template, dtype=np.float64)
    if vector.shape != (EMBEDDING_SIZE,) or not np.all(np.isfinite(vector)):
        raise _Malformed(f"{what}: a template must be {EMBEDDING_SIZE} finite numbers")
    return vector
