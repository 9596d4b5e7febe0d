"""The audit over the real kiosk screens, in both orientations, against the issue's targets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from screens.audit import TARGET_CONTRAST, TARGET_FONT_PX, TARGET_TOUCH_PX, audit
from screens.states import STATES
from screens.theme import install_font
from screens.window import KioskWindow

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


@pytest.fixture(params=list(SIZES))
def window(
    request: pytest.FixtureRequest, qtbot: QtBot, qapp: QApplication
) -> Iterator[KioskWindow]:
    install_font(qapp)
    win = KioskWindow()
    qtbot.addWidget(win)
    win.setFixedSize(*SIZES[request.param])  # as the kiosk and the demo size the panel
    win.show()
    qtbot.waitExposed(win)
    win.setProperty("panel", SIZES[request.param])
    yield win


def audit_all(win: KioskWindow) -> list[dict[str, object]]:
    frame = QImage(640, 480, QImage.Format.Format_RGB32)
    frame.fill(QColor("#806040"))  # a camera picture: the preview must not disturb the texts
    results = []
    for name, (step, view) in STATES.items():
        win.show_step(step, view)
        if name == "face_capture":
            win.show_frame(frame)
        results.append(audit(win, name, win.property("panel")))
    return results


def test_every_state_renders_text_and_targets(window: KioskWindow) -> None:
    results = audit_all(window)
    assert [r["name"] for r in results] == list(STATES)
    for result in results:
        assert result["min_font_px"] is not None, result
        assert result["min_target_px"] is not None, result  # call staff / replay everywhere


def test_text_size_touch_targets_and_contrast_meet_the_targets(window: KioskWindow) -> None:
    for result in audit_all(window):
        assert result["min_font_px"] >= TARGET_FONT_PX, result
        assert result["min_target_px"] >= TARGET_TOUCH_PX, result
        assert result["min_contrast"] >= TARGET_CONTRAST, result


def test_nothing_is_clipped_or_off_the_panel(window: KioskWindow) -> None:
    panel = window.property("panel")
    assert window.size().toTuple() == tuple(panel)
    clipped = {r["name"]: r["clipped"] for r in audit_all(window) if r["clipped"]}
    assert clipped == {}
