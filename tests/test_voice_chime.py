"""The staff call chime as committed (kiosk/voice/chime.wav): the level docs/voice.md states,
louder than every rendered prompt, its two tones, and the file is the generator's render."""

from __future__ import annotations

import glob
import io
import wave
from pathlib import Path

import numpy as np
import pytest

from kiosk.voice.chime_render import CHIME_FILE, CHIME_LUFS, TONES_HZ, synthesize, wav_bytes
from kiosk.voice.loudness import CEILING_DBTP, TARGET_LUFS, measure
from kiosk.voice.player import PROMPTS_ROOT


def read(source: Path | bytes) -> tuple[np.ndarray, int]:
    opened = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    with wave.open(opened) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        frames = w.readframes(w.getnframes())
        return np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768, w.getframerate()


def test_the_committed_chime_has_its_documented_level_and_tones() -> None:
    samples, rate = read(CHIME_FILE)
    level = measure(samples, rate)
    assert level.lufs == pytest.approx(CHIME_LUFS, abs=0.2)  # -10 LUFS: docs/voice.md
    assert level.true_peak_dbtp <= CEILING_DBTP + 0.1
    assert level.seconds == pytest.approx(1.3, abs=0.05)
    assert CHIME_FILE.stat().st_size < 64_000  # small enough to commit
    for half, hz in zip((samples[: rate // 3], samples[rate // 2 :]), TONES_HZ, strict=True):
        spectrum = np.abs(np.fft.rfft(half))
        assert np.fft.rfftfreq(len(half), 1 / rate)[spectrum.argmax()] == pytest.approx(hz, abs=5)


def test_the_chime_is_louder_than_every_prompt() -> None:
    chime = measure(*read(CHIME_FILE)).lufs
    files = glob.glob(str(PROMPTS_ROOT / "*" / "*" / "*.wav"))
    if not files:
        pytest.skip("no rendered prompts: ./dev setup renders them")
    loudest = max(measure(*read(Path(f))).lufs for f in files)
    assert loudest == pytest.approx(TARGET_LUFS, abs=0.2)
    assert chime - loudest >= 7.5  # 8 LU over the prompts


def test_the_committed_file_is_the_generators_render() -> None:
    committed, rate = read(CHIME_FILE)
    made, _ = read(wav_bytes(synthesize()))
    # Byte for byte on this machine; within a least significant bit wherever scipy differs.
    assert len(made) == len(committed) and rate == 16_000
    assert np.abs(made - committed).max() <= 2 / 32768
