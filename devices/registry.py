"""Backends are named in config and imported only when chosen: hardware libraries (pyscard,
pyserial, pyusb, OpenCV capture) load only on terminals that use them."""

from __future__ import annotations

import importlib
from typing import Any


def backend_class(backends: dict[str, str], name: str) -> Any:
    """The class registered as "module:Class" under `name` (a KeyError names a config bug)."""
    module_name, class_name = backends[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)
