"""Small helpers shared by the card tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from devices.card_reader.base import CardEvent, CardReader

REPO = Path(__file__).resolve().parents[2]


def collect(
    reader: CardReader,
    until: Callable[[CardEvent], bool],
    timeout_s: float = 10.0,
) -> list[CardEvent]:
    """Events from `reader` up to and including the first one `until` accepts."""
    events: list[CardEvent] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        event = reader.wait_event(0.2)
        if event is None:
            continue
        events.append(event)
        if until(event):
            return events
    raise AssertionError(f"no matching event within {timeout_s} s; got {events}")


def kiosk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "read-card", *args],
        cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env, check=False,
    )  # fmt: skip


def write_config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "terminal.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)
