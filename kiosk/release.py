"""Where the kiosk runs from: a source checkout or the frozen PyInstaller bundle.

    version(), build_id()   what is running (baked into the bundle by kiosk.spec)
    demo_clip()             the default clip the simulated camera plays, if this machine has it

The bundle carries `kiosk/_build.json` ({"version", "build"}), written by `kiosk.spec` at
build time; a checkout has no such file and reports the installed package version and "dev".
"""

from __future__ import annotations

import json
import os
import sys
from importlib import metadata
from pathlib import Path

from kiosk.face.demo_clip import DEMO_CLIP

BUILD_FILE = Path(__file__).with_name("_build.json")
PACKAGE = "village-kiosk"
# The demo clip lives in the shared test data next to the checkout; it has no licence that
# allows shipping it, so the bundle never carries it and looks for it next to itself instead.
DEMO_CLIP_RELATIVE = Path("shared/testdata") / DEMO_CLIP
DEMO_CLIP_ENV = "KIOSK_DEMO_CLIP"


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _build_info() -> dict[str, str]:
    try:
        table = json.loads(BUILD_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in table.items()} if isinstance(table, dict) else {}


def version() -> str:
    baked = _build_info().get("version")
    if baked:
        return baked
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def build_id() -> str:
    return _build_info().get("build", "dev")


def repo_root() -> Path:
    """The checkout (source runs) or the folder holding the bundle's executable."""
    if is_frozen():
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def demo_clip() -> Path | None:
    """The default clip for the simulated camera: $KIOSK_DEMO_CLIP, else `../shared/...` next to
    the checkout (or next to any folder above the bundle, e.g. `dist/kiosk` in a checkout)."""
    override = os.environ.get(DEMO_CLIP_ENV)
    if override:
        return Path(override) if Path(override).is_file() else None
    for folder in (repo_root(), *repo_root().parents):
        candidate = folder.parent / DEMO_CLIP_RELATIVE
        if candidate.is_file():
            return candidate
    return None
