"""One loudness for every prompt, never clipped (kiosk/voice/loudness.py, real pyloudnorm/scipy).

The signals are made here: speech-like bursts (noise shaped by a syllable envelope) at very
different levels, and one with sharp clicks far above its loudness that only a limiter can
bring to the target without clipping.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.voice.loudness import (
    CEILING_DBTP,
    TARGET_LUFS,
    LoudnessError,
    measure,
    normalise,
    true_peak,
)

RATE = 24_000


def syllables(seconds: float, level: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = np.clip(np.sin(2 * np.pi * 3.0 * t), 0, None) ** 2  # ~6 syllables a second
    voiced = np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 360 * t)
    return level * envelope * (voiced + 0.2 * rng.standard_normal(len(t)))


@pytest.mark.parametrize("level", [0.01, 0.2, 0.9])
def test_quiet_and_loud_prompts_come_out_equally_loud(level: float) -> None:
    out = normalise(syllables(3.0, level, seed=1), RATE)
    got = measure(out, RATE)
    assert got.lufs == pytest.approx(TARGET_LUFS, abs=0.1)
    assert got.true_peak_dbtp <= CEILING_DBTP + 0.05
    assert got.sample_peak_dbfs < 0


def test_peaks_far_above_the_loudness_are_limited_not_clipped() -> None:
    x = syllables(3.0, 0.05, seed=2)
    x[RATE // 2 :: RATE // 2] = 0.9  # clicks: crest factor far beyond the ceiling at -18 LUFS
    raw = measure(x, RATE)
    assert raw.true_peak_dbtp - raw.lufs > (CEILING_DBTP - TARGET_LUFS) + 3  # needs limiting
    out = normalise(x, RATE)
    got = measure(out, RATE)
    assert got.lufs == pytest.approx(TARGET_LUFS, abs=0.5)
    assert true_peak(out) <= 10 ** (CEILING_DBTP / 20) * 1.005


def test_too_short_or_silent_audio_is_a_clear_error() -> None:
    with pytest.raises(LoudnessError, match="too short"):
        measure(syllables(0.2, 0.5, seed=3), RATE)
    with pytest.raises(LoudnessError, match="silent"):
        measure(np.zeros(RATE), RATE)
