"""The staff call's attention chime: a two-tone "ding-dong", synthesized, written once and
committed as kiosk/voice/chime.wav (about 40 KB); the kiosk only plays the file.

    python -m kiosk.voice.chime_render            # write kiosk/voice/chime.wav again
    python -m kiosk.voice.chime_render --check    # exit 1 when the file is not this render

Two bell-like tones a major third apart (E6 then C6, each with a soft octave partial and an
exponential decay), unlike any speech prompt, so staff across the room know it at once. Its
loudness is CHIME_LUFS: 8 LU above the prompts' -18 LUFS (kiosk.voice.loudness), true peak
under -1 dBTP, so it carries across a noisy office at the same volume setting.
"""

from __future__ import annotations

import argparse
import io
import sys
import wave
from pathlib import Path

import numpy as np

from kiosk.voice.loudness import Samples, measure, normalise

CHIME_FILE = Path(__file__).with_name("chime.wav")
CHIME_LUFS = -10.0  # the prompts are at -18 LUFS: the chime is 8 LU louder
RATE = 16_000
TONES_HZ = (1318.5, 1046.5)  # E6, then C6
TONE_S = (0.45, 0.85)
DECAY_S = 0.35  # the bell's time constant


def synthesize(rate: int = RATE) -> Samples:
    """The chime as float samples in [-1, 1], at CHIME_LUFS."""
    parts = []
    for hz, seconds in zip(TONES_HZ, TONE_S, strict=True):
        t = np.arange(int(rate * seconds)) / rate
        attack = np.minimum(1.0, t / 0.005)  # 5 ms: no click
        bell = np.sin(2 * np.pi * hz * t) + 0.3 * np.sin(2 * np.pi * 2 * hz * t)
        tone = attack * np.exp(-t / DECAY_S) * bell
        tone[-int(0.01 * rate) :] *= np.linspace(1.0, 0.0, int(0.01 * rate))  # no click either
        parts.append(tone)
    return normalise(np.concatenate(parts), rate, CHIME_LUFS)


def wav_bytes(samples: Samples, rate: int = RATE) -> bytes:
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.voice.chime_render")
    parser.add_argument("--check", action="store_true", help="only check the committed file")
    args = parser.parse_args(argv)
    samples = synthesize()
    data = wav_bytes(samples)
    if args.check:
        same = CHIME_FILE.is_file() and CHIME_FILE.read_bytes() == data
        print(f"{CHIME_FILE}: {'up to date' if same else 'NOT this render'}")
        return 0 if same else 1
    CHIME_FILE.write_bytes(data)
    level = measure(samples, RATE)
    print(
        f"{CHIME_FILE}: {len(data)} bytes, {level.seconds:.2f} s, {level.lufs:.1f} LUFS, "
        f"true peak {level.true_peak_dbtp:.1f} dBTP"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
