"""Every key of the flow's view is read by someone who shows it: a key nobody reads is a
promise the code does not keep (the flow works something out, and it is dropped)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from kiosk.flow.view import StepView

REPO = Path(__file__).resolve().parents[2]
READERS = ("screens", "kiosk/qt")  # the screens, and the controller / demo that add to them


def test_every_view_key_is_read_by_a_screen_or_the_controller() -> None:
    source = "".join(
        path.read_text(encoding="utf-8")
        for folder in READERS
        for path in sorted((REPO / folder).rglob("*.py"))
    )
    unread = [
        f.name for f in dataclasses.fields(StepView) if not re.search(rf"\.{f.name}\b", source)
    ]
    assert unread == []
