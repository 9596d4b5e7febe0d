"""`ui.orientation` says what it does: the kiosk does not rotate the display (the compositor
does), and a full-screen kiosk on a display that stands the other way says so."""

from __future__ import annotations

import pytest

from kiosk.app import orientation_problem


@pytest.mark.parametrize(
    ("orientation", "width", "height", "wrong"),
    [
        ("landscape", 1920, 1080, False),
        ("portrait", 1080, 1920, False),
        ("portrait", 1920, 1080, True),  # a portrait terminal whose output was not rotated
        ("landscape", 1080, 1920, True),
    ],
)
def test_a_display_standing_the_other_way_is_named_with_the_fix(
    orientation: str, width: int, height: int, wrong: bool
) -> None:
    problem = orientation_problem(orientation, width, height)
    assert bool(problem) is wrong
    if wrong:
        assert f"{width}x{height}" in problem and "cage -r" in problem and "xrandr" in problem


def test_a_full_screen_start_on_a_display_standing_the_other_way_logs_it(
    qtbot, caplog: pytest.LogCaptureFixture
) -> None:
    from PySide6.QtWidgets import QWidget

    from config.settings import UiSettings
    from kiosk.cli.run_cmd import show_window

    window = QWidget()
    qtbot.addWidget(window)
    display = window.screen().geometry()  # the offscreen platform's screen
    standing = "portrait" if display.height() > display.width() else "landscape"
    other = "landscape" if standing == "portrait" else "portrait"
    with caplog.at_level("WARNING", logger="kiosk.run"):
        assert show_window(window, UiSettings(orientation=standing)) == ""
        problem = show_window(window, UiSettings(orientation=other))
    assert problem and problem in caplog.text
    assert window.isFullScreen()
    assert show_window(window, UiSettings(orientation=other), windowed=True) == ""
