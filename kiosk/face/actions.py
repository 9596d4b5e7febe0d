"""Detectors for the challenge actions, each fed one landmark sample per analysed frame.

Thresholds are relative to the resident's own neutral face (the first samples after the
challenge starts), so a camera mounted above the screen or narrow eyes do not matter.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass

import numpy as np

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
# An open mouth is both lips apart (outer-lip MAR up by MOUTH_OPEN_RISE) and the jaw dropped
# (nose-to-chin over nose length up by MOUTH_JAW_DROP), both against the resident's own
# closed mouth. On the tune clips (default 10 fps) a yawn reaches 2.0x these thresholds;
# closed-mouth landmark noise (blink selfie) 0.77x, speech (talking faces) 0.78x, a singer
# 0.97x for one frame, never held. Lips or jaw alone separate far less (inner-lip MAR of
# that yawn peaks at 0.38 while the closed-mouth selfie reads 0.28).
MOUTH_OPEN_RISE = 0.2
MOUTH_JAW_DROP = 0.12
# Once open, the mouth counts as open down to this share of the thresholds (landmarks on a
# wide-open mouth jitter from frame to frame).
MOUTH_KEEP = 0.5
# The closed-mouth baseline: a low percentile of the recent samples not judged open.
MOUTH_BASELINE_SAMPLES = 30
MOUTH_BASELINE_PERCENTILE = 20
# Lip landmarks are unreliable on a face turned this far from its neutral pose.
MOUTH_MAX_YAW_DEG = 25.0
TURN_DEG = 18.0
# ...and at least this far from facing the camera, so coming back from a side glance is no turn.
TURN_MIN_ABS_DEG = 12.0
NOD_DEG = 10.0
NEUTRAL_SAMPLES = 5
# Turns and an open mouth must hold for this long in frame time, whatever the analysis rate:
# one noisy landmark fit (a blurred frame, a hand passing) is not an action. The turn hold is
# two samples at the default 10 fps; the mouth hold two samples of a 6 fps GIF, three at 10 fps.
TURN_HOLD_S = 0.1
MOUTH_HOLD_S = 0.15
# A hold is only seen if the face was seen: samples further apart than this break it.
MOUTH_MAX_GAP_S = 0.35
_EPSILON_S = 1e-3  # frame timestamps are rounded (30 fps: 0.0333...)


@dataclass(frozen=True)
class Sample:
    t: float
    ear: float
    mar: float  # outer-lip mouth aspect ratio
    jaw: float  # nose tip to chin over nose length
    yaw: float
    pitch: float


@dataclass(frozen=True)
class Neutral:
    ear: float
    mar: float
    jaw: float
    yaw: float
    pitch: float

    @classmethod
    def of(cls, samples: list[Sample]) -> Neutral:
        return cls(
            ear=statistics.median(s.ear for s in samples),
            mar=statistics.median(s.mar for s in samples),
            jaw=statistics.median(s.jaw for s in samples),
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
        self._held_since: float | None = None
        self._last_t: float | None = None
        self._closed_mouths: deque[tuple[float, float]] = deque(
            [(neutral.mar, neutral.jaw)], maxlen=MOUTH_BASELINE_SAMPLES
        )

    def update(self, sample: Sample) -> bool:
        return bool(getattr(self, "_" + self.action)(sample))

    def under_way(self, sample: Sample) -> bool:
        """Does this sample already show the action (eyes shut, head turned or down, mouth
        open)? Used to tell an action begun before its prompt from one that answers it."""
        if self.action == "blink":
            return sample.ear < statistics.median(self._open_ears) * BLINK_CLOSED_RATIO
        if self.action == "mouth_open":
            return self._mouth_openness(sample) >= 1.0
        if self.action == "turn_left":
            return sample.yaw - self.neutral.yaw >= TURN_DEG
        if self.action == "turn_right":
            return self.neutral.yaw - sample.yaw >= TURN_DEG
        return self.neutral.pitch - sample.pitch >= NOD_DEG

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
        gap = self._last_t is not None and s.t - self._last_t > MOUTH_MAX_GAP_S
        self._last_t = s.t
        if gap or abs(s.yaw - self.neutral.yaw) > MOUTH_MAX_YAW_DEG:
            self._held_since = None
            return False
        openness = self._mouth_openness(s)
        is_open = openness >= (MOUTH_KEEP if self._held_since is not None else 1.0)
        if not is_open:
            self._closed_mouths.append((s.mar, s.jaw))
        return self._hold(is_open, s.t, MOUTH_HOLD_S)

    def _mouth_openness(self, s: Sample) -> float:
        """How open against the closed mouth: 1.0 is the lips and the jaw at their thresholds."""
        mar_base = float(
            np.percentile([m for m, _ in self._closed_mouths], MOUTH_BASELINE_PERCENTILE)
        )
        jaw_base = float(
            np.percentile([j for _, j in self._closed_mouths], MOUTH_BASELINE_PERCENTILE)
        )
        lips = (s.mar - mar_base) / MOUTH_OPEN_RISE
        jaw = (s.jaw / jaw_base - 1.0) / MOUTH_JAW_DROP if jaw_base > 0 else 0.0
        return min(lips, jaw)

    def _turn_left(self, s: Sample) -> bool:
        turned = s.yaw - self.neutral.yaw >= TURN_DEG and s.yaw >= TURN_MIN_ABS_DEG
        return self._hold(turned, s.t, TURN_HOLD_S)

    def _turn_right(self, s: Sample) -> bool:
        turned = self.neutral.yaw - s.yaw >= TURN_DEG and s.yaw <= -TURN_MIN_ABS_DEG
        return self._hold(turned, s.t, TURN_HOLD_S)

    def _hold(self, condition: bool, t: float, hold_s: float) -> bool:
        """True once `condition` has held over samples spanning `hold_s` of frame time."""
        if not condition:
            self._held_since = None
            return False
        if self._held_since is None:
            self._held_since = t
        return t - self._held_since >= hold_s - _EPSILON_S

    def _nod(self, s: Sample) -> bool:
        # Down, then back up: a tilted photo holds one pitch, a nod goes and returns.
        drop = self.neutral.pitch - s.pitch
        if drop >= NOD_DEG:
            self._went_down = True
            return False
        return self._went_down and drop <= NOD_DEG / 2
