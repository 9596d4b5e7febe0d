"""The fallback engine: espeak-ng, a formant synthesiser, where the neural voice is not installed.

Intelligible to a patient listener, robotic to anyone: it is used only when the neural voice
cannot render (`neural.missing()`), and render.py says so once.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

ENGINE = "espeak-ng"
SPEED_WPM = 130  # slower than espeak's 175: the listeners are elderly


def missing() -> str:
    return "" if shutil.which("espeak-ng") else "espeak-ng not found"


def say(voice: str, text: str) -> tuple[npt.NDArray[np.float32], int]:
    """`text` spoken by espeak-ng's `voice`, as float samples and their rate."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise FileNotFoundError("espeak-ng not found (Debian package espeak-ng)")
    with tempfile.TemporaryDirectory(prefix="kiosk-espeak-") as folder:
        wav = Path(folder) / "out.wav"
        cmd = [espeak, "-v", voice, "-s", str(SPEED_WPM), "-w", str(wav), text]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)  # noqa: S603 - fixed argv
        with wave.open(str(wav)) as w:
            rate = w.getframerate()
            raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return (raw.astype(np.float32) / 32768.0), rate
