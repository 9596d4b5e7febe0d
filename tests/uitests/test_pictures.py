"""The resident screens' drawn pictures and layout, on the real window in both orientations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QFontMetrics, QImage
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from screens.audit import audit, shortfalls
from screens.base import StepScreen
from screens.face_capture import FaceCaptureScreen
from screens.picture_screens import RatingButton
from screens.pictures import (
    ACTIONS,
    ActionPictogram,
    Animated,
    BusyIndicator,
    CardPicture,
    FaceIcon,
)
from screens.states import STATES
from screens.texts import GUIDANCE_TEXT
from screens.theme import install_font
from screens.widgets import HAN, phrase_lines
from screens.window import KioskWindow

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


@pytest.fixture(params=list(SIZES))
def window(
    request: pytest.FixtureRequest, qtbot: QtBot, qapp: QApplication
) -> Iterator[KioskWindow]:
    install_font(qapp)
    win = KioskWindow()
    qtbot.addWidget(win)
    win.setFixedSize(*SIZES[request.param])
    win.show()
    qtbot.waitExposed(win)
    yield win


def show(win: KioskWindow, state: str) -> StepScreen:
    step, view = STATES[state]
    screen = win.show_step(step, view)
    QApplication.processEvents()
    return screen


def camera_frame() -> QImage:
    frame = QImage(640, 480, QImage.Format.Format_RGB32)
    frame.fill(QColor("#806040"))
    return frame


def rendered(widget: QWidget, width: int = 300, height: int = 300) -> QImage:
    widget.resize(width, height)
    return widget.grab().toImage()


# -- pictures -------------------------------------------------------------------------------
def test_each_action_has_its_own_pictogram(qtbot: QtBot) -> None:
    picture = ActionPictogram()
    qtbot.addWidget(picture)
    images = {}
    for action in ACTIONS:
        picture.set_action(action)
        picture.phase = 0.5  # mid-action: eyes shut, mouth open, head turned or down
        images[action] = rendered(picture)
    blank = rendered(ActionPictogram())
    assert all(image != blank for image in images.values())
    assert len({bytes(image.constBits()) for image in images.values()}) == len(ACTIONS)


def test_pictograms_move(qtbot: QtBot) -> None:
    for picture in (CardPicture(), ActionPictogram()):
        qtbot.addWidget(picture)
        if isinstance(picture, ActionPictogram):
            picture.set_action("turn_right")
        picture.phase = 0.0
        start = rendered(picture, 640, 460)
        picture.phase = 0.4
        assert rendered(picture, 640, 460) != start, type(picture).__name__


def test_card_comes_down_onto_the_reader_and_rests_there(qtbot: QtBot) -> None:
    picture = CardPicture()
    qtbot.addWidget(picture)
    heights = []
    for step in range(10):
        picture.phase = step / 10
        heights.append(picture.card_offset())
    assert heights[0] == pytest.approx(1.0)
    assert heights[:6] == sorted(heights[:6], reverse=True)  # only ever going down
    assert heights[5:] == [0.0] * 5  # then resting on the reader


def test_rating_faces_go_from_unhappy_to_happy(qtbot: QtBot) -> None:
    images = []
    for score in range(1, 6):
        face = FaceIcon(score)
        qtbot.addWidget(face)
        images.append(rendered(face, 160, 160))
    assert len({bytes(image.constBits()) for image in images}) == 5


def test_animations_tick_only_while_their_screen_is_shown(window: KioskWindow) -> None:
    pictures = {
        "read_card": CardPicture,
        "matching": BusyIndicator,
        "face_capture": ActionPictogram,
    }
    for state, kind in pictures.items():
        screen = show(window, state)
        shown = [w for w in screen.findChildren(kind) if w.isVisible()]
        assert shown and all(w.timer.isActive() for w in shown), state
        show(window, "welcome")
        assert not any(w.timer.isActive() for w in screen.findChildren(Animated)), state
    idle = [w for w in window.findChildren(Animated) if w.timer.isActive()]
    assert idle == []  # the welcome screen has nothing ticking


def test_busy_indicator_on_every_wait_but_not_on_a_failed_print(window: KioskWindow) -> None:
    for state in ("matching", "lookup", "printing"):
        busy = show(window, state).findChild(BusyIndicator)
        assert busy is not None and busy.isVisible(), state
    busy = show(window, "print_paper_out").findChild(BusyIndicator)
    assert busy is not None and not busy.isVisible()


# -- face capture ---------------------------------------------------------------------------
def test_preview_is_large_and_the_oval_in_proportion(window: KioskWindow) -> None:
    screen = show(window, "face_capture")
    assert isinstance(screen, FaceCaptureScreen)
    window.show_frame(camera_frame())
    QApplication.processEvents()
    picture = screen.preview.picture_rect()
    oval = screen.preview.oval_rect()
    panel_w, panel_h = window.width(), window.height()
    # The old fixed preview was 640x480 on both panels.
    assert picture.width() >= 0.42 * panel_w and picture.height() >= 0.38 * min(panel_w, panel_h)
    assert picture.width() / picture.height() == pytest.approx(4 / 3, rel=0.01)
    assert oval.width() / picture.width() == pytest.approx(0.44, rel=0.01)
    assert oval.height() / picture.height() == pytest.approx(0.8, rel=0.01)
    assert picture.contains(oval)


def test_action_count_is_a_label_above_a_bar_without_text(window: KioskWindow) -> None:
    screen = show(window, "face_capture")
    assert isinstance(screen, FaceCaptureScreen)
    assert screen.findChildren(QProgressBar) == []
    assert screen.progress.text() == "第 1 个动作，共 2 个"
    assert (screen.dots.current, screen.dots.total) == (1, 2)
    top_of_dots = screen.dots.mapTo(screen, QPoint(0, 0)).y()
    assert screen.progress.mapTo(screen, QPoint(0, 0)).y() < top_of_dots
    assert screen.pictogram.isVisible() and screen.pictogram.action == "turn_left"


def test_retry_shows_no_preview_and_no_gap(window: KioskWindow) -> None:
    screen = show(window, "face_retry")
    assert not screen.content_box.isVisible()


# -- rating ---------------------------------------------------------------------------------
def test_five_faces_with_their_words_all_alike(window: KioskWindow) -> None:
    screen = show(window, "rate")
    buttons = [screen.findChild(QPushButton, f"rate_{score}") for score in range(1, 6)]
    assert all(isinstance(b, RatingButton) for b in buttons)
    words = [b.findChild(QLabel).raw_text() for b in buttons]  # type: ignore[union-attr]
    assert words == ["很不满意", "不满意", "一般", "满意", "很满意"]
    # Same colour for every face's button: no nudging towards "very happy".
    assert len({b.property("role") for b in buttons}) == 1  # type: ignore[union-attr]
    grab = window.grab().toImage()
    fills = {
        grab.pixelColor(b.mapTo(window, QPoint(12, b.height() // 2))).name()  # type: ignore[union-attr]
        for b in buttons
    }
    assert len(fills) == 1
    xs = [b.mapTo(window, QPoint(0, 0)).x() for b in buttons]  # type: ignore[union-attr]
    assert xs == sorted(xs)  # one row, unhappy on the left


# -- layout ---------------------------------------------------------------------------------
def test_content_is_centred_between_step_and_footer(window: KioskWindow) -> None:
    for state in ("read_card", "welcome", "result_verified", "matching"):
        screen = show(window, state)
        top = screen.step_label.geometry().bottom() if screen.step_label.isVisible() else 0
        footer = screen.replay_button.mapTo(screen, QPoint(0, 0)).y()
        title = screen.title.geometry().top()
        visible = [w for w in screen.findChildren(QWidget) if w.isVisible()]
        block_bottom = max(
            w.mapTo(screen, QPoint(0, w.height())).y()
            for w in visible
            if w.mapTo(screen, QPoint(0, 0)).y() < footer - 1 and w is not screen
        )
        gap_above, gap_below = title - top, footer - block_bottom
        assert abs(gap_above - gap_below) <= 0.1 * window.height() + 48, state


def test_help_explains_before_the_staff_button(window: KioskWindow) -> None:
    screen = show(window, "help")
    staff = screen.findChild(QPushButton, "staff_unlock")
    assert staff is not None
    assert screen.body.mapTo(screen, QPoint(0, 0)).y() < staff.mapTo(screen, QPoint(0, 0)).y()


def test_no_call_staff_button_where_staff_are_already_called(window: KioskWindow) -> None:
    for state in ("help", "device_fault"):
        assert not show(window, state).help_button.isVisible(), state
    assert show(window, "read_card").help_button.isVisible()
    step, view = STATES["matching"]
    assert not window.show_step(step, replace(view, staff_called=True)).help_button.isVisible()


def test_no_line_is_a_lone_character(window: KioskWindow) -> None:
    for state, (step, view) in STATES.items():
        screen = window.show_step(step, view)
        QApplication.processEvents()
        for text in (screen.title.text(), screen.body.text()):
            for line in text.split("\n"):
                assert len(HAN.findall(line)) != 1 or len(line) > 2, (state, text)


def test_phrase_lines_break_at_phrase_ends(qapp: QApplication) -> None:
    install_font(qapp)
    font = qapp.font()
    font.setPixelSize(44)
    metrics = QFontMetrics(font)
    text = "打印机没有纸了。您的凭证已经保存，可以稍后补打。"
    lines = phrase_lines(text, metrics, 760).split("\n")
    assert lines == ["打印机没有纸了。", "您的凭证已经保存，可以稍后补打。"]
    narrow = phrase_lines(text, metrics, 420).split("\n")
    assert "".join(narrow) == text
    assert all(metrics.horizontalAdvance(line) <= 420 for line in narrow)
    assert min(len(line) for line in narrow) >= 3
    assert phrase_lines(text, metrics, 5000) == text  # fits: untouched
    assert phrase_lines("Paper is out. Your receipt is kept.", metrics, 300) == (
        "Paper is out. Your receipt is kept."  # words: Qt's own wrap
    )


def test_staff_pin_pad_fits_and_the_explanation_comes_back(window: KioskWindow) -> None:
    screen = show(window, "help")
    unlock = screen.findChild(QPushButton, "staff_unlock")
    assert unlock is not None
    unlock.click()
    QApplication.processEvents()
    assert screen.findChild(QPushButton, "pin_ok").isVisible()  # type: ignore[union-attr]
    assert not screen.body.isVisible()
    result = audit(window, "help_pin", (window.width(), window.height()))
    assert shortfalls(result) == []
    unlock.click()
    assert screen.body.isVisible()
    dismiss = screen.findChild(QPushButton, "help_dismiss")
    assert dismiss is not None and dismiss.isVisible()


def test_every_face_guidance_fits_beside_or_under_the_preview(window: KioskWindow) -> None:
    step, view = STATES["face_capture"]
    window.show_step(step, view)
    window.show_frame(camera_frame())
    for code in GUIDANCE_TEXT:
        guided = replace(view, face=replace(view.face, guidance_code=code))
        screen = window.show_step(step, guided)
        assert screen.body.isVisible(), code
        assert shortfalls(audit(window, code, (window.width(), window.height()))) == [], code
