"""Default voice prompts: every screen has one in every locale, and espeak-ng renders them.

Rendering runs the real espeak-ng (installed by ./dev setup) into a temporary folder.
"""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import pytest

from kiosk.face.liveness import Restart
from kiosk.face.quality import Guidance
from kiosk.flow.model import Step
from kiosk.voice.prompts import GUIDANCE_PROMPTS, PROMPTS_BY_LOCALE, PROMPTS_ZH
from kiosk.voice.render import render_all, render_locale
from screens.texts import GUIDANCE_TEXT


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        assert w.getnchannels() == 1
        return w.getnframes() / w.getframerate()


@pytest.mark.parametrize("locale", sorted(PROMPTS_BY_LOCALE))
def test_every_locale_has_the_same_prompts_as_mandarin(locale: str) -> None:
    _voice, texts = PROMPTS_BY_LOCALE[locale]
    assert set(texts) == set(PROMPTS_ZH)
    assert all(text.strip() for text in texts.values())


@pytest.mark.parametrize("step", list(Step))
def test_every_screen_the_flow_shows_has_a_prompt(step: Step) -> None:
    # The flow plays `screen.<step>` whenever it shows a step.
    for _voice, texts in PROMPTS_BY_LOCALE.values():
        assert f"screen.{step.value}" in texts


def test_english_prompts_render_to_speech_once(tmp_path: Path) -> None:
    assert shutil.which("espeak-ng"), "espeak-ng is installed by ./dev setup"
    written = render_locale(tmp_path / "en", "en")
    assert written == len(PROMPTS_ZH)
    for prompt_id, text in PROMPTS_BY_LOCALE["en"][1].items():
        seconds = wav_seconds(tmp_path / "en" / f"{prompt_id}.wav")
        # Speech, not an empty file: at least ~0.1 s per word at 130 words a minute.
        assert seconds > 0.1 * len(text.split()), prompt_id
    assert render_locale(tmp_path / "en", "en") == 0  # up to date: nothing rewritten


def test_a_changed_text_renders_again_only_that_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    render_all(tmp_path, locales=["zh_CN"])
    before = json.loads((tmp_path / "zh_CN" / "index.json").read_text())
    voice, texts = PROMPTS_BY_LOCALE["zh_CN"]
    changed = dict(texts, **{"face.blink": "请眨一眨眼睛。"})
    monkeypatch.setitem(PROMPTS_BY_LOCALE, "zh_CN", (voice, changed))
    assert render_all(tmp_path, locales=["zh_CN"]) == 1
    after = json.loads((tmp_path / "zh_CN" / "index.json").read_text())
    assert {k for k in after if after[k] != before[k]} == {"face.blink"}


def test_all_locales_go_into_their_own_folders(tmp_path: Path) -> None:
    assert render_all(tmp_path) == len(PROMPTS_ZH) * len(PROMPTS_BY_LOCALE)
    for locale in PROMPTS_BY_LOCALE:
        assert (tmp_path / locale / "screen.idle.wav").stat().st_size > 1000


def test_every_face_guidance_has_a_prompt_in_every_locale() -> None:
    # What the face engine can ask the resident to fix (quality Guidance, liveness Restart)
    # is spoken as well as shown: each code maps to a prompt every locale has.
    codes = {str(g) for g in Guidance} | {str(r) for r in Restart}
    assert set(GUIDANCE_PROMPTS) == codes
    assert set(GUIDANCE_TEXT) == codes  # and shown: the screens have a text for each
    for _voice, texts in PROMPTS_BY_LOCALE.values():
        assert {p for p in GUIDANCE_PROMPTS.values() if p not in texts} == set()
    assert len(set(GUIDANCE_PROMPTS.values())) == len(GUIDANCE_PROMPTS)  # each its own words
