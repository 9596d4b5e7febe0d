"""Small helpers shared by the card tests."""

from __future__ import annotations

import time
from collections.abc import Callable

from devices.card_reader.base import CardEvent, CardReader


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
