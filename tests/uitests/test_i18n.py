"""Translations: every screen string has one in every locale, and the screens really change."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.flow.model import Step
from kiosk.flow.view import StepView
from kiosk.i18n import I18nError, build, install_translator, locales, ts_path, update
from kiosk.i18n.extract import HAN, I18N_DIR, Message, read_ts, scan, scan_file, write_ts
from screens.states import STATES
from screens.window import KioskWindow

View = StepView

TRANSLATED = [loc for loc in locales() if loc != "zh_CN"]


def data_texts(view: StepView) -> set[str]:
    """Data, not screen text: the resident's masked name, the service point's name (config)."""
    return {view.masked_name, view.around.service_point}


PLACEHOLDER = re.compile(r"\{\w+\}|%[vmp]")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checked-in .ts files compiled afresh (not whatever .qm setup left behind)."""
    folder = tmp_path_factory.mktemp("i18n")
    for ts in I18N_DIR.glob("kiosk_*.ts"):
        shutil.copy(ts, folder / ts.name)
    assert len(build(folder, force=True)) == len(TRANSLATED)
    return folder


@pytest.fixture
def translated(qapp: QApplication, compiled: Path) -> Iterator[Path]:
    yield compiled
    install_translator(qapp, "zh_CN")  # later tests see the source language again


def test_english_is_there() -> None:
    assert "en" in TRANSLATED


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_screen_string_has_a_finished_translation(locale: str) -> None:
    messages = read_ts(ts_path(locale))
    sources = scan()
    assert len(sources) > 50  # the scan found the screens' strings at all
    missing = [s for s in sources if s not in messages or not messages[s].translation.strip()]
    unfinished = [s for s in sources if s in messages and not messages[s].finished]
    assert missing == []
    assert unfinished == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_the_placeholders(locale: str) -> None:
    messages = read_ts(ts_path(locale))
    for source in scan():
        want = sorted(PLACEHOLDER.findall(source))
        assert sorted(PLACEHOLDER.findall(messages[source].translation)) == want, source


def test_ts_file_is_in_step_with_the_sources(tmp_path: Path) -> None:
    """`python -m kiosk.i18n update` would change nothing: no string was added unseen."""
    copy = tmp_path / "kiosk_en.ts"
    shutil.copy(ts_path("en"), copy)
    counts = update(tmp_path)
    assert counts["en"]["unfinished"] == 0
    assert counts["en"]["vanished"] == 0
    assert counts["en"]["sources"] == len(scan())


def test_compiled_translation_translates_every_string(qapp: QApplication, translated: Path) -> None:
    messages = read_ts(ts_path("en"))
    assert install_translator(qapp, "en", folder=translated, strict=True) is not None
    for source in scan():
        assert QCoreApplication.translate("kiosk", source) == messages[source].translation
    install_translator(qapp, "zh_CN")
    assert QCoreApplication.translate("kiosk", "确定") == "确定"


def chinese_on_english_screens(
    qapp: QApplication, qtbot: QtBot, folder: Path, states: dict[str, tuple[Step, View]]
) -> dict[str, list[str]]:
    install_translator(qapp, "en", folder=folder, strict=True)
    window = KioskWindow()  # built after the translator: its fixed texts are English too
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    masked = set().union(*(data_texts(view) for _step, view in states.values()))
    found = {}
    for name, (step, view) in states.items():
        screen = window.show_step(step, view)
        shown = [
            w.text()
            for w in screen.findChildren(QLabel) + screen.findChildren(QPushButton)
            if w.isVisibleTo(window) and w.text()
        ]
        assert shown, name
        chinese = [t for t in shown if HAN.search(t) and not any(m and m in t for m in masked)]
        if chinese:
            found[name] = chinese
    return found


def test_english_screens_show_no_chinese(
    qapp: QApplication, qtbot: QtBot, translated: Path
) -> None:
    # Face guidance comes from the face engine as Chinese text: see the test below.
    states = {
        name: (step, replace(view, face=replace(view.face, guidance_text="")))
        for name, (step, view) in STATES.items()
    }
    assert chinese_on_english_screens(qapp, qtbot, translated, states) == {}


