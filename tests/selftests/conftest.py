"""Self-test fixtures: a terminal file written the way a technician writes one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteConfig = Callable[..., Path]


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """Write `<tmp>/terminal.toml`: the data folder in tmp, then `extra` TOML tables."""

    def write(extra: str = "", *, terminal: str = "") -> Path:
        data_dir = tmp_path / "data"
        path = tmp_path / "terminal.toml"
        text = f'[terminal]\ndata_dir = "{data_dir}"\n{terminal}\n{extra}'
        path.write_text(text, encoding="utf-8")
        return path

    return write
