"""Play voice prompts by id with QtMultimedia.

A recorded `<override_dir>/<prompt-id>.wav` (a local dialect, a familiar voice) wins over the
rendered `kiosk/voice/prompts/<locale>/<prompt-id>.wav`. A prompt with no file is skipped
(logged once): everything a prompt says is on screen too.

QSoundEffect loads and plays without blocking the GUI thread, and with no audio device (or
a device that refuses the format) it only reports an error status: the kiosk goes on silently.
One effect is kept per file, so a prompt heard before starts at once.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtMultimedia import QSoundEffect

from kiosk.errors import KioskError

log = logging.getLogger(__name__)

PROMPTS_ROOT = Path(__file__).with_name("prompts")
PROMPT_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")  # also keeps ids from naming other paths


class VoiceError(KioskError):
    """A voice prompt could not be found or played."""


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
        prompts_root: Path = PROMPTS_ROOT,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.locale = locale
        self.enabled = enabled
        self.volume = min(1.0, max(0.0, float(volume)))
        self._override = Path(override_dir) if override_dir else None
        self._rendered = prompts_root / locale
        self._effects: dict[Path, QSoundEffect] = {}
        self._current: QSoundEffect | None = None
        self._current_id = ""
        self._last_id = ""
        self._missing: set[str] = set()
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
        effect = self._effect(path)
        effect.setVolume(self.volume)
        self._current, self._current_id = effect, prompt_id
        # While loading, play() is queued by Qt and starts once the file is decoded.
        effect.play()

    def replay(self) -> None:
        if self._last_id:
            self.play(self._last_id)

    def stop(self) -> None:
        effect, prompt_id = self._current, self._current_id
        self._current, self._current_id = None, ""
        if effect is not None and effect.isPlaying():
            effect.stop()
            self.finished.emit(prompt_id)

    # -- queries --------------------------------------------------------------------------------
    def is_playing(self) -> bool:
        return self._current is not None and self._current.isPlaying()

    @property
    def last_prompt(self) -> str:
        return self._last_id

    def resolve(self, prompt_id: str) -> Path | None:
        """The file that `prompt_id` plays: the recorded override, else the rendered default."""
        if not PROMPT_ID.match(prompt_id):
            raise VoiceError(f"bad prompt id {prompt_id!r}")
        name = f"{prompt_id}.wav"
        for folder in (self._override, self._rendered):
            if folder is not None and (folder / name).is_file():
                return folder / name
        if prompt_id not in self._missing:
            self._missing.add(prompt_id)
            log.warning("no voice file for prompt %s (locale %s)", prompt_id, self.locale)
        return None

    # -- internals ------------------------------------------------------------------------------
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
            self.started.emit(self._current_id)
        else:
            prompt_id = self._current_id
            self._current, self._current_id = None, ""
            self.finished.emit(prompt_id)

    def _status_changed(self, effect: QSoundEffect) -> None:
        if effect.status() != QSoundEffect.Status.Error:
            return
        # No audio device, or one that refuses the format: say so and carry on silently.
        log.warning("voice prompt could not play: %s", effect.source().toLocalFile())
        self._effects = {p: e for p, e in self._effects.items() if e is not effect}
        if effect is self._current:
            prompt_id = self._current_id
            self._current, self._current_id = None, ""
            self.finished.emit(prompt_id)
        effect.deleteLater()
