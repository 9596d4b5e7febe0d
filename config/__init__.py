"""Terminal configuration: typed, frozen, loaded once.

    settings = load_settings(Path("/etc/kiosk/terminal.toml"))

The packaged `default.toml` is read first; the terminal file overrides it key by key.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from config.errors import ConfigError
from config.loader import build, merge, read_toml
from config.settings import Settings

__all__ = ["DEFAULT_FILE", "ConfigError", "Settings", "as_dict", "load_settings"]

DEFAULT_FILE = Path(__file__).with_name("default.toml")
ENV_VAR = "KIOSK_CONFIG"
SECRET_KEYS = frozenset({"pin_hash", "staff_pin_hash", "staff"})


def load_settings(path: Path | None = None) -> Settings:
    """Defaults, then `path` (or $KIOSK_CONFIG) on top. Raises ConfigError naming the key."""
    table = read_toml(DEFAULT_FILE)
    defaults = build(Settings, table, DEFAULT_FILE)
    if path is None and os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
    if path is None:
        return defaults
    table = merge(table, read_toml(path))
    settings = build(Settings, table, path)
    return dataclasses.replace(settings, source=str(path))


def as_dict(settings: Any, *, mask_secrets: bool = True) -> dict[str, Any]:
    """The effective settings as plain data (for `kiosk config check`), secrets masked."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if dataclasses.is_dataclass(value):
            out[f.name] = as_dict(value, mask_secrets=mask_secrets)
        elif mask_secrets and f.name in SECRET_KEYS and value:
            out[f.name] = "********"
        elif isinstance(value, Path):
            out[f.name] = str(value)
        elif isinstance(value, tuple):
            out[f.name] = list(value)
        else:
            out[f.name] = value
    return out
