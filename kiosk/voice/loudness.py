"""One loudness for every prompt (ITU-R BS.1770 / EBU R128), and never a clipped sample.

Each rendered prompt is measured with pyloudnorm (BS.1770-4 integrated loudness, K-weighted and
gated) and scaled to TARGET_LUFS, so that in a noisy village office no prompt is quieter than
another and the volume setting means the same for all of them. Speech rarely peaks more than
~15 dB above its loudness, so at -18 LUFS the peaks stay under the ceiling; when one would not
(a loud syllable, a deployer's text), a look-ahead limiter takes the peak down rather than let
the prompt play quieter or clip. True peak is measured on a 4x oversampled signal (BS.1770-4
Annex 2), which also catches the overs between samples that a DAC would clip.

Imports of scipy and pyloudnorm happen on first use: the kiosk itself never calls this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TARGET_LUFS = -18.0
CEILING_DBTP = -1.0  # true-peak ceiling (EBU R128: -1 dBTP)
OVERSAMPLE = 4
LIMITER_ATTACK_S = 0.005  # look-ahead: the gain is down before the peak arrives
LIMITER_RELEASE_S = 0.08
MIN_SECONDS = 0.4  # BS.1770 gating needs one 400 ms block

Samples = npt.NDArray[np.float64]


class LoudnessError(ValueError):
    """Audio that cannot be measured (too short, or silent)."""


@dataclass(frozen=True)
class Level:
    lufs: float  # integrated loudness, LUFS
    true_peak_dbtp: float
    sample_peak_dbfs: float
    seconds: float


def measure(samples: Samples, rate: int) -> Level:
    """Integrated loudness and peaks of mono float samples in [-1, 1]."""
    import pyloudnorm

    x = np.asarray(samples, dtype=np.float64)
    if len(x) < MIN_SECONDS * rate:
        raise LoudnessError(f"{len(x) / rate:.2f} s is too short to measure (BS.1770 needs 0.4 s)")
    lufs = float(pyloudnorm.Meter(rate).integrated_loudness(x))
    if not np.isfinite(lufs):
        raise LoudnessError("silent audio has no loudness")
    return Level(lufs, _db(true_peak(x)), _db(float(np.abs(x).max())), len(x) / rate)


def true_peak(samples: Samples) -> float:
    """The largest magnitude of the signal reconstructed between samples (4x oversampled)."""
    from scipy.signal import resample_poly

    return float(np.abs(resample_poly(samples, OVERSAMPLE, 1)).max())


def normalise(samples: Samples, rate: int, target_lufs: float = TARGET_LUFS) -> Samples:
    """`samples` scaled to `target_lufs`, peaks limited to CEILING_DBTP (a few passes at most)."""
    x = np.asarray(samples, dtype=np.float64)
    ceiling = 10 ** (CEILING_DBTP / 20)
    for _ in range(4):
        x = x * 10 ** ((target_lufs - measure(x, rate).lufs) / 20)
        if true_peak(x) <= ceiling:
            return x
        # Limiting lowers the loudness a little: scale again and re-check.
        x = limit(x, rate, ceiling * 0.98)
    x = limit(x, rate, ceiling * 0.98)
    return np.clip(x, -ceiling, ceiling)


def limit(samples: Samples, rate: int, ceiling: float) -> Samples:
    """A look-ahead peak limiter: a smooth gain that keeps every (oversampled) peak under."""
    from scipy.ndimage import maximum_filter1d
    from scipy.signal import resample_poly

    envelope = np.abs(resample_poly(samples, OVERSAMPLE, 1)).reshape(-1, OVERSAMPLE).max(axis=1)
    envelope = envelope[: len(samples)]
    need = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    attack = max(1, int(LIMITER_ATTACK_S * rate))
    # Hold the lowest gain over the attack window either side, then release smoothly.
    held = -maximum_filter1d(-need, size=2 * attack + 1)
    release = np.exp(-1.0 / (LIMITER_RELEASE_S * rate))
    gain = np.empty_like(held)
    level = 1.0
    for i, g in enumerate(held):
        level = g if g < level else g + (level - g) * release
        gain[i] = level
    smoothed = np.convolve(gain, np.ones(attack) / attack, mode="same")
    return np.asarray(samples * np.minimum(smoothed, held), dtype=np.float64)


def _db(value: float) -> float:
    return 20 * float(np.log10(max(value, 1e-12)))
