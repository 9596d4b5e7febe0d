"""A cached roster of reference templates: 128-d embeddings keyed by a hash of the ID number.

The file is JSON: {"format": "kiosk-face-roster", "version": 1, "salt": hex,
"iterations": int, "templates": {key: [128 floats]}}. Keys are PBKDF2-SHA256 of the ID
number with the roster's salt: finding a resident's entry needs their ID number, and
guessing ID numbers against a copied file costs `iterations` hashes per guess.
`RosterCache` reads the file on first use and again whenever it changes on disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.face.engine import EMBEDDING_SIZE, Embedding
from kiosk.face.errors import FaceError

log = logging.getLogger(__name__)

FORMAT = "kiosk-face-roster"
VERSION = 1
DEFAULT_ITERATIONS = 20_000


class RosterError(FaceError):
    """The roster file is unreadable or not a roster."""


def roster_key(id_number: str, salt: bytes, iterations: int) -> str:
    number = id_number.strip().upper()
    return hashlib.pbkdf2_hmac("sha256", number.encode(), salt, iterations).hex()


def write_roster(
    path: Path,
    templates: Mapping[str, Embedding],
    *,
    salt: bytes | None = None,
    iterations: int = DEFAULT_ITERATIONS,
) -> None:
    """Write {ID number: template} as a roster file (atomically)."""
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
    partial = Path(path).with_suffix(f".{os.getpid()}.part")
    partial.write_text(json.dumps(document), encoding="utf-8")
    partial.replace(path)


class Roster:
    def __init__(self, salt: bytes, iterations: int, templates: dict[str, Embedding]) -> None:
        self._salt = salt
        self._iterations = iterations
        self._templates = templates

    def __len__(self) -> int:
        return len(self._templates)

    @classmethod
    def load(cls, path: Path) -> Roster:
        """Raises RosterError on an unreadable or malformed file."""
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise RosterError(f"cannot read face roster {path}: {exc.strerror}") from exc
        except ValueError as exc:
            raise RosterError(f"face roster {path} is not JSON: {exc}") from exc
        try:
            return cls._parse(document)
        except (KeyError, TypeError, ValueError) as exc:
            raise RosterError(f"face roster {path} is malformed: {exc}") from exc

    @classmethod
    def _parse(cls, document: Any) -> Roster:
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise ValueError(f"expected format {FORMAT!r} version {VERSION}")
        iterations = int(document["iterations"])
        if iterations < 1:
            raise ValueError("iterations must be positive")
        templates = {
            str(key): _checked(np.asarray(values, dtype=np.float64), "entry")
            for key, values in document["templates"].items()
        }
        return cls(bytes.fromhex(document["salt"]), iterations, templates)

    def template_for(self, id_number: str) -> Embedding | None:
        return self._templates.get(roster_key(id_number, self._salt, self._iterations))


class RosterCache:
    """The roster at `path`, reloaded when the file changes; a missing file is an empty roster."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
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
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._roster = Roster.load(self.path)
                self._stamp = stamp
                log.info("face roster loaded: %d templates", len(self._roster))
            return self._roster


def _checked(template: Embedding, what: str) -> Embedding:
    vector = np.asarray(template, dtype=np.float64)
    if vector.shape != (EMBEDDING_SIZE,) or not np.all(np.isfinite(vector)):
        raise ValueError(f"{what}: a template must be {EMBEDDING_SIZE} finite numbers")
    return vector