def test_face_guidance_is_translated(qapp: QApplication, qtbot: QtBot, translated: Path) -> None:
    states = {"face_capture": STATES["face_capture"]}
    assert chinese_on_english_screens(qapp, qtbot, translated, states) == {}


def test_missing_compiled_translation(qapp: QApplication, tmp_path: Path) -> None:
    assert install_translator(qapp, "fr", folder=tmp_path) is None  # logged, stays Chinese
    with pytest.raises(I18nError):
        install_translator(qapp, "fr", folder=tmp_path, strict=True)


def test_adding_a_locale_is_adding_a_file(tmp_path: Path) -> None:
    counts = update(tmp_path, add=("fr",))
    assert (tmp_path / "kiosk_fr.ts").exists()
    assert counts["fr"]["sources"] == len(scan())
    assert counts["fr"]["finished"] == 0
    assert "fr" in locales(tmp_path)


def test_merge_keeps_translations_and_marks_vanished_strings(tmp_path: Path) -> None:
    ts = tmp_path / "kiosk_xx.ts"
    sources = {s.text: s for s in scan_file(Path(__file__).parents[2] / "screens" / "base.py")}
    old = {
        "返回上一步": Message("返回上一步", "Zurück", finished=True),
        "早就不用的字": Message("早就不用的字", "Alt", finished=True),
    }
    write_ts(ts, "xx", sources, old)
    merged = read_ts(ts)
    assert merged["返回上一步"].translation == "Zurück"
    assert merged["返回上一步"].finished
    assert merged["早就不用的字"].vanished
    assert not merged["再听一遍"].finished


def test_extractor_finds_table_texts_and_defaults_and_refuses_f_strings(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "TABLE = {'a': '表里的字'}\n"
        "def f(key):\n"
        "    return tr(TABLE.get(key, '默认的字')) + tr('直接的字') + 'not translated 不翻译'\n"
    )
    found = {s.text for s in scan_file(module, tables=True)}
    assert found == {"表里的字", "默认的字", "直接的字"}
    module.write_text("def f(n):\n    return tr(f'第{n}步')\n")
    with pytest.raises(I18nError):
        scan_file(module)


def test_english_technician_panel_shows_no_chinese(
    qapp: QApplication, qtbot: QtBot, translated: Path
) -> None:
    from screens.technician import TechnicianPanel
    from screens.technician_view import DeviceLine, QueueFigures, TechnicianView

    install_translator(qapp, "en", folder=translated, strict=True)
    panel = TechnicianPanel()
    qtbot.addWidget(panel)
    panel.render_view(
        TechnicianView(
            devices={"card_reader": DeviceLine("ready", ok=True)},
            queue=QueueFigures(pending=1, oldest_pending_age_s=120.0),
            backlog=(("2026-11-24", 1),),
        )
    )
    panel.show()
    shown = [
        w.text()
        for w in panel.findChildren(QLabel) + panel.findChildren(QPushButton)
        if w.isVisibleTo(panel) and w.text()
    ]
    assert len(shown) > 8
    assert [t for t in shown if HAN.search(t)] == []


def test_the_panels_platform_answers_line_is_translated(
    qapp: QApplication, translated: Path
) -> None:
    from kiosk.qt.technician.view import answers_text
    from kiosk.technician.status import AnswersFigures

    held = AnswersFigures(3, 2, "held", templates=120, kib=300, age_days=1.25)
    install_translator(qapp, "en", folder=translated, strict=True)
    assert answers_text(held) == (
        "3 decided, 2 awaiting the platform; face roster 120 templates (300 KiB), issued 1.2 d ago"
    )
    assert answers_text(AnswersFigures(0, 0, "none")) == (
        "0 decided, 0 awaiting the platform; no face roster yet"
    )
