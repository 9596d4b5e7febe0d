"""The staff call's attention chime, rung again and again until the call ends.

    chime = AttentionChime(interval_s=15, volume=1.0, voice_busy=player.is_busy)
    chime.start()   # rings now (after a prompt being said), then every interval_s
    chime.stop()

Plays kiosk/voice/chime.wav (kiosk.voice.chime_render: 8 LU louder than the prompts) with
QSoundEffect on the default audio output, the path the voice prompts take: loading and
playing never block the GUI thread. A ring that falls while a prompt is being said waits
for it (checked every WAIT_FOR_VOICE_MS): the chime never talks over the resident's prompt.
With no audio output the chime says so once and stays quiet (`can_ring()` is False), and
the help screen does not claim that staff were told by it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

from kiosk.voice.chime_render import CHIME_FILE

# Loaded by the prompt player first, which sends Qt Multimedia's chatter to the debug log.
from kiosk.voice.player import QMediaDevices, QSoundEffect, probe_audio_outputs

log = logging.getLogger(__name__)

WAIT_FOR_VOICE_MS = 250


class AttentionChime(QObject):
    rang = Signal()  # a ring started to play (for the tests and the technician)

    def __init__(
        self,
        interval_s: float,
        volume: float = 1.0,
        *,
        voice_busy: Callable[[], bool] = lambda: False,
        sound: Path = CHIME_FILE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._voice_busy = voice_busy
        self._sound = sound
        devices, present, said = probe_audio_outputs()
        devices.setParent(self)
        devices.audioOutputsChanged.connect(self._outputs_changed)
        for line in said:
            log.debug("Qt multimedia: %s", line)
        self._present = present
        if not present:
            log.warning("the staff call chime is off: no audio output device")
        if not sound.is_file():
            log.error("the staff call chime %s is missing: calls ring nothing here", sound)
        self._volume = min(1.0, max(0.0, volume))
        self._effect: QSoundEffect | None = None  # made at the first ring a device can play
        self._interval_ms = int(interval_s * 1000)
        self._next = QTimer(self)  # the next ring: an interval after the last, or after a prompt
        self._next.setSingleShot(True)
        self._next.timeout.connect(self._ring)
        self._active = False
        self.rings = 0  # rings played since start()

    def can_ring(self) -> bool:
        """Whether a ring would be heard: an audio output and the chime's file."""
        return self._present and self._sound.is_file()

    @property
    def ringing(self) -> bool:
        """Between start() and stop()."""
        return self._active

    def start(self) -> None:
        """Ring now and every interval; a chime already ringing rings again now. "Now" is once
        the commands being carried out are done: a prompt they start is said first."""
        self.rings = 0
        self._active = True
        self._next.start(0)

    def stop(self) -> None:
        self._active = False
        self._next.stop()
        if self._effect is not None and self._effect.isPlaying():
            self._effect.stop()

    def _ring(self) -> None:
        if not self._active:
            return
        if self._voice_busy():  # never over a prompt: right after it
            self._next.start(WAIT_FOR_VOICE_MS)
            return
        self._next.start(self._interval_ms)
        if not self.can_ring():
            return
        effect = self._effect or self._load()
        if effect.status() == QSoundEffect.Status.Error:
            log.warning("the staff call chime could not play (the audio device refused it)")
            self._effect = None  # try afresh at the next ring: the device may be back
            effect.deleteLater()
            return
        effect.play()

    def _load(self) -> QSoundEffect:
        effect = QSoundEffect(self)
        effect.setSource(QUrl.fromLocalFile(str(self._sound)))
        effect.setVolume(self._volume)
        effect.playingChanged.connect(self._playing_changed)
        self._effect = effect
        return effect

    def _playing_changed(self) -> None:
        if self._effect is not None and self._effect.isPlaying():
            self.rings += 1
            self.rang.emit()

    def _outputs_changed(self) -> None:
        present = bool(QMediaDevices.audioOutputs())
        if present != self._present:
            self._present = present
            log.warning("the staff call chime is %s", "on again" if present else "off: no device")
