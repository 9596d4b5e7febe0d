"""Play voice prompts by id with QtMultimedia.

A recorded `<override_dir>/<prompt-id>.wav` (a local dialect, a familiar voice) wins over the
rendered `kiosk/voice/prompts/<locale>/<voice>/<prompt-id>.wav` (`voice` female or male, see
render.py). A voice that was not rendered plays the default voice's files (said once); a more
specific id with no file plays its parent's (`face.retry.timeout` -> `face.retry`); a prompt
with no file at all is skipped (logged once): everything a prompt says is on screen too.

QSoundEffect loads and plays without blocking the GUI thread, and with no audio device (or
a device that refuses the format) it only reports an error status: the kiosk goes on silently.
One effect is kept per file, so a prompt heard before starts at once.

With no audio output device at all, the player says so once ("voice prompts are off") and
does not try: each play reports `finished` at once. Qt's own chatter while it looks for a
device (PulseAudio, PipeWire, FFmpeg) goes to the debug log, not to stderr. A device plugged
in later is noticed (QMediaDevices.audioOutputsChanged).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    QUrl,
    Signal,
    qInstallMessageHandler,
)

from kiosk.errors import KioskError
from kiosk.voice.prompts import DEFAULT_VOICE, VOICES

log = logging.getLogger(__name__)


class _QtSaid:
    """Collects what Qt prints while a block runs (it goes to the debug log instead)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __enter__(self) -> _QtSaid:
        self._previous = qInstallMessageHandler(self._collect)
        return self

    def _collect(self, _kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        self.lines.append(message)

    def __exit__(self, *exc: object) -> None:
        qInstallMessageHandler(self._previous)


# Loading Qt Multimedia looks for PipeWire and says so on stderr when there is none.
with _QtSaid() as _loading:
    from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

PROMPTS_ROOT = Path(__file__).with_name("prompts")
START_DEADLINE_S = 5.0  # a prompt not playing this long after play() has failed
PROMPT_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")  # also keeps ids from naming other paths


class VoiceError(KioskError):
    """A voice prompt could not be found or played."""


def probe_audio_outputs() -> tuple[QMediaDevices, bool, list[str]]:
    """(the devices object, whether there is an output, what Qt said while looking)."""
    with _QtSaid() as said:
        devices = QMediaDevices()
        present = bool(QMediaDevices.audioOutputs())
    return devices, present, [*_loading.lines, *said.lines]


class PromptPlayer(QObject):
    """Plays one prompt at a time; `replay()` repeats the last one, `stop()` silences it."""

    started = Signal(str)  # prompt id: the sound is playing
    finished = Signal(str)  # prompt id: it ended, was stopped or could not play

    def __init__(
        self,
        locale: str,
        override_dir: str | Path = "",
        enabled: bool = True,
        volume: float = 1.0,
        *,
        voice: str = DEFAULT_VOICE,
        prompts_root: Path = PROMPTS_ROOT,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if voice not in VOICES:
            raise VoiceError(f"unknown voice {voice!r}: use one of {sorted(VOICES)}")
        self.locale = locale
        self.voice = voice
        self.enabled = enabled
        self.volume = min(1.0, max(0.0, float(volume)))
        self._override = Path(override_dir) if override_dir else None
        self._rendered = [prompts_root / locale / voice]
        if voice != DEFAULT_VOICE:
            self._rendered.append(prompts_root / locale / DEFAULT_VOICE)
            if not self._rendered[0].is_dir():
                log.warning(
                    "voice %s has no rendered prompts for %s: playing the %s voice "
                    "(python -m kiosk.voice.render --voice %s renders it)",
                    voice, locale, DEFAULT_VOICE, voice,
                )  # fmt: skip
        self._effects: dict[Path, QSoundEffect] = {}
        self._current: QSoundEffect | None = None
        self._current_id = ""
        self._last_id = ""
        self._missing: set[str] = set()
        self._failures_logged = 0
        self._devices: QMediaDevices | None = None
        self._no_device = False
        if enabled:
            self._devices, present, said = probe_audio_outputs()
            self._devices.setParent(self)
            self._devices.audioOutputsChanged.connect(self._outputs_changed)
            for line in said:
                log.debug("Qt multimedia: %s", line)
            self._no_device = not present
            if self._no_device:
                log.warning("voice prompts are off: no audio output device (texts stay on screen)")
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.setInterval(int(START_DEADLINE_S * 1000))
        self._watchdog.timeout.connect(self._start_overdue)
        if self._override is not None and not self._override.is_dir():
            log.warning(
                "voice.prompts_dir %s is not a folder: using the default prompts", self._override
            )

    # -- the Voice interface the controller calls ---------------------------------------------
    def play(self, prompt_id: str) -> None:
        """Stop what is playing and start `prompt_id` (no-op when disabled or missing)."""
        self._last_id = prompt_id
        self.stop()
        if not self.enabled:
            return
        path = self.resolve(prompt_id)
        if path is None:
            return
        if self._no_device:
            QTimer.singleShot(0, self, lambda: self.finished.emit(prompt_id))
            return
        effect = self._effect(path)
        if effect.status() == QSoundEffect.Status.Error:
            self._fail(effect, prompt_id)  # failed at once: a cached decode, no device
            return
        effect.setVolume(self.volume)
        self._current, self._current_id = effect, prompt_id
        # While loading, play() is queued by Qt and starts once the file is decoded; if it
        # has not started by the deadline, the prompt counts as failed (never wait forever).
        self._watchdog.start()
        effect.play()

    def replay(self) -> None:
        if self._last_id:
            self.play(self._last_id)

    def stop(self) -> None:
        self._watchdog.stop()
        effect, prompt_id = self._current, self._current_id
        self._current, self._current_id = None, ""
        if effect is not None and effect.isPlaying():
            effect.stop()
            self.finished.emit(prompt_id)

    # -- queries --------------------------------------------------------------------------------
    def is_playing(self) -> bool:
        return self._current is not None and self._current.isPlaying()

    def is_busy(self) -> bool:
        """A prompt is playing or still loading to play (play() was called, not finished)."""
        return self._current is not None

    @property
    def last_prompt(self) -> str:
        return self._last_id

    def can_play(self, prompt_id: str) -> bool:
        """Whether `prompt_id` would be heard: voice on, an audio device, a file for it."""
        return self.enabled and not self._no_device and self.resolve(prompt_id) is not None

    def resolve(self, prompt_id: str) -> Path | None:
        """The file that `prompt_id` plays: the recorded override, else the rendered default.
        A more specific id with no file of its own plays its parent's (face.retry.<reason>
        without a recording: face.retry)."""
        if not PROMPT_ID.match(prompt_id):
            raise VoiceError(f"bad prompt id {prompt_id!r}")
        candidate = prompt_id
        while True:
            name = f"{candidate}.wav"
            for folder in (self._override, *self._rendered):
                if folder is not None and (folder / name).is_file():
                    return folder / name
            if "." not in candidate:
                break
            candidate = candidate.rsplit(".", 1)[0]
        if prompt_id not in self._missing:
            self._missing.add(prompt_id)
            log.warning("no voice file for prompt %s (locale %s)", prompt_id, self.locale)
        return None

    # -- internals ------------------------------------------------------------------------------
    def _outputs_changed(self) -> None:
        present = bool(QMediaDevices.audioOutputs())
        if present == (not self._no_device):
            return
        self._no_device = not present
        log.warning("voice prompts are %s", "on again" if present else "off: no audio device")

    def _effect(self, path: Path) -> QSoundEffect:
        effect = self._effects.get(path)
        if effect is None:
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.playingChanged.connect(lambda e=effect: self._playing_changed(e))
            effect.statusChanged.connect(lambda e=effect: self._status_changed(e))
            self._effects[path] = effect
        return effect

    def _playing_changed(self, effect: QSoundEffect) -> None:
        if effect is not self._current:
            return
        if effect.isPlaying():
            self._watchdog.stop()
            self.started.emit(self._current_id)
        else:
            prompt_id = self._current_id
            self._current, self._current_id = None, ""
            self.finished.emit(prompt_id)

    def _status_changed(self, effect: QSoundEffect) -> None:
        if effect.status() != QSoundEffect.Status.Error or effect is not self._current:
            return  # play() checks a new effect's status itself
        prompt_id = self._current_id
        self._current, self._current_id = None, ""
        self._fail(effect, prompt_id)

    def _start_overdue(self) -> None:
        effect, prompt_id = self._current, self._current_id
        if effect is not None and not effect.isPlaying():
            self._current, self._current_id = None, ""
            effect.stop()
            self._fail(effect, prompt_id)

    def _fail(self, effect: QSoundEffect, prompt_id: str) -> None:
        # No audio device, or one that refuses the format: say so and carry on silently.
        # The effect is dropped so a later play tries afresh (the device may be back), and
        # `finished` comes after Qt's own signal handling is over, so a listener may play
        # the next prompt from it.
        self._watchdog.stop()
        # Said once at warning level: a device that refuses every prompt must not flood the log.
        level = logging.WARNING if not self._failures_logged else logging.DEBUG
        self._failures_logged += 1
        log.log(level, "voice prompt could not play: %s", effect.source().toLocalFile())
        self._effects = {p: e for p, e in self._effects.items() if e is not effect}
        effect.deleteLater()
        QTimer.singleShot(0, self, lambda: self.finished.emit(prompt_id))
