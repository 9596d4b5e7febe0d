"""The audit over the real kiosk screens, in both orientations and every locale, against the
issue's targets (an English text is often longer than its Chinese source)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QFontInfo, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.flow.model import Step
from kiosk.i18n import build, install_translator, locales
from kiosk.i18n.extract import I18N_DIR
from screens.audit import TARGET_CONTRAST, TARGET_FONT_PX, TARGET_TOUCH_PX, audit
from screens.states import STATES, guidance_states, reason_states
from screens.theme import BUTTON_PX as GUIDANCE_PX
from screens.theme import install_font
from screens.window import KioskWindow

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
LOCALES = locales()  # zh_CN and every translation file
AUDITED = {**STATES, **guidance_states(), **reason_states()}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checked-in .ts files compiled afresh (not whatever .qm setup left behind)."""
    folder = tmp_path_factory.mktemp("i18n")
    for ts in I18N_DIR.glob("kiosk_*.ts"):
        shutil.copy(ts, folder / ts.name)
    build(folder, force=True)
    return folder


@pytest.fixture(params=LOCALES)
def locale(request: pytest.FixtureRequest, qapp: QApplication, compiled: Path) -> Iterator[str]:
    install_translator(qapp, request.param, folder=compiled, strict=True)
    yield request.param
    install_translator(qapp, "zh_CN")  # later tests see the source language again


@pytest.fixture(params=list(SIZES))
def window(
    request: pytest.FixtureRequest, qtbot: QtBot, qapp: QApplication, locale: str
) -> Iterator[KioskWindow]:
    install_font(qapp)
    win = KioskWindow()  # built after the translator: its fixed texts are in `locale` too
    qtbot.addWidget(win)
    win.setFixedSize(*SIZES[request.param])  # as the kiosk and the demo size the panel
    win.show()
    qtbot.waitExposed(win)
    win.setProperty("panel", SIZES[request.param])
    yield win


def audit_all(win: KioskWindow) -> list[dict[str, Any]]:
    frame = QImage(640, 480, QImage.Format.Format_RGB32)
    frame.fill(QColor("#806040"))  # a camera picture: the preview must not disturb the texts
    results = []
    for name, (step, view) in AUDITED.items():
        win.show_step(step, view)
        if step == Step.FACE_CAPTURE:
            win.show_frame(frame)
        results.append(audit(win, name, win.property("panel")))
    return results


_AUDITS: dict[tuple[str, tuple[int, int]], list[dict[str, Any]]] = {}


@pytest.fixture
def results(window: KioskWindow, locale: str) -> list[dict[str, Any]]:
    """The audit of every state for this locale and panel (measured once: ~2 s a pass)."""
    key = (locale, tuple(window.property("panel")))
    if key not in _AUDITS:
        _AUDITS[key] = audit_all(window)
    return _AUDITS[key]


def test_every_state_renders_text_and_targets(results: list[dict[str, Any]]) -> None:
    assert [r["name"] for r in results] == list(AUDITED)
    for result in results:
        assert result["min_font_px"] is not None, result
        assert result["min_target_px"] is not None, result  # call staff / replay everywhere


def test_text_size_touch_targets_and_contrast_meet_the_targets(
    results: list[dict[str, Any]],
) -> None:
    for result in results:
        assert result["min_font_px"] >= TARGET_FONT_PX, result
        assert result["min_target_px"] >= TARGET_TOUCH_PX, result
        assert result["min_contrast"] >= TARGET_CONTRAST, result


def test_nothing_is_clipped_or_off_the_panel(
    window: KioskWindow, results: list[dict[str, Any]]
) -> None:
    panel = window.property("panel")
    assert window.size().toTuple() == tuple(panel)
    clipped = {r["name"]: r["clipped"] for r in results if r["clipped"]}
    assert clipped == {}


def test_long_english_guidance_is_drawn_smaller_but_never_below_the_floor(
    window: KioskWindow, locale: str
) -> None:
    """The column beside the landscape preview shrinks a text that needs more lines than it
    has, instead of cutting it; the portrait screen has room and keeps the full sizes."""
    step, view = AUDITED["face_guidance_too_dark"]
    screen = window.show_step(step, view)
    body = QFontInfo(screen.body.font()).pixelSize()
    landscape = window.width() > window.height()
    if landscape and locale == "en":
        assert TARGET_FONT_PX <= body < GUIDANCE_PX
    else:
        assert body == GUIDANCE_PX
