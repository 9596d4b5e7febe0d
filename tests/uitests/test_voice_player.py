"""Voice prompts: which file plays, that it is really heard, and that no audio device is harmless.

The audio tests play through a private PulseAudio server with a null sink (started here, on
its own socket, so nothing else on the machine is disturbed) and record the sink's monitor
with parecord: the capture must be loud while a prompt plays and silent before and after.
The player runs in a child process (play_prompt.py) so the Qt audio backend starts fresh
against that server whatever else the session did.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pytest

from config import load_settings
from kiosk.app import voice_for
from kiosk.qt.guidance_voice import QUIET_S, TICK_MS
from kiosk.voice.player import PROMPTS_ROOT, PromptPlayer, VoiceError

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RATE = 16_000  # capture rate
WINDOW = RATE // 20  # 50 ms analysis windows
LOUD_RMS = 300.0
EDGE = 4  # windows (0.2 s) either side of the loud part: the speech's own fade in and out
SILENT_PEAK = 64  # the null sink's silence is digital zero; allow a little dither
PROMPT = "face.blink"


def rendered(prompt_id: str) -> Path:
    path = PROMPTS_ROOT / "zh_CN" / "female" / f"{prompt_id}.wav"
    if not path.exists():
        pytest.skip(f"{path} not rendered: run `python -m kiosk.voice.render` (./dev setup)")
    return path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def write_tone(path: Path, hz: float, seconds: float, rate: int = 22_050) -> None:
    t = np.arange(int(rate * seconds)) / rate
    samples = (0.5 * 32767 * np.sin(2 * np.pi * hz * t)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


# -- which file plays (no audio needed) -------------------------------------------------------
def test_recorded_override_wins_over_the_rendered_prompt(tmp_path: Path) -> None:
    root = tmp_path / "prompts"
    (root / "zh_CN" / "female").mkdir(parents=True)
    write_tone(root / "zh_CN" / "female" / "screen.idle.wav", 440, 0.1)
    write_tone(root / "zh_CN" / "female" / "screen.help.wav", 440, 0.1)
    recorded = tmp_path / "recorded"
    recorded.mkdir()
    write_tone(recorded / "screen.idle.wav", 880, 0.1)
    player = PromptPlayer("zh_CN", str(recorded), True, 1.0, prompts_root=root)
    assert player.resolve("screen.idle") == recorded / "screen.idle.wav"
    assert player.resolve("screen.help") == root / "zh_CN" / "female" / "screen.help.wav"


def test_locale_picks_its_own_folder(tmp_path: Path) -> None:
    (tmp_path / "en" / "female").mkdir(parents=True)
    write_tone(tmp_path / "en" / "female" / "screen.idle.wav", 440, 0.1)
    assert PromptPlayer("en", "", prompts_root=tmp_path).resolve("screen.idle") is not None
    assert PromptPlayer("zh_CN", "", prompts_root=tmp_path).resolve("screen.idle") is None


def test_a_specific_prompt_without_a_file_plays_its_parents(tmp_path: Path) -> None:
    folder = tmp_path / "zh_CN" / "female"
    folder.mkdir(parents=True)
    write_tone(folder / "face.retry.wav", 440, 0.1)
    write_tone(folder / "face.retry.timeout.wav", 660, 0.1)
    player = PromptPlayer("zh_CN", "", prompts_root=tmp_path)
    assert player.resolve("face.retry.timeout") == folder / "face.retry.timeout.wav"
    assert player.resolve("face.retry.presentation_attack") == folder / "face.retry.wav"
    assert player.resolve("screen.idle") is None  # no "screen.wav" to fall back to


def test_the_chosen_voice_plays_its_own_files(tmp_path: Path) -> None:
    for voice in ("female", "male"):
        (tmp_path / "zh_CN" / voice).mkdir(parents=True)
        write_tone(tmp_path / "zh_CN" / voice / "screen.idle.wav", 440, 0.1)
    male = PromptPlayer("zh_CN", "", voice="male", prompts_root=tmp_path)
    assert male.resolve("screen.idle") == tmp_path / "zh_CN" / "male" / "screen.idle.wav"
    female = PromptPlayer("zh_CN", "", prompts_root=tmp_path)
    assert female.resolve("screen.idle") == tmp_path / "zh_CN" / "female" / "screen.idle.wav"


def test_a_voice_not_rendered_plays_the_default_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.voice.player")
    (tmp_path / "zh_CN" / "female").mkdir(parents=True)
    write_tone(tmp_path / "zh_CN" / "female" / "screen.idle.wav", 440, 0.1)
    player = PromptPlayer("zh_CN", "", voice="male", prompts_root=tmp_path)
    assert player.resolve("screen.idle") == tmp_path / "zh_CN" / "female" / "screen.idle.wav"
    player.resolve("screen.idle")
    said = [r.getMessage() for r in caplog.records if "voice male" in r.getMessage()]
    assert len(said) == 1 and "--voice male" in said[0]


def test_the_voice_a_terminal_file_names_is_the_one_the_kiosk_plays(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text('[voice]\nvoice = "male"\n', encoding="utf-8")
    player = voice_for(load_settings(config))
    assert isinstance(player, PromptPlayer) and player.voice == "male"
    default = voice_for(load_settings())
    assert isinstance(default, PromptPlayer) and default.voice == "female"


def test_an_unknown_voice_is_refused() -> None:
    with pytest.raises(VoiceError, match="unknown voice"):
        PromptPlayer("zh_CN", voice="robot")


def test_missing_prompt_is_skipped_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.voice.player")
    player = PromptPlayer("zh_CN", "", prompts_root=tmp_path)
    player.play("screen.nothing")
    player.play("screen.nothing")
    assert not player.is_playing()
    assert player.last_prompt == "screen.nothing"
    assert sum("screen.nothing" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize("bad", ["../secret", "a/b", "", "Screen.Idle", "x..y", "/etc/passwd"])
def test_prompt_ids_cannot_name_other_paths(bad: str) -> None:
    with pytest.raises(VoiceError):
        PromptPlayer("zh_CN").resolve(bad)


def test_disabled_player_stays_silent_but_remembers_for_replay() -> None:
    player = PromptPlayer("zh_CN", "", False, 1.0)
    player.play("screen.idle")
    player.replay()
    assert not player.is_playing()
    assert player.last_prompt == "screen.idle"


def test_volume_is_clamped() -> None:
    assert PromptPlayer("zh_CN", volume=3.0).volume == 1.0
    assert PromptPlayer("zh_CN", volume=-1).volume == 0.0


# -- playing for real -------------------------------------------------------------------------
def run_player(*args: str, pulse_server: str, limit: float = 30.0) -> dict[str, object]:
    env = dict(os.environ, PULSE_SERVER=pulse_server, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, str(HERE / "play_prompt.py"), *args, "--limit", "20"],
        env=env,
        capture_output=True,
        text=True,
        timeout=limit,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def test_no_audio_device_neither_hangs_nor_crashes(tmp_path: Path) -> None:
    rendered(PROMPT)
    started = time.monotonic()
    out = run_player(PROMPT, "--replay", pulse_server=f"unix:{tmp_path}/no-such-server")
    names = [name for name, _t in out["events"]]  # type: ignore[attr-defined]
    # Each play reports failure at once ("finished"), the replay too; the time limit is
    # never what ends it.
    assert names.count("finished") == 2
    assert "limit" not in names
    assert time.monotonic() - started < 15


class PulseNullSink:
    """A private PulseAudio server with a null sink named kiosk_test, and a recorder for it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket = root / "native"
        self.server = f"unix:{self.socket}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: BinaryIO | None = None

    def start(self) -> str:
        """Start the server; return "" on success, else why it could not start."""
        binary = shutil.which("pulseaudio")
        if binary is None or shutil.which("parecord") is None:
            return "pulseaudio / parecord not installed (Debian: pulseaudio pulseaudio-utils)"
        env = dict(
            os.environ,
            HOME=str(self.root),
            PULSE_RUNTIME_PATH=str(self.root / "run"),
            PULSE_STATE_PATH=str(self.root / "state"),
        )
        cmd = [
            binary, "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
            "--disable-shm=yes", "--log-target=stderr",
            "-L", f"module-native-protocol-unix socket={self.socket} auth-anonymous=1",
            "-L", "module-null-sink sink_name=kiosk_test",
        ]  # fmt: skip
        self.log = (self.root / "pulseaudio.log").open("wb")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return f"pulseaudio exited: {(self.root / 'pulseaudio.log').read_text()[-300:]}"
            probe = subprocess.run(
                ["pactl", "--server", self.server, "info"], capture_output=True, check=False
            )
            if probe.returncode == 0:
                return ""
            time.sleep(0.1)
        return "pulseaudio did not answer within 10 s"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if self.log is not None:
            self.log.close()

    def record(self, path: Path) -> subprocess.Popen[bytes]:
        cmd = [
            "parecord", "--server", self.server, "--device=kiosk_test.monitor", "--raw",
            "--format=s16le", f"--rate={RATE}", "--channels=1", "--latency-msec=20", str(path),
        ]  # fmt: skip
        proc = subprocess.Popen(cmd)
        # Wait for samples to flow, so silence before the prompt is really captured.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (not path.exists() or path.stat().st_size < RATE):
            time.sleep(0.05)
        return proc


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseNullSink]:
    sink = PulseNullSink(tmp_path_factory.mktemp("pulse"))
    why = sink.start()
    if why:
        sink.stop()
        pytest.skip(f"PulseAudio null sink unavailable: {why}")
    yield sink
    sink.stop()


