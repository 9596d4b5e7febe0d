"""The PAD stage: per-frame observations combined into one verdict over a session.

    stage = PadStage.load(settings.face.pad)     # once, off the GUI thread (~0.1 s)
    pad = stage.session()                         # per liveness attempt (or per file)
    pad.observe(image, face)                      # per analysed frame with a face, <= ~10 ms
    pad.note_prompt(action, early=...)            # the challenge: did the action start early?
    verdict = pad.verdict()                       # PadVerdict: attack, score, signals, frames

Every signal gives a session score in [0, 1] with 0.5 at its own decision point. They are
fused as evidence in log-odds: the learned model counts both ways (live or attack), the
classical cues only towards an attack (a missing bezel proves nothing: a print may have none).
Per-frame measures are summarised by their median or share over the session, so one odd frame
(a hand passing, a turned head) does not fail a live resident.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from config.settings import PadSettings
from kiosk.face.engine import Face
from kiosk.face.images import Image
from kiosk.face.pad import cues
from kiosk.face.pad.model import LivenessModel, attack_score, load_model

SIGNALS = ("model", "bezel", "moire", "glare", "colour", "freeze", "challenge")
# Evidence weights (log-odds per unit of a signal's own log-odds). The model is the one signal
# that separates the tune attacks from live faces on its own (docs/face.md); the others may
# tip a doubtful session, and each alone is decisive only when far past its threshold.
WEIGHTS: dict[str, float] = {
    "model": 1.0,
    "bezel": 0.5,
    "moire": 0.5,
    "glare": 0.5,
    "colour": 0.5,
    "freeze": 0.5,
    "challenge": 1.0,
}
MAX_EVIDENCE = 4.0  # |log-odds| one signal may contribute before its weight
# Without the model a session leans live: one classical cue must be clearly past its
# threshold (score >= ~0.88) to refuse on its own.
PRIOR_WITHOUT_MODEL = -1.0
# Each classical cue's decision point and softness (score = sigmoid((x - point) / softness)),
# chosen on the tune stills and clips (docs/face.md).
BEZEL_SHARE = (0.5, 0.1)  # share of frames with a frame-like pair of edges beside the face
MOIRE_PEAK = (3.3, 0.15)
GLARE_SHARE = (0.05, 0.01)
COLOUR_CAST = (2.0, -2.0)  # lower is more suspicious
FREEZE_SHARE = (0.5, 0.1)
FREEZE_MIN_PAIRS = 10
EARLY_STARTS = (1.5, 0.25)
# A blink just as its prompt starts happens to live people too (they blink every few seconds):
# it counts half as much as an early turn, nod or open mouth.
EARLY_WEIGHT = {"blink": 0.5}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def _logit(p: float) -> float:
    p = min(1 - 1e-9, max(1e-9, p))
    return math.log(p / (1 - p))


def _ramp(value: float, point_softness: tuple[float, float]) -> float:
    point, softness = point_softness
    return _sigmoid((value - point) / softness)


@dataclass(frozen=True)
class PadVerdict:
    attack: bool
    score: float  # fused attack score, 0-1; attack when >= the configured threshold
    signals: dict[str, float]  # each signal's own session score, 0-1 (0.5 = its threshold)
    frames: int  # analysed frames with a face
    suspicious_frames: int = 0  # frames whose own fused score was past the threshold
    early_starts: float = 0.0  # challenge actions under way before their prompt (weighted)
    model: str = "none"

    def as_dict(self) -> dict[str, Any]:
        """The `kiosk face pad --json` shape."""
        return {
            "attack": self.attack,
            "score": round(self.score, 4),
            "signals": {name: round(value, 4) for name, value in self.signals.items()},
            "frames": self.frames,
        }

    def evidence(self) -> dict[str, Any]:
        """For the case record and its reviewers: scores only, no image."""
        return {
            **self.as_dict(),
            "suspicious_frames": self.suspicious_frames,
            "early_starts": self.early_starts,
            "model": self.model,
        }


# The model (~9 ms of CPU) and the classical cues (~6 ms) take turns: the model on even
# frames, the cues on odd ones, both on the first (a photo is one frame). Their session
# summaries (median, share) need many frames, not every frame, and no frame costs more than
# ~10 ms this way (bench/pad.py), inside the face thread's budget at 10 frames a second.
def _runs_model(index: int) -> bool:
    return index % 2 == 0


def _runs_cues(index: int) -> bool:
    return index == 0 or index % 2 == 1


@dataclass
class _Frame:
    model: float | None
    cues: cues.FrameCues | None = field(repr=False)


class PadSession:
    """One session's observations. Not thread-safe: the analysis thread owns it."""

    def __init__(self, model: LivenessModel | None, threshold: float) -> None:
        self._model = model
        self._threshold = threshold
        self._frames: list[_Frame] = []
        self._frozen_pairs = 0
        self._pairs = 0
        self._early = 0.0
        self._last_chip: Image | None = None
        self._suspicious = 0

    @property
    def frames(self) -> int:
        return len(self._frames)

    def observe(self, image: Image, face: Face) -> float:
        """Score one analysed frame's face; returns that frame's own fused attack score."""
        index = len(self._frames)
        model = self._model if _runs_model(index) else None
        live = model.live_probability(image, face.box) if model is not None else None
        # Without a model the cues run on every frame: they are all there is.
        with_cues = self._model is None or _runs_cues(index)
        measured = cues.measure(image, face) if with_cues else None
        frame = _Frame(None if live is None else attack_score(live), measured)
        chip = cues.face_chip(image, face)
        if self._last_chip is not None:
            self._pairs += 1
            self._frozen_pairs += cues.frozen(self._last_chip, chip)
        self._last_chip = chip
        self._frames.append(frame)
        frame_score = fuse(self._frame_signals(frame))
        self._suspicious += frame_score >= self._threshold
        return frame_score

    def face_lost(self) -> None:
        """The face left the view: the next frame is not compared with the last one."""
        self._last_chip = None

    def note_prompt(self, action: str, *, early: bool) -> None:
        """A prompt was answered; `early` when the action was under way before the resident
        could have reacted to the prompt (a replay's habit)."""
        if early:
            self._early += EARLY_WEIGHT.get(action, 1.0)

    def verdict(self) -> PadVerdict:
        signals = self._session_signals()
        score = fuse(signals) if self._frames else 0.0
        return PadVerdict(
            attack=bool(self._frames) and score >= self._threshold,
            score=score,
            signals=signals,
            frames=len(self._frames),
            suspicious_frames=self._suspicious,
            early_starts=self._early,
            model=self._model.name if self._model else "none",
        )

    # -- scoring ---------------------------------------------------------------------------

    def _frame_signals(self, frame: _Frame) -> dict[str, float]:
        signals = {} if frame.model is None else {"model": frame.model}
        if frame.cues is not None:
            signals.update(_cue_scores([frame.cues]))
        return signals

    def _session_signals(self) -> dict[str, float]:
        signals: dict[str, float] = {}
        model = [f.model for f in self._frames if f.model is not None]
        if model:
            signals["model"] = statistics.median(model)
        measured = [f.cues for f in self._frames if f.cues is not None]
        if measured:
            signals.update(_cue_scores(measured))
        share = self._frozen_pairs / self._pairs if self._pairs >= FREEZE_MIN_PAIRS else 0.0
        signals["freeze"] = _ramp(share, FREEZE_SHARE) if self._pairs >= FREEZE_MIN_PAIRS else 0.0
        signals["challenge"] = _ramp(self._early, EARLY_STARTS) if self._early else 0.0
        return signals


