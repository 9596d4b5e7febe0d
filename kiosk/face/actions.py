"""Detectors for the challenge actions, each fed one landmark sample per analysed frame.

Thresholds are relative to the resident's own neutral face (the first samples after the
challenge starts), so a camera mounted above the screen or narrow eyes do not matter.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass

ACTIONS = ("blink", "mouth_open", "turn_left", "turn_right", "nod")

ACTION_PROMPTS: dict[str, str] = {
    "blink": "请眨一眨眼睛。",
    "mouth_open": "请张一张嘴。",
    "turn_left": "请慢慢向左转头，再转回来。",
    "turn_right": "请慢慢向右转头，再转回来。",
    "nod": "请慢慢点一下头。",
}

# Eyes count as closed below this share of the open-eye EAR and open again above the second.
BLINK_CLOSED_RATIO = 0.68
BLINK_OPEN_RATIO = 0.85
BLINK_MAX_CLOSED_S = 1.5
MOUTH_OPEN_MAR = 0.35
MOUTH_OPEN_RISE = 0.2
TURN_DEG = 18.0
# ...and at least this far from facing the camera, so coming back from a side glance is no turn.
TURN_MIN_ABS_DEG = 12.0
NOD_DEG = 10.0
NEUTRAL_SAMPLES = 5
# Turns and an open mouth must hold for this many analysed frames: one noisy landmark fit
# (a blurred frame, a hand passing) is not an action.
HOLD_SAMPLES = 2


@dataclass(frozen=True)
class Sample:
    t: float
    ear: float
    mar: float
    yaw: float
    pitch: float


@dataclass(frozen=True)
class Neutral:
    ear: float
    mar: float
    yaw: float
    pitch: float

    @classmethod
    def of(cls, samples: list[Sample]) -> Neutral:
        return cls(
            ear=statistics.median(s.ear for s in samples),
            mar=statistics.median(s.mar for s in samples),
            yaw=statistics.median(s.yaw for s in samples),
            pitch=statistics.median(s.pitch for s in samples),
        )


class ActionDetector:
    """Feed samples of one action; `update` returns True once the action has been seen."""

    def __init__(self, action: str, neutral: Neutral) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        self.action = action
        self.neutral = neutral
        self._open_ears: deque[float] = deque([neutral.ear], maxlen=15)
        self._closed_since: float | None = None
        self._went_down = False
        self._held = 0

    def update(self, sample: Sample) -> bool:
        return bool(getattr(self, "_" + self.action)(sample))

    def _blink(self, s: Sample) -> bool:
        open_ear = statistics.median(self._open_ears)
        if s.ear < open_ear * BLINK_CLOSED_RATIO:
            if self._closed_since is None:
                self._closed_since = s.t
            return False
        closed_since, self._closed_since = self._closed_since, None
        if s.ear >= open_ear * BLINK_OPEN_RATIO:
            self._open_ears.append(s.ear)
            # Closed then open again, not eyes shut for seconds: a blink.
            return closed_since is not None and s.t - closed_since <= BLINK_MAX_CLOSED_S
        self._closed_since = closed_since  # half-open: still inside the blink
        return False

    def _mouth_open(self, s: Sample) -> bool:
        return self._hold(s.mar >= max(MOUTH_OPEN_MAR, self.neutral.mar + MOUTH_OPEN_RISE))

    def _turn_left(self, s: Sample) -> bool:
        return self._hold(s.yaw - self.neutral.yaw >= TURN_DEG and s.yaw >= TURN_MIN_ABS_DEG)

    def _turn_right(self, s: Sample) -> bool:
        return self._hold(self.neutral.yaw - s.yaw >= TURN_DEG and s.yaw <= -TURN_MIN_ABS_DEG)

    def _hold(self, condition: bool) -> bool:
        self._held = self._held + 1 if condition else 0
        return self._held >= HOLD_SAMPLES

    def _nod(self, s: Sample) -> bool:
        # Down, then back up: a tilted photo holds one pitch, a nod goes and returns.
        drop = self.neutral.pitch - s.pitch
        if drop >= NOD_DEG:
            self._went_down = True
            return False
        return self._went_down and drop <= NOD_DEG / 2