def capture(pulse: PulseNullSink, tmp_path: Path, *args: str) -> tuple[np.ndarray, dict]:
    """Record the sink while the player runs, with a second of silence either side."""
    raw = tmp_path / "capture.raw"
    recorder = pulse.record(raw)
    try:
        time.sleep(1.0)
        out = run_player(*args, pulse_server=pulse.server)
        time.sleep(1.0)
    finally:
        recorder.send_signal(signal.SIGINT)  # parecord flushes on SIGINT
        recorder.wait(timeout=10)
    samples = np.fromfile(raw, dtype="<i2").astype(np.float64)
    return samples, out


def envelope(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    frames = samples[: len(samples) // WINDOW * WINDOW].reshape(-1, WINDOW)
    return np.sqrt((frames**2).mean(axis=1)), np.abs(frames).max(axis=1)


def loud_runs(rms: np.ndarray) -> list[int]:
    """Lengths (in windows) of loud stretches, bridging pauses shorter than 1 s.

    A prompt pauses inside itself at its punctuation (up to 0.5 s after a sentence, plus the
    fade of the speech around it); two prompts are at least QUIET_S (1.5 s) apart.
    """
    loud = np.flatnonzero(rms > LOUD_RMS)
    if len(loud) == 0:
        return []
    runs, start, prev = [], loud[0], loud[0]
    for i in loud[1:]:
        if i - prev > 20:
            runs.append(prev - start + 1)
            start = i
        prev = i
    runs.append(prev - start + 1)
    return runs


@pytest.mark.audio
def test_prompt_is_heard_while_playing_and_silence_otherwise(
    pulse: PulseNullSink, tmp_path: Path
) -> None:
    seconds = wav_seconds(rendered(PROMPT))
    samples, out = capture(pulse, tmp_path, PROMPT)
    assert out["file"] == str(PROMPTS_ROOT / "zh_CN" / "female" / f"{PROMPT}.wav")
    rms, peak = envelope(samples)
    loud = np.flatnonzero(rms > LOUD_RMS)
    assert len(loud) > 0, "nothing was heard"
    # Silent before the prompt and after it (digital silence, not just quiet), allowing
    # the onset and the tail of the first and last loud window.
    assert peak[: loud[0] - EDGE].max(initial=0) <= SILENT_PEAK
    assert peak[loud[-1] + 1 + EDGE :].max(initial=0) <= SILENT_PEAK
    assert loud[0] * WINDOW / RATE >= 0.5
    assert (len(rms) - loud[-1]) * WINDOW / RATE >= 0.5
    heard = (loud[-1] - loud[0] + 1) * WINDOW / RATE
    assert 0.5 * seconds <= heard <= seconds + 0.2


@pytest.mark.audio
def test_replay_plays_the_prompt_again(pulse: PulseNullSink, tmp_path: Path) -> None:
    seconds = wav_seconds(rendered(PROMPT))
    samples, out = capture(pulse, tmp_path, PROMPT, "--replay")
    names = [name for name, _t in out["events"]]
    assert names.count("started") == 2
    rms, _peak = envelope(samples)
    loud = np.flatnonzero(rms > LOUD_RMS)
    heard = (loud[-1] - loud[0] + 1) * WINDOW / RATE
    assert heard >= 1.5 * seconds  # two plays back to back


@pytest.mark.audio
def test_stop_silences_the_prompt(pulse: PulseNullSink, tmp_path: Path) -> None:
    long_prompt = "screen.consent"
    seconds = wav_seconds(rendered(long_prompt))
    assert seconds > 4
    samples, _out = capture(pulse, tmp_path, long_prompt, "--stop-after", "0.8")
    rms, peak = envelope(samples)
    loud = np.flatnonzero(rms > LOUD_RMS)
    assert len(loud) > 0
    heard = (loud[-1] - loud[0] + 1) * WINDOW / RATE
    assert heard < 2.0 < seconds
    assert peak[loud[-1] + 1 + EDGE :].max(initial=0) <= SILENT_PEAK


@pytest.mark.audio
def test_the_recorded_prompt_is_what_is_heard(pulse: PulseNullSink, tmp_path: Path) -> None:
    rendered(PROMPT)
    recorded = tmp_path / "recorded"
    recorded.mkdir()
    write_tone(recorded / f"{PROMPT}.wav", 880.0, 1.5)
    samples, out = capture(pulse, tmp_path, PROMPT, "--override", str(recorded))
    assert out["file"] == str(recorded / f"{PROMPT}.wav")
    rms, _peak = envelope(samples)
    loud = np.flatnonzero(rms > LOUD_RMS)
    segment = samples[loud[0] * WINDOW : (loud[-1] + 1) * WINDOW]
    spectrum = np.abs(np.fft.rfft(segment))
    dominant = np.fft.rfftfreq(len(segment), 1 / RATE)[int(spectrum.argmax())]
    assert dominant == pytest.approx(880.0, abs=10)
    assert (loud[-1] - loud[0] + 1) * WINDOW / RATE == pytest.approx(1.5, abs=0.25)


@pytest.mark.audio
def test_guidance_is_heard_after_the_action_prompt_never_over_it(
    pulse: PulseNullSink, tmp_path: Path
) -> None:
    """The face service reports "too bright" the moment the action prompt is queued: the kiosk's
    GuidanceVoice holds it until the action prompt has been heard, then speaks it."""
    action = wav_seconds(rendered(PROMPT))
    spoken = wav_seconds(rendered("face.bright"))
    samples, out = capture(pulse, tmp_path, PROMPT, "--guidance", "too_bright")
    heard = [(name, prompt) for name, prompt, _t in out["prompts"]]
    assert heard == [
        ("started", PROMPT),
        ("finished", PROMPT),
        ("guidance", "face.bright"),
        ("started", "face.bright"),
        ("finished", "face.bright"),
    ]
    rms, _peak = envelope(samples)
    runs = loud_runs(rms)
    assert len(runs) == 2, runs  # two utterances apart, not one cut into the other
    # Each as long as its speech (the WAV has some silence of its own at either end).
    assert 0.5 * action <= runs[0] * WINDOW / RATE <= action + 0.2
    assert 0.5 * spoken <= runs[1] * WINDOW / RATE <= spoken + 0.2
    finished_action = next(t for n, p, t in out["prompts"] if n == "finished" and p == PROMPT)
    started_guidance = next(t for n, _p, t in out["prompts"] if n == "guidance")
    assert started_guidance - finished_action >= QUIET_S - TICK_MS / 1000


@pytest.mark.slow
def test_a_headless_demo_without_an_audio_device_says_so_once(tmp_path: Path) -> None:
    """No sound server at all: one line says voice is off, instead of a warning per prompt."""
    env = dict(os.environ, PULSE_SERVER=f"unix:{tmp_path}/no-such-server")
    env.pop("QT_LOGGING_RULES", None)  # Qt's own warnings count too
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from kiosk.cli import main; sys.exit(main())",
            *("demo", "--headless", "--out", str(tmp_path / "demo")),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    own = ("kiosk demo:", "demo finished:")  # the demo's two lines of progress
    warnings = [line for line in proc.stderr.splitlines() if not line.startswith(own)]
    assert len(warnings) <= 2, warnings
    assert sum("voice prompts are off" in line for line in warnings) == 1, warnings
