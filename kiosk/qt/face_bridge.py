"""Face analysis on its own thread (`kiosk-face`): liveness while capturing, then matching.

The GUI thread never runs a model. The engine is loaded once, on this thread, at start-up.
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

from PySide6.QtCore import QObject, Signal

from config.settings import FaceSettings
from kiosk.face.liveness import LivenessSession, LivenessUpdate, random_challenge
from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, Resident
from kiosk.flow.view import FaceGuide
from kiosk.qt.camera_bridge import LatestFrame

log = logging.getLogger(__name__)

# (engine, resident, best face) -> the match's answer; runs on the face thread.
MatchFn = Callable[[Any, Resident | None, Any], ev.MatchDone]


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
    ) -> None:
        super().__init__(parent)
        self._latest = latest
        self._settings = settings
        self._matcher = matcher
        self._engine_loader = engine_loader
        self._rng = rng or random.Random()
        self._jobs: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._capturing = threading.Event()
        self._stop = threading.Event()
        self._engine: Any = None
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
            self._engine = self._engine_loader()
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
        session = LivenessSession(self._engine, self.challenge, self._settings)
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
    """What the face screen shows: the action, its number, and guidance."""
    return FaceGuide(
        action=update.action or "",
        action_index=update.index,
        actions_total=update.total,
        guidance_code=update.guidance_code or "",
        guidance_text=update.guidance or "",
        prompt_id=f"face.{update.action}" if update.action else "",
    )


def evidence(update: LivenessUpdate) -> dict[str, Any]:
    """Liveness evidence for the case record (docs/case-schema.json): JSON-able, no image."""
    return {
        "passed": update.passed,
        "actions": [
            {"action": a.action, "passed": a.passed, "at_s": round(a.at_s, 2)}
            for a in update.actions
        ],
        "restarts": update.restarts,
        "reason": update.reason_code,
        "best_frame_s": round(update.best.timestamp_s, 2) if update.best else None,
    }
