"""The neural voice's prompts as a resident hears them: every prompt of both locales rendered by
Kokoro, non-silent, unclipped, at one loudness, with pauses at punctuation and sandhi applied.

These run the real model (kokoro-onnx on onnxruntime, the four model parts from the lock).
Rendering every prompt takes minutes on two cores, so the check reuses the set-up's rendered
folder (kiosk/voice/prompts) and first renders into it whatever is not yet the neural voice's
render of the current text (what `python -m kiosk.voice.render --engine neural` would do);
each file is then verified by its manifest entry (engine, style, digest of text and recipe)
and measured from the WAV itself.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from kiosk.voice import neural
from kiosk.voice.loudness import CEILING_DBTP, TARGET_LUFS
from kiosk.voice.pinyin import pinyin_line
from kiosk.voice.prompts import PROMPTS_BY_LOCALE, PROMPTS_ZH, VOICES
from kiosk.voice.render import DEFAULT_ROOT, digest, main, read_manifest, render_all
from kiosk.voice.report import BEGIN, END, level_of, read_wav

REPO = Path(__file__).resolve().parent.parent
LOCALES = sorted(PROMPTS_BY_LOCALE)


@pytest.fixture(scope="module")
def neural_prompts() -> Path:
    assert neural.missing() == "", "the neural voice is in requirements.lock (./dev setup)"
    render_all(DEFAULT_ROOT, locales=LOCALES, voices=["female"], engine="neural")
    return DEFAULT_ROOT


def active_fraction(samples: np.ndarray, rate: int) -> float:
    """Share of 50 ms windows louder than -40 dBFS RMS (speech, not silence or hiss)."""
    win = rate // 20
    frames = samples[: len(samples) // win * win].reshape(-1, win)
    rms = np.sqrt((frames**2).mean(axis=1))
    return float((rms > 10 ** (-40 / 20)).mean())


def pauses(samples: np.ndarray, rate: int, at_least_s: float) -> list[float]:
    """Lengths of the silent stretches inside the speech (10 ms windows under -50 dBFS)."""
    win = rate // 100
    frames = samples[: len(samples) // win * win].reshape(-1, win)
    quiet = np.sqrt((frames**2).mean(axis=1)) < 10 ** (-50 / 20)
    loud = np.flatnonzero(~quiet)
    runs, length = [], 0
    for q in quiet[loud[0] : loud[-1]]:
        length = length + 1 if q else 0
        if length == 1:
            runs.append(0)
        if q:
            runs[-1] = length
    return [n / 100 for n in runs if n / 100 >= at_least_s]


def median_f0(samples: np.ndarray, rate: int) -> float:
    """Median pitch of the voiced 40 ms frames, by autocorrelation (70 to 400 Hz)."""
    win, hop = int(0.04 * rate), int(0.01 * rate)
    lo, hi = rate // 400, rate // 70
    found = []
    for start in range(0, len(samples) - win, hop):
        frame = samples[start : start + win] - samples[start : start + win].mean()
        if np.sqrt((frame**2).mean()) < 0.03:
            continue
        ac = np.correlate(frame, frame, mode="full")[win - 1 :]
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.5 * ac[0]:  # clearly periodic: voiced
            found.append(rate / lag)
    assert len(found) > 10, "no voiced frames found"
    return float(np.median(found))


@pytest.mark.slow
@pytest.mark.parametrize("locale", LOCALES)
def test_every_prompt_is_the_neural_voice_loud_enough_and_unclipped(
    neural_prompts: Path, locale: str
) -> None:
    folder = neural_prompts / locale / "female"
    entries = read_manifest(folder)["prompts"]
    style = VOICES["female"][locale]
    levels = {}
    for prompt_id, text in PROMPTS_BY_LOCALE[locale][1].items():
        entry = entries[prompt_id]
        assert (entry["engine"], entry["style"]) == (neural.ENGINE, style), prompt_id
        assert entry["digest"] == digest(neural.ENGINE, style, text), prompt_id
        wav = folder / f"{prompt_id}.wav"
        with wave.open(str(wav)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, neural.RATE)
        samples, rate = read_wav(wav)
        level = level_of(wav)
        assert active_fraction(samples, rate) > 0.4, prompt_id  # speech, not silence
        assert level.seconds > 0.15 * len(text.split() if locale == "en" else text), prompt_id
        assert level.lufs == pytest.approx(TARGET_LUFS, abs=1.0), prompt_id
        assert level.true_peak_dbtp <= CEILING_DBTP + 0.1, prompt_id  # + 16-bit rounding
        assert level.sample_peak_dbfs < -0.5, prompt_id  # never a clipped sample
        levels[prompt_id] = level.lufs
    # No prompt quieter than another: the whole locale within 1 LU.
    assert max(levels.values()) - min(levels.values()) <= 1.0


@pytest.mark.slow
def test_rendering_again_changes_nothing(neural_prompts: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in neural_prompts.rglob("*.wav")}
    assert render_all(neural_prompts, locales=LOCALES, engine="neural") == 0
    assert render_all(neural_prompts, locales=["en"], engine="espeak") == 0  # ./dev setup's
    assert {p: p.stat().st_mtime_ns for p in neural_prompts.rglob("*.wav")} == before


@pytest.mark.slow
def test_pauses_follow_the_punctuation(neural_prompts: Path) -> None:
    # 您好，欢迎使用自助服务。请点击屏幕上的大按钮，选择您要办理的事情。: two commas, one full stop.
    samples, rate = read_wav(neural_prompts / "zh_CN" / "female" / "screen.idle.wav")
    gaps = pauses(samples, rate, at_least_s=0.2)
    assert len(gaps) >= 3, gaps
    assert max(gaps) >= neural.SENTENCE_PAUSE_S - 0.05, gaps


@pytest.mark.slow
@pytest.mark.parametrize(
    ("prompt_id", "heard"),
    [
        ("screen.idle", "nin2hao3,"),
        ("screen.read_card", "qing2 ba3"),
        ("screen.read_card", "bu2yao4 yi2dong4"),
        ("screen.consent", "yi2xia4"),
        ("screen.consent", "bu4xiang3"),
        ("face.retry", "yi2ci4"),
        ("card.take_back", "qing2 qu3hui2"),
    ],
)
def test_the_manifest_records_the_pinyin_spoken_after_sandhi(
    neural_prompts: Path, prompt_id: str, heard: str
) -> None:
    entry = read_manifest(neural_prompts / "zh_CN" / "female")["prompts"][prompt_id]
    assert heard in entry["spoken"]


@pytest.mark.slow
def test_the_male_voice_is_a_lower_voice(neural_prompts: Path, tmp_path: Path) -> None:
    prompt = "screen.read_card"
    assert render_all(
        tmp_path, locales=["zh_CN"], voices=["male"], prompts=[prompt], engine="neural", workers=1
    )
    entry = read_manifest(tmp_path / "zh_CN" / "male")["prompts"][prompt]
    assert entry["style"] == VOICES["male"]["zh_CN"]
    male = median_f0(*read_wav(tmp_path / "zh_CN" / "male" / f"{prompt}.wav"))
    female = median_f0(*read_wav(neural_prompts / "zh_CN" / "female" / f"{prompt}.wav"))
    assert male < 0.75 * female, (male, female)
    assert level_of(tmp_path / "zh_CN" / "male" / f"{prompt}.wav").lufs == pytest.approx(
        TARGET_LUFS, abs=1.0
    )


def test_the_docs_list_every_prompt_with_the_pinyin_spoken() -> None:
    doc = (REPO / "docs" / "voice.md").read_text()
    assert BEGIN in doc and END in doc
    generated = doc.split(BEGIN, 1)[1].split(END, 1)[0]
    for prompt_id, text in PROMPTS_ZH.items():
        row = f"| {prompt_id} | {text} | {pinyin_line(text, marks=False)} |"
        assert row in generated, prompt_id


def test_a_text_the_voice_cannot_say_fails_clearly_and_keeps_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    voice, texts = PROMPTS_BY_LOCALE["zh_CN"]
    monkeypatch.setitem(
        PROMPTS_BY_LOCALE, "zh_CN", (voice, dict(texts, **{"face.nod": "请按OK键。"}))
    )
    args = ["--out", str(tmp_path), "--locale", "zh_CN", "--engine", "neural", "--workers", "1"]
    assert main([*args, "--prompt", "face.blink", "--prompt", "face.nod"]) == 1
    assert "not Chinese characters in '请按OK键。'" in capsys.readouterr().err
    folder = tmp_path / "zh_CN" / "female"
    assert (folder / "face.blink.wav").is_file()  # rendered before the bad one: kept
    assert not (folder / "face.nod.wav").exists()
    assert set(read_manifest(folder)["prompts"]) == {"face.blink"}
