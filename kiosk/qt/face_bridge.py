"""Face analysis on its own thread (`kiosk-face`): liveness while capturing, then matching.

The GUI thread never runs a model. The engine and the presentation-attack (PAD) stage are
loaded once, on this thread, at start-up; if either fails to load (a model file missing or
altered), no check runs at all: the kiosk fails closed rather than check without PAD.
Frames come from the camera's latest-frame mailbox, so analysis runs at its own rate
(`face.analysis_fps`) while the preview shows every frame.

An engine that cannot load is a device fault, never the resident's: `engine_failed` says so at
start-up, and again for every capture asked for without an engine (each tries to load it once
more first; `engine_ready` when one does). No capture is run, so no liveness answer is made up.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import cv2
from PySide6.QtCore import QObject, Signal

from config.settings import FaceSettings
from kiosk.face.liveness import HOLD_PROMPT, LivenessSession, LivenessUpdate, random_challenge
from kiosk.face.pad import PadStage
from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, Resident
from kiosk.flow.view import FaceGuide
from kiosk.qt.camera_bridge import LatestFrame

log = logging.getLogger(__name__)

# (engine, resident, best face) -> the match's answer; runs on the face thread.
MatchFn = Callable[[Any, Resident | None, Any], ev.MatchDone]
# Loads the PAD stage (None: PAD switched off in config); runs on the face thread.
PadLoader = Callable[[], PadStage | None]


def pad_loader(settings: FaceSettings) -> PadLoader:
    """The configured PAD stage's loader; raises ModelLoadError when its model is missing or
    does not match its pinned sha256."""
    return lambda: PadStage.load(settings.pad) if settings.pad.enabled else None


class FaceBridge(QObject):
    progress = Signal(object)  # FaceGuide
    liveness_done = Signal(object)  # ev.LivenessDone
    match_done = Signal(object)  # ev.MatchDone
    engine_failed = Signal(str)  # the models could not load (why, for the technician)
    engine_ready = Signal()  # the models are loaded (at start-up, or on a later try)

    def __init__(
        self,
        latest: LatestFrame,
        settings: FaceSettings,
        matcher: MatchFn,
        engine_loader: Callable[[], Any],
        rng: random.Random | None = None,
        parent: QObject | None = None,
        *,
        load_pad: PadLoader | None = None,
    ) -> None:
        super().__init__(parent)
        self._latest = latest
        self._settings = settings
        self._matcher = matcher
        self._engine_loader = engine_loader
        self._load_pad = load_pad or pad_loader(settings)
        self._rng = rng or random.Random()
        self._jobs: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._capturing = threading.Event()
        self._stop = threading.Event()
        self._engine: Any = None
        self._pad: PadStage | None = None
        self._best: Any = None
        self._best_lock = threading.Lock()
        self.challenge: list[str] = []
        self._thread = threading.Thread(target=self._run, name="kiosk-face", daemon=True)

    def start(self) -> None:
        """Start the face thread (it loads the models first). After shutdown(): nothing."""
        if not self._stop.is_set() and not self._thread.is_alive():
            self._thread.start()

    def start_capture(self, attempt: int) -> None:
        self._jobs.put(("capture", attempt))

    def stop_capture(self) -> None:
        self._capturing.clear()

    def match(self, resident: Resident | None) -> None:
        self._jobs.put(("match", resident))

    def wipe(self) -> None:
        """Forget the last best frame (the session is over)."""
        self._jobs.put(("wipe", None))

    def shutdown(self) -> None:
        self._stop.set()
        self._capturing.clear()
        self._jobs.put(("stop", None))
        if self._thread.ident is not None:  # started (start may still have been pending)
            self._thread.join(10.0)

    # -- on the face thread -----------------------------------------------------------------
    def _run(self) -> None:
        # OpenCV's worker pool would spread the PAD network over both of the terminal's cores,
        # the GUI's too: the face work keeps to this thread (bench/pad.py measures it so).
        cv2.setNumThreads(1)
        self._load_engine()
        while not self._stop.is_set():
            kind, arg = self._jobs.get()
            if kind == "capture":
                self._capture()
            elif kind == "match":
                self._match(arg)
            elif kind == "wipe":
                self._set_best(None)

    def _load_engine(self) -> bool:
        """Load the models; False (and `engine_failed`) when they cannot be loaded."""
        try:
            engine = self._engine_loader()
            self._pad = self._load_pad()
            self._engine = engine  # only with its PAD stage: no check may skip PAD
        except Exception as exc:  # model files missing or broken: the technician must know
            log.exception("face engine failed to load")
            self.engine_failed.emit(str(exc))
            return False
        self.engine_ready.emit()
        return True

    def _capture(self) -> None:
        if self._engine is None and not self._load_engine():
            return  # a device fault (engine_failed), not a failed check
        self._set_best(None)
        self.challenge = random_challenge(self._settings, self._rng)
        session = LivenessSession(
            self._engine, self.challenge, self._settings, pad=self._pad, rng=self._rng
        )
        self._capturing.set()
        self._latest.clear()
        period = 1.0 / self._settings.analysis_fps
        last: FaceGuide | None = None
        while self._capturing.is_set() and not self._stop.is_set():
            started = time.monotonic()
            frame = self._latest.take(0.5)
            if frame is None:
                continue
            update = session.feed(frame)
            guide = face_guide(update)
            if guide != last:
                shown = guide
                if last is not None and guide.action == last.action:
                    shown = dataclasses.replace(guide, prompt_id="")  # each action said once
                self.progress.emit(shown)
                last = guide
            if update.finished:
                self._capturing.clear()
                self._set_best(update.best)
                done = ev.LivenessDone(update.passed, update.reason_code or "", evidence(update))
                self.liveness_done.emit(done)
                return
            self._stop.wait(max(0.0, period - (time.monotonic() - started)))

    def _set_best(self, best: Any) -> None:
        with self._best_lock:
            self._best = best

    def best_jpeg(self) -> bytes | None:
        """The kept best frame as JPEG (for the case record); callable from any thread."""
        with self._best_lock:
            best = self._best
        return None if best is None else bytes(best.jpeg())

    def _match(self, resident: Resident | None) -> None:
        with self._best_lock:
            best = self._best
        try:
            done = self._matcher(self._engine, resident, best)
        except Exception:  # a matcher bug must not strand the resident on "please wait"
            log.exception("matching failed")
            done = ev.MatchDone(Outcome.PENDING, "match_error")
        self.match_done.emit(done)


def face_guide(update: LivenessUpdate) -> FaceGuide:
    """What the face screen shows: the action, its number, and guidance. While the random
    pause before the next prompt runs there is no action: the resident is asked to hold."""
    holding = update.action is None and update.prompt == HOLD_PROMPT
    prompt_id = "face.hold" if holding else ""
    if update.action:
        prompt_id = f"face.{update.action}"
    return FaceGuide(
        action=update.action or "",
        action_index=update.index,
        actions_total=update.total,
        guidance_code=update.guidance_code or "",
        guidance_text=update.guidance or "",
        prompt_id=prompt_id,
        holding=holding,
    )


def evidence(update: LivenessUpdate) -> dict[str, Any]:
    """Liveness evidence for the case record (docs/case-schema.json): JSON-able, no image; the
    PAD stage's scores per signal when it ran."""
    evidence: dict[str, Any] = {
        "passed": update.passed,
        "actions": [
            {"action": a.action, "passed": a.passed, "at_s": round(a.at_s, 2)}
            for a in update.actions
        ],
        "restarts": update.restarts,
        "reason": update.reason_code,
        "best_frame_s": round(update.best.timestamp_s, 2) if update.best else None,
    }
    if update.pad is not None:
        evidence["pad"] = update.pad.evidence()
    return evidence