def fuse(signals: dict[str, float]) -> float:
    """The fused attack score of signal scores (any subset of SIGNALS), 0-1."""
    evidence = 0.0 if "model" in signals else PRIOR_WITHOUT_MODEL
    for name, value in signals.items():
        z = max(-MAX_EVIDENCE, min(MAX_EVIDENCE, _logit(value)))
        if name != "model":
            z = max(0.0, z)  # classical cues and the challenge only ever add suspicion
        evidence += WEIGHTS[name] * z
    return _sigmoid(evidence)


def _cue_scores(frames: list[cues.FrameCues]) -> dict[str, float]:
    def median(get: Callable[[cues.FrameCues], float]) -> float:
        return statistics.median(get(f) for f in frames)

    return {
        "bezel": _ramp(statistics.fmean(f.bezel for f in frames), BEZEL_SHARE),
        "moire": _ramp(median(lambda f: f.moire), MOIRE_PEAK),
        "glare": _ramp(median(lambda f: f.glare), GLARE_SHARE),
        "colour": _ramp(median(lambda f: f.colour), COLOUR_CAST),
    }


class PadStage:
    """The loaded stage (model backend and settings); makes one PadSession per attempt."""

    def __init__(self, settings: PadSettings, model: LivenessModel | None) -> None:
        self.settings = settings
        self.model = model

    @classmethod
    def load(cls, settings: PadSettings) -> PadStage:
        """Load the configured model backend. Raises ModelLoadError (missing, altered file)."""
        return cls(settings, load_model(settings.model))

    def session(self) -> PadSession:
        return PadSession(self.model, self.settings.threshold)
