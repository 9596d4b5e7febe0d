"""A staff call from the help button reaches staff: the chime is heard on a real audio device
(a private PulseAudio null sink, recorded), louder than the prompt, again and again until a
staff member types their PIN; then it stops, and the call, answered with its time to answer,
reaches the platform over HTTP through the outbox.

The kiosk runs whole in a child process (staff_call_kiosk.py) so Qt's audio backend starts
against the private server; this process records the sink's monitor meanwhile. The chime is
told from speech by its spectrum: its two tones (kiosk.voice.chime_render.TONES_HZ) and their
octaves hold most of a window's energy, which speech never does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kiosk.voice.chime_render import TONES_HZ
from tests.uitests.test_voice_player import RATE, WINDOW, PulseNullSink, envelope

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LOUD_RMS = 300.0
TONE_SHARE = 0.5  # of a loud window's energy within +-40 Hz of the chime's tones
INTERVAL_S = 3.0

pytestmark = [pytest.mark.audio, pytest.mark.slow]


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseNullSink]:
    sink = PulseNullSink(tmp_path_factory.mktemp("pulse"))
    why = sink.start()
    if why:
        sink.stop()
        pytest.skip(f"PulseAudio null sink unavailable: {why}")
    yield sink
    sink.stop()


def tone_share(samples: np.ndarray) -> np.ndarray:
    """Per window: the share of its energy near the chime's tones and their octaves."""
    frames = samples[: len(samples) // WINDOW * WINDOW].reshape(-1, WINDOW)
    power = np.abs(np.fft.rfft(frames * np.hanning(WINDOW), axis=1)) ** 2
    freqs = np.fft.rfftfreq(WINDOW, 1 / RATE)
    near = np.zeros_like(freqs, dtype=bool)
    for hz in (*TONES_HZ, *(2 * f for f in TONES_HZ)):
        near |= np.abs(freqs - hz) <= 40
    return power[:, near].sum(axis=1) / np.maximum(power.sum(axis=1), 1e-9)


def runs(flags: np.ndarray, gap: int = 6) -> list[tuple[int, int]]:
    """(first, last) window of each stretch of set flags, bridging gaps under `gap` windows."""
    where = np.flatnonzero(flags)
    if len(where) == 0:
        return []
    out, start, prev = [], where[0], where[0]
    for i in where[1:]:
        if i - prev > gap:
            out.append((start, prev))
            start = i
        prev = i
    out.append((start, prev))
    return out


def test_the_help_button_rings_the_chime_until_the_staff_pin_answers(
    pulse: PulseNullSink, tmp_path: Path
) -> None:
    raw = tmp_path / "capture.raw"
    recorder = pulse.record(raw)
    env = dict(os.environ, PULSE_SERVER=pulse.server, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    try:
        child = subprocess.run(
            [sys.executable, str(HERE / "staff_call_kiosk.py"), str(tmp_path / "data"),
             "--interval-s", str(INTERVAL_S), "--answer-after-rings", "3"],
            env=env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    finally:
        recorder.send_signal(signal.SIGINT)  # parecord flushes on SIGINT
        recorder.wait(timeout=10)
        stopped = time.time()
    assert child.returncode == 0, child.stderr[-3000:]
    out = json.loads(child.stdout.strip().splitlines()[-1])
    samples = np.fromfile(raw, dtype="<i2").astype(np.float64)
    t0 = stopped - len(samples) / RATE  # the capture's first sample, wall clock

    # The call went out: the help screen says so (the chime can ring here).
    assert out["notified"] is True and out["help_title"] == "已通知工作人员"
    rms, _peak = envelope(samples)
    share = tone_share(samples)
    chime = (rms > LOUD_RMS) & (share > TONE_SHARE)
    speech = (rms > LOUD_RMS) & (share < 0.2)
    heard = [(t0 + a * WINDOW / RATE, t0 + (b + 1) * WINDOW / RATE) for a, b in runs(chime)]
    called, answered = out["called_at"], out["answered_at"]
    # Heard as the child saw it ring: at least 3 rings between the call and the answer, each
    # about as long as the chime (1.3 s), about INTERVAL_S apart, the prompt first.
    before = [(a, b) for a, b in heard if called <= a < answered]
    assert len(before) >= 3, (heard, out["rings"])
    assert all(0.8 <= b - a <= 1.6 for a, b in before[:-1]), before
    starts = np.array([a for a, _b in before])
    assert np.allclose(np.diff(starts), INTERVAL_S, atol=0.5), (before, out["rings"], called)
    assert len(out["rings"]) == len(before)
    # The help prompt is said first, never under the chime.
    first = int((before[0][0] - t0) * RATE / WINDOW)
    assert speech[first - 60 : first].sum() > 10, "no prompt before the first ring"
    for a, b in runs(chime):
        assert not speech[a : b + 1].any()
    # Silent after the staff PIN answered it (a ring playing then is cut at once).
    assert all(a < answered + 0.3 for a, _b in heard), (heard, answered)
    assert t0 + len(samples) / RATE - answered >= 6.0  # and we listened long enough to know
    # Louder than the prompt that said staff were told (-10 vs -18 LUFS: about 8 dB).
    louder_db = 20 * np.log10(np.median(rms[chime]) / np.median(rms[speech]))
    assert speech.sum() > 10 and louder_db >= 4.0, louder_db

    # The platform has the call, answered by 0107, with the time it took.
    (row,) = out["platform_rows"]
    _id, terminal, point, reason, outcome, answer_s, by, called_iso, ended_iso = row
    assert (terminal, point, reason, outcome, by) == (
        "SIM-0001", "示范村便民服务站", "resident", "answered", "0107",
    )  # fmt: skip
    assert answer_s == pytest.approx(answered - called, abs=0.5)
    assert out["outbox"]["pending"] == 0 and out["outbox"]["acked"] == 2  # open + answered
    print(
        f"\nchime {louder_db:.1f} dB over the prompt; {len(before)} rings; "
        f"answered after {answer_s:.1f} s ({called_iso} -> {ended_iso})"
    )
