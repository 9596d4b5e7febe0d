"""Active liveness: a random challenge of actions done by one and the same face.

The app's analysis thread creates a `LivenessSession` per attempt and calls `feed(frame)` at
its own rate; every call returns a `LivenessUpdate` to render. Times come from the frames'
timestamps, so a video file is judged exactly as the camera would be.

Rules: each action has its own timeout; the face is tracked from the first sample to the
best frame (box continuity on every frame, embedding checks on good frontal frames); a
second face, a lost face or a different face restarts the challenge from its first action.

Presentation-attack detection (kiosk.face.pad), when a PadStage is given, scores the face of
every analysed frame and is judged over the whole attempt, before the match: an attack ends
the session with `presentation_attack`, early once `decide_after_frames` frames agree, else
at the end whatever the actions did. An action counts only if it begins after its prompt,
and with an rng the prompts after the first come after a random pause.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from enum import StrEnum

import cv2
import numpy as np

from config.settings import FaceSettings, PadSettings
from devices.camera.base import Frame
from kiosk.face.actions import (
    ACTION_PROMPTS,
    ACTIONS,
    NEUTRAL_SAMPLES,
    ActionDetector,
    Neutral,
    Sample,
)
from kiosk.face.engine import Embedding, Face, FaceEngine, fit_within
from kiosk.face.errors import FaceError
from kiosk.face.geometry import (
    HeadPose,
    eye_aspect_ratio,
    head_pose,
    jaw_ratio,
    mouth_aspect_ratio,
)
from kiosk.face.images import Image, encode_jpeg
from kiosk.face.pad import PadSession, PadStage, PadVerdict
from kiosk.face.quality import GUIDANCE_TEXT, Guidance, Quality, assess

log = logging.getLogger(__name__)

ANALYSIS_MAX_SIDE = 640
IDENTITY_CHECK_S = 2.0
# Between two analysed frames one face cannot move further than this share of its width.
MAX_JUMP = 0.6
MAX_SIZE_CHANGE = 1.5
# Correlation of eye-aligned 48x48 face chips of consecutive analysed frames: natural motion
# stays mostly above ~0.55, another person in the same place reads 0.4-0.5 (tune clips).
APPEARANCE_MIN = 0.6
# On a turned or poorly lit frame only a clearly different face (tune impostor pairs: median
# distance ~0.8) restarts at once; a doubtful one is re-checked on the next good frame.
POSE_MARGIN = 0.2
_CHIP = 48


class Reason(StrEnum):
    PASSED = "passed"
    TIMEOUT = "timeout"
    NO_FACE = "no_face"
    FACE_CHANGED = "face_changed"
    TOO_MANY_RESTARTS = "too_many_restarts"
    POOR_QUALITY = "poor_quality"
    PRESENTATION_ATTACK = "presentation_attack"


REASON_TEXT: dict[Reason, str] = {
    Reason.PASSED: "动作检测通过。",
    Reason.TIMEOUT: "没有看到您做完动作，请再试一次。",
    Reason.NO_FACE: "没有看到您的脸，请正对屏幕再试一次。",
    Reason.FACE_CHANGED: "检测中换了人，请本人一个人站在屏幕前再试一次。",
    Reason.TOO_MANY_RESTARTS: "画面里的人有变化，请本人一个人站在屏幕前再试一次。",
    Reason.POOR_QUALITY: "没有拍到清楚的正脸，请正对屏幕、保持不动再试一次。",
    # Neutral on purpose: a live resident may be refused too (a screen behind them, odd light).
    Reason.PRESENTATION_ATTACK: (
        "请您本人直接对着摄像头，不要使用照片、视频或手机。需要帮助，请找工作人员。"
    ),
}

# After the last action: the frame to match is still missing (every good frame so far was
# turned, blurred or badly lit), so ask for one.
CAPTURE_PROMPT = "请正对屏幕，保持不动。"
# During the random pause before the next action's prompt.
HOLD_PROMPT = "请看着屏幕，稍等。"


class Restart(StrEnum):
    SEVERAL_FACES = "several_faces"
    FACE_LOST = "face_lost"
    FACE_CHANGED = "face_changed"


def random_challenge(settings: FaceSettings, rng: random.Random) -> list[str]:
    """`settings.challenge_actions` distinct actions drawn from `settings.actions`."""
    pool = [a for a in dict.fromkeys(settings.actions) if a in ACTIONS]
    if not pool:
        raise ValueError("face.actions names no known action")
    return rng.sample(pool, min(settings.challenge_actions, len(pool)))


@dataclass(frozen=True)
class ActionResult:
    action: str
    passed: bool
    at_s: float  # seconds from the session's first frame: when passed, failed or abandoned


@dataclass(frozen=True)
class BestFace:
    """The frame kept for matching and as evidence (analysis size, BGR)."""

    image: Image = field(repr=False)
    face: Face = field(repr=False)
    timestamp_s: float
    score: float
    embedding: Embedding | None = field(default=None, repr=False)

    def jpeg(self) -> bytes:
        return encode_jpeg(self.image)


@dataclass(frozen=True)
class LivenessUpdate:
    action: str | None  # the action asked for now (None once all are done)
    prompt: str | None  # what to ask the resident for, in Chinese (None once finished)
    index: int  # 0-based index of the current action
    total: int
    guidance_code: str | None  # a Guidance or Restart code when the frame needs fixing
    guidance: str | None
    finished: bool
    passed: bool
    reason_code: str | None  # a Reason once finished
    reason: str | None
    actions: tuple[ActionResult, ...]
    restarts: int
    best: BestFace | None = field(default=None, repr=False)
    pad: PadVerdict | None = None  # the PAD stage's verdict so far (None: no stage given)

    @property
    def best_embedding(self) -> Embedding | None:
        return None if self.best is None else self.best.embedding


@dataclass
class _Track:
    face: Face
    seen_at: float
    chip: Image


class LivenessSession:
    """One liveness attempt. Not thread-safe: one analysis thread feeds it."""

    _index: int
    _results: list[ActionResult]
    _detector: ActionDetector | None
    _neutral: Neutral | None
    _neutral_samples: list[Sample]
    _track: _Track | None
    _anchor: Embedding | None
    _anchor_checked_at: float
    _force_check: bool
    _best: BestFace | None
    _action_start: float | None
    _last_t: float | None
    _previous_t: float
    _frames_in_action: int
    _faces_in_action: int
    _prompt_at: float | None
    _early_window: bool
    _await_clear: bool

    def __init__(
        self,
        engine: FaceEngine,
        challenge: list[str],
        settings: FaceSettings,
        *,
        pad: PadStage | None = None,
        rng: random.Random | None = None,
    ) -> None:
        unknown = [a for a in challenge if a not in ACTIONS]
        if not challenge or unknown:
            raise ValueError(f"bad challenge {challenge!r}")
        self._engine = engine
        self._challenge = list(challenge)
        self._settings = settings
        self._pad_settings: PadSettings = settings.pad
        self._pad: PadSession | None = (
            pad.session() if pad is not None and settings.pad.enabled else None
        )
        self._rng = rng
        self._restarts = 0
        self._first_t: float | None = None
        self._final: LivenessUpdate | None = None
        self._reset(None)

    @property
    def challenge(self) -> list[str]:
        return list(self._challenge)

    @property
    def best(self) -> BestFace | None:
        return self._best

    def result(self) -> LivenessUpdate:
        """The final update once finished; raises FaceError before that."""
        if self._final is None:
            raise FaceError("liveness session has not finished")
        return self._final

    def feed(self, frame: Frame) -> LivenessUpdate:
        if self._final is not None:
            return self._final
        t = frame.timestamp_s
        if self._first_t is None:
            self._first_t = t
        if self._action_start is None:
            self._action_start = t
        image = fit_within(frame.image, ANALYSIS_MAX_SIDE)
        faces = self._engine.detect(image)
        if self._pad is not None:
            self._observe_pad(image, faces)
        problem = self._analyse(image, faces, t)
        if self._final is not None:
            return self._final
        if self._pad_attack_now():
            return self._finish(t, Reason.PRESENTATION_ATTACK)
        if self._timed_out(t):
            return self._finish(t, self._timeout_reason())
        return self._update(problem)

    def end_of_input(self, t: float | None = None) -> LivenessUpdate:
        """The source ended (a file): judge the unfinished action as timed out."""
        if self._final is not None:
            return self._final
        end = t if t is not None else (self._last_t if self._last_t is not None else 0.0)
        return self._finish(end, self._timeout_reason())

    # -- presentation attacks ------------------------------------------------------------

    def _observe_pad(self, image: Image, faces: list[Face]) -> None:
        assert self._pad is not None
        if not faces:
            self._pad.face_lost()
            return
        # The largest face is the one the check is about (a second face restarts it anyway).
        self._pad.observe(image, faces[0])

    def _pad_attack_now(self) -> bool:
        pad = self._pad
        if pad is None or pad.frames < self._pad_settings.decide_after_frames:
            return False
        return pad.verdict().attack

    def _pad_verdict(self) -> PadVerdict | None:
        return None if self._pad is None else self._pad.verdict()

    # -- per frame -----------------------------------------------------------------------

    def _analyse(self, image: Image, faces: list[Face], t: float) -> str | None:
        self._previous_t = self._last_t if self._last_t is not None else t
        self._last_t = t
        self._frames_in_action += 1
        if len(faces) > 1:
            return self._restart(Restart.SEVERAL_FACES, t)
        if not faces:
            return self._no_face(t)
        face = faces[0]
        chip = appearance_chip(image, face)
        if self._track is not None and self._track.seen_at < self._previous_t:
            # The face was out of view for a moment (a far turn): it may come back anywhere,
            # so prove it is the same one by its embedding instead of by its position.
            self._force_check = True
        elif self._track is not None and _jumped(self._track.face, face):
            return self._restart(Restart.FACE_CHANGED, t)
        elif self._track is not None and _correlation(self._track.chip, chip) < APPEARANCE_MIN:
            self._force_check = True  # looks different from a moment ago: check who it is
        self._track = _Track(face, t, chip)
        self._faces_in_action += 1
        pose = head_pose(face.landmarks, image.shape[:2])
        quality = assess(image, [face], pose)
        if not self._identity_ok(image, face, quality, t):
            return self._restart(Restart.FACE_CHANGED, t)
        self._keep_best(image, face, quality, pose, t)
        self._step_action(face, pose, t)
        return None if quality.ok or self._turning() else quality.problem

    def _no_face(self, t: float) -> str | None:
        lost = self._track is not None and t - self._track.seen_at > self._settings.face_lost_s
        if lost:
            return self._restart(Restart.FACE_LOST, t)
        return Guidance.NO_FACE

    def _identity_ok(self, image: Image, face: Face, quality: Quality, t: float) -> bool:
        """Same face as the anchor? Checked on good frames every IDENTITY_CHECK_S, and at
        once (on any frame) after the face was out of view or suddenly looked different."""
        if self._anchor is None:
            if quality.ok:
                self._anchor = self._engine.embed(image, face)
                self._anchor_checked_at = t
            return True
        due = quality.ok and t - self._anchor_checked_at >= IDENTITY_CHECK_S
        if not (due or self._force_check):
            return True
        self._force_check = False
        self._anchor_checked_at = t
        distance = self._engine.distance(self._anchor, self._engine.embed(image, face))
        if distance <= self._settings.threshold:
            return True
        if quality.ok or distance > self._settings.threshold + POSE_MARGIN:
            log.info("liveness: face changed (distance %.3f)", distance)
            return False
        # A turned or badly lit face sits further from its own anchor: not proof of a swap,
        # so decide on the next good frame (checked at once, whatever the interval).
        self._anchor_checked_at = float("-inf")
        return True

    def _keep_best(
        self, image: Image, face: Face, quality: Quality, pose: HeadPose, t: float
    ) -> None:
        score = quality.score(pose)
        if score > 0 and (self._best is None or score > self._best.score):
            self._best = BestFace(image=image.copy(), face=face, timestamp_s=t, score=score)

    def _step_action(self, face: Face, pose: HeadPose, t: float) -> None:
        sample = Sample(
            t=t,
            ear=eye_aspect_ratio(face.landmarks),
            mar=mouth_aspect_ratio(face.landmarks),
            jaw=jaw_ratio(face.landmarks),
            yaw=pose.yaw,
            pitch=pose.pitch,
        )
        if self._index >= len(self._challenge):
            if self._best is not None:
                self._complete(t)
            return
        if self._prompt_at is None:
            self._prompt_at = t  # the prompt is on screen from this sample on
        if self._neutral is None:
            self._neutral_samples.append(sample)
            if len(self._neutral_samples) < NEUTRAL_SAMPLES:
                return
            self._neutral = Neutral.of(self._neutral_samples)
        if self._prompt_at is not None and t < self._prompt_at:
            return  # the random pause before this prompt
        if self._detector is None:
            self._detector = ActionDetector(self._challenge[self._index], self._neutral)
        if not self._answers_prompt(self._detector, sample):
            return
        if not self._detector.update(sample):
            return
        self._results.append(ActionResult(self._detector.action, True, self._since_start(t)))
        self._index += 1
        self._detector = None
        self._action_start = t
        self._frames_in_action = self._faces_in_action = 0
        self._next_prompt(t)
        if self._index == len(self._challenge) and self._best is not None:
            self._complete(t)

    def _answers_prompt(self, detector: ActionDetector, sample: Sample) -> bool:
        """False while the action was already under way when its prompt came: that one does
        not count (a replay's habit), the resident has to stop and do it again."""
        assert self._prompt_at is not None
        if self._early_window and sample.t - self._prompt_at <= self._pad_settings.reaction_s:
            if detector.under_way(sample):
                self._early_window = False
                self._await_clear = True
                log.info("liveness: %s under way before its prompt", detector.action)
                if self._pad is not None:
                    self._pad.note_prompt(detector.action, early=True)
        else:
            self._early_window = False
        if self._await_clear:
            if detector.under_way(sample):
                return False
            self._await_clear = False
            self._detector = detector = ActionDetector(detector.action, detector.neutral)
        return True

    def _next_prompt(self, t: float) -> None:
        """When the next prompt comes: at once, or after a random pause when an rng is set."""
        low, high = self._pad_settings.prompt_gap_min_s, self._pad_settings.prompt_gap_max_s
        gap = self._rng.uniform(low, high) if self._rng is not None else 0.0
        self._prompt_at = t + gap if gap > 0 else None
        self._early_window = True
        self._await_clear = False

    def _complete(self, t: float) -> None:
        best = self._best
        assert best is not None
        verdict = self._pad_verdict()
        if verdict is not None and verdict.attack:
            self._finish(t, Reason.PRESENTATION_ATTACK)  # judged before the match
            return
        embedding = self._engine.embed(best.image, best.face)
        if self._anchor is not None:
            distance = self._engine.distance(self._anchor, embedding)
            if distance > self._settings.threshold:
                self._finish(t, Reason.FACE_CHANGED)
                return
        self._best = BestFace(best.image, best.face, best.timestamp_s, best.score, embedding)
        self._finish(t, Reason.PASSED)

    # -- state -----------------------------------------------------------------------------

    def _reset(self, t: float | None) -> None:
        self._index = 0
        self._results = []
        self._detector = None
        self._neutral = None
        self._neutral_samples = []
        self._track = None
        self._anchor = None
        self._anchor_checked_at = float("-inf")
        self._force_check = False
        self._best = None
        self._action_start = t
        self._last_t = t
        self._previous_t = t if t is not None else 0.0
        self._frames_in_action = 0
        self._faces_in_action = 0
        self._prompt_at = None
        self._early_window = True
        self._await_clear = False

    def _restart(self, why: Restart, t: float) -> str:
        progressed = self._track is not None or self._index > 0
        if not progressed:
            return why.value
        self._restarts += 1
        log.info("liveness: restart %d (%s)", self._restarts, why.value)
        if self._restarts > self._settings.max_restarts:
            self._finish(t, Reason.TOO_MANY_RESTARTS)
            return why.value
        self._reset(t)
        return why.value

    def _timed_out(self, t: float) -> bool:
        start = self._action_start if self._action_start is not None else t
        return t - start > self._settings.action_timeout_s

    def _timeout_reason(self) -> Reason:
        if self._index >= len(self._challenge) and self._faces_in_action:
            return Reason.POOR_QUALITY
        if self._faces_in_action * 2 < self._frames_in_action or self._frames_in_action == 0:
            return Reason.NO_FACE
        return Reason.TIMEOUT

    def _turning(self) -> bool:
        action = self._current_action()
        return action in ("turn_left", "turn_right", "nod")

    def _current_action(self) -> str | None:
        if self._index >= len(self._challenge):
            return None
        return self._challenge[self._index]

    def _since_start(self, t: float) -> float:
        return round(t - (self._first_t if self._first_t is not None else t), 3)

    def _finish(self, t: float, reason: Reason) -> LivenessUpdate:
        verdict = self._pad_verdict()
        if verdict is not None and verdict.attack:
            # Whatever else went wrong, a suspected attack is what the reviewers must see.
            reason = Reason.PRESENTATION_ATTACK
        results = list(self._results)
        for position in range(len(results), len(self._challenge)):
            results.append(ActionResult(self._challenge[position], False, self._since_start(t)))
        self._results = results
        passed = reason is Reason.PASSED
        self._final = LivenessUpdate(
            action=None,
            prompt=None,
            index=min(self._index, len(self._challenge) - 1),
            total=len(self._challenge),
            guidance_code=None,
            guidance=None,
            finished=True,
            passed=passed,
            reason_code=reason.value,
            reason=REASON_TEXT[reason],
            actions=tuple(results),
            restarts=self._restarts,
            best=self._best,
            pad=verdict,
        )
        log.info("liveness finished: %s after %d restarts", reason.value, self._restarts)
        return self._final

    def _update(self, problem: str | None) -> LivenessUpdate:
        action = self._current_action()
        prompt = CAPTURE_PROMPT if action is None else ACTION_PROMPTS[action]
        waiting = self._prompt_at is not None and (self._last_t or 0.0) < self._prompt_at
        if action is not None and waiting:
            action, prompt = None, HOLD_PROMPT
        return LivenessUpdate(
            action=action,
            prompt=prompt,
            index=self._index,
            total=len(self._challenge),
            guidance_code=problem,
            guidance=_guidance_text(problem),
            finished=False,
            passed=False,
            reason_code=None,
            reason=None,
            actions=tuple(self._results),
            restarts=self._restarts,
            best=self._best,
        )


RESTART_TEXT: dict[str, str] = {
    Restart.SEVERAL_FACES: GUIDANCE_TEXT[Guidance.SEVERAL_FACES],
    Restart.FACE_LOST: "请不要离开，脸对准屏幕，我们重新开始。",
    Restart.FACE_CHANGED: "画面里的人变了，请本人站在屏幕前，我们重新开始。",
}


def _guidance_text(code: str | None) -> str | None:
    if code is None:
        return None
    if code in RESTART_TEXT:
        return RESTART_TEXT[code]
    return GUIDANCE_TEXT[Guidance(code)]


def _jumped(before: Face, after: Face) -> bool:
    dx = after.centre[0] - before.centre[0]
    dy = after.centre[1] - before.centre[1]
    moved = float(np.hypot(dx, dy)) / max(1, before.width)
    ratio = max(after.width, 1) / max(before.width, 1)
    return moved > MAX_JUMP or not 1 / MAX_SIZE_CHANGE <= ratio <= MAX_SIZE_CHANGE


def appearance_chip(image: Image, face: Face) -> Image:
    """The face, grey, aligned on the eyes and normalised: a cheap look for change detection."""
    right_eye = face.landmarks[36:42].mean(axis=0)
    left_eye = face.landmarks[42:48].mean(axis=0)
    centre = (right_eye + left_eye) / 2.0
    span = float(np.linalg.norm(left_eye - right_eye)) or 1.0
    angle = float(np.degrees(np.arctan2(left_eye[1] - right_eye[1], left_eye[0] - right_eye[0])))
    matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, 20.0 / span)
    matrix[0, 2] += _CHIP / 2 - centre[0]
    matrix[1, 2] += _CHIP * 0.375 - centre[1]
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    chip = cv2.warpAffine(grey, matrix, (_CHIP, _CHIP)).astype(np.float32)
    chip -= chip.mean()
    chip /= float(chip.std()) + 1e-6
    return chip  # type: ignore[return-value]


def _correlation(a: Image, b: Image) -> float:
    return float(np.mean(a * b))
