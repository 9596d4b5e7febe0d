"""The staff call's attention chime, rung again and again until the call ends.

    chime = AttentionChime(interval_s=15, volume=1.0, voice_busy=player.is_busy)
    chime.start()   # rings now, then every interval_s
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
        self._effect = QSoundEffect(self)
        self._effect.setSource(QUrl.fromLocalFile(str(sound)))
        self._effect.setVolume(min(1.0, max(0.0, volume)))
        self._effect.playingChanged.connect(self._playing_changed)
        self._repeat = QTimer(self)
        self._repeat.setInterval(int(interval_s * 1000))
        self._repeat.timeout.connect(self._ring)
        self._later = QTimer(self)  # a ring waiting for a prompt to end
        self._later.setSingleShot(True)
        self._later.setInterval(WAIT_FOR_VOICE_MS)
        self._later.timeout.connect(self._ring)
        self.rings = 0  # rings played since start()

    def can_ring(self) -> bool:
        """Whether a ring would be heard: an audio output and the chime's file."""
        return self._present and self._sound.is_file()

    @property
    def ringing(self) -> bool:
        """Between start() and stop()."""
        return self._repeat.isActive()

    def start(self) -> None:
        """Ring now and every interval; a chime already ringing rings again now."""
        self.rings = 0
        self._repeat.start()
        self._ring()

    def stop(self) -> None:
        self._repeat.stop()
        self._later.stop()
        if self._effect.isPlaying():
            self._effect.stop()

    def _ring(self) -> None:
        if not self.ringing or not self.can_ring():
            return
        if self._voice_busy():
            self._later.start()
            return
        if self._effect.status() == QSoundEffect.Status.Error:
            log.warning("the staff call chime could not play (audio device refused it)")
            self._effect.setSource(QUrl())  # try afresh next time
            self._effect.setSource(QUrl.fromLocalFile(str(self._sound)))
            return
        self._effect.play()

    def _playing_changed(self) -> None:
        if self._effect.isPlaying():
            self.rings += 1
            self.rang.emit()

    def _outputs_changed(self) -> None:
        present = bool(QMediaDevices.audioOutputs())
        if present != self._present:
            self._present = present
            log.warning("the staff call chime is %s", "on again" if present else "off: no device")
