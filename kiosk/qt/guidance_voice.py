"""Speak the face screen's quality guidance ("请靠近一点", "光线太亮", ...), politely.

The action prompt ("请慢慢向左转头") comes from the flow when the action changes; guidance is
spoken between those: never while a prompt is loading or playing (the action wins: a new
action's prompt cuts a guidance short, never the other way round), only after a short quiet,
and the same guidance at most every REPEAT_S while it persists. An elderly resident who
did not catch it the first time hears it again; one who fixed it hears nothing more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.flow.view import FaceGuide
from kiosk.voice.prompts import GUIDANCE_PROMPTS

log = logging.getLogger(__name__)

REPEAT_S = 8.0  # the same guidance again at most this often
QUIET_S = 1.5  # after any prompt was queued or heard: speech never runs together
TICK_MS = 250  # how often a held-back guidance is looked at again


class Speaker(Protocol):
    def play(self, prompt_id: str) -> None: ...


class GuidanceVoice(QObject):
    """Follows the face capture's progress views; plays guidance prompts on `voice`."""

    spoken = Signal(str)  # the guidance prompt id, as it is played

    def __init__(
        self,
        voice: Speaker,
        active: Callable[[], bool],
        *,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._voice = voice
        self._active = active  # the face screen is up and asks nothing else
        self._clock = clock
        self._code = ""
        self._heard: dict[str, float] = {}
        self._last_voice_at = float("-inf")
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._try)

    def follow(self, guide: FaceGuide) -> None:
        """The face capture's progress (after the flow has acted on it)."""
        if guide.prompt_id:
            self._last_voice_at = self._clock()  # the action's prompt was just queued
        self._code = guide.guidance_code
        if not self._tick.isActive():
            self._tick.start()
        self._try()

    def stop(self) -> None:
        """The capture is over: nothing more to say, and a new capture starts afresh."""
        self._tick.stop()
        self._code = ""
        self._heard.clear()

    def _busy(self) -> bool:
        is_busy = getattr(self._voice, "is_busy", None)
        return bool(is_busy()) if callable(is_busy) else False

    def _try(self) -> None:
        if not self._active():
            self.stop()
            return
        now = self._clock()
        if self._busy():
            self._last_voice_at = now
            return
        prompt = GUIDANCE_PROMPTS.get(self._code)
        if prompt is None or now - self._last_voice_at < QUIET_S:
            return
        if now - self._heard.get(self._code, float("-inf")) < REPEAT_S:
            return
        self._heard[self._code] = now
        self._last_voice_at = now
        log.debug("guidance spoken: %s", prompt)
        self._voice.play(prompt)
        self.spoken.emit(prompt)
