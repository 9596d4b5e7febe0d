"""Terminal configuration: typed, frozen, loaded once.

    settings = load_settings(Path("/etc/kiosk/terminal.toml"))

The packaged `default.toml` is read first; the terminal file overrides it key by key.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

from config.errors import ConfigError
from config.loader import build, merge, read_toml
from config.settings import Settings

__all__ = [
    "DEFAULT_FILE",
    "ConfigError",
    "Settings",
    "as_dict",
    "load_settings",
    "mask_url_password",
]

DEFAULT_FILE = Path(__file__).with_name("default.toml")
ENV_VAR = "KIOSK_CONFIG"
SECRET_KEYS = frozenset({"pin_hash", "staff_pin_hash", "staff"})
MASK = "********"
# scheme://user:password@host...: the authority's user info, up to its last "@" (as urlsplit)
_URL_USER_INFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^/?#\s]*)@")


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
            out[f.name] = MASK
        elif isinstance(value, Path):
            out[f.name] = str(value)
        elif isinstance(value, tuple):
            out[f.name] = [_plain(v, mask_secrets) for v in value]
        else:
            out[f.name] = _plain(value, mask_secrets)
    return out


def _plain(value: Any, mask_secrets: bool) -> Any:
    return mask_url_password(value) if mask_secrets and isinstance(value, str) else value


def mask_url_password(text: str) -> str:
    """`https://user:s3cret@host/` -> `https://user:********@host/`; anything else unchanged."""

    def hide(match: re.Match[str]) -> str:
        user, colon, _password = match.group(2).partition(":")
        return f"{match.group(1)}{user}{':' + MASK if colon else ''}@"

    return _URL_USER_INFO.sub(hide, text)
