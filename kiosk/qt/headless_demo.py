"""The headless demo: one simulated pension check through the real flow, devices and screens.

It acts as the resident (taps the buttons a resident would tap, by object name), lets the
simulated card reader, camera and printer do their parts, and saves `NN-<screen>.png` for
every screen shown plus the printed receipt's preview.

Two walks (`DemoSetup.walk`). The face walk plays the shared demo clip (`kiosk.release.demo_clip`)
as the camera: the resident consents and the face check decides. A machine without that clip
(a fresh clone: the clips may not be redistributed) gets the assisted walk instead, the way a
resident without face processing goes: consent declined, help, a staff member unlocks with the
demo's staff PIN, the case is recorded as pending (assisted) and the acceptance slip printed.
Its camera shows the drawn stand-in frame, so nothing opens a real camera. Only the missing
default clip falls back: a configured `camera.source` that does not exist is an error.

With the audit (`render_states`), every screen state a resident can meet (`screens.states`),
including those a good session never shows (help, device fault, more time, not verified,
pending, paper out), is then rendered on the same window at the panel size, saved as
`states/NN-<state>.png` and measured with `screens.audit.audit`. The audit reports; it does
not judge the run: `kiosk demo` exits 0 whenever the session passed, and says whether the
issue's targets were met in `targets_met` / `shortfalls` (the tests hold the screens to them).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
from PySide6.QtCore import QObject, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QPushButton

from config.settings import Settings
from kiosk.app import KioskRuntime
from kiosk.face.demo_clip import DEMO_CLIP, demo_recipe
from kiosk.flow.model import Step
from kiosk.flow.view import StepView
from kiosk.release import DEMO_CLIP_ENV, DEMO_CLIP_RELATIVE, demo_clip
from kiosk.technician.pin import hash_pin
from screens.audit import TARGET_CONTRAST, TARGET_FONT_PX, TARGET_TOUCH_PX, audit, shortfalls
from screens.states import STATES
from screens.window import KioskWindow

log = logging.getLogger(__name__)

FACE_WALK = "face"  # the resident consents and the demo clip is the face
ASSISTED_WALK = "assisted"  # consent declined: staff unlock an assisted check
DEMO_STAFF_PIN = "246810"  # the default PIN; the demo terminal's staff PIN is set to it
# What the resident taps on each screen (missing: wait for the machine), per walk; a tuple is
# tapped in order (the staff opening the PIN pad and typing the PIN).
TAPS: dict[str, dict[str, str | tuple[str, ...]]] = {
    FACE_WALK: {
        "idle": "service_pension_check",
        "confirm_identity": "confirm_yes",
        "consent": "consent_yes",
        "result": "result_continue",
        "rate": "rate_5",
        "thanks": "thanks_done",
    },
}
TAPS[ASSISTED_WALK] = {
    **TAPS[FACE_WALK],
    "consent": "consent_no",
    "help": ("staff_unlock", *(f"pin_{digit}" for digit in DEMO_STAFF_PIN), "pin_ok"),
}
STAND_IN_DIR = "stand-in"  # in the demo's data folder: the assisted walk's camera frames
SETTLE_MS = 400  # let a screen render before grabbing it
REFERENCE_AT_S = 1.0  # the card photo: a frame of the demo clip well before the checked part
CARD_PHOTO = "card_photo.jpg"  # in the demo's data folder
STATES_DIR = "states"  # under the demo's folder: one PNG per screen state
TARGETS = {
    "min_font_px": TARGET_FONT_PX,
    "min_target_px": TARGET_TOUCH_PX,
    "min_contrast": TARGET_CONTRAST,
    "clipped": [],
}


class DemoError(Exception):
    """The demo could not run or did not finish."""


@dataclass(frozen=True)
class DemoSetup:
    settings: Settings
    data_dir: Path
    walk: str  # FACE_WALK or ASSISTED_WALK
    reason: str  # why this walk, one line


def demo_setup(base: Settings, out_dir: Path) -> DemoSetup:
    """The face walk when there is a clip (configured or the default one), else the assisted
    walk. Raises DemoError for a configured camera.source that is not there."""
    if base.camera.source or demo_clip() is not None:
        settings, data_dir = demo_settings(base, out_dir)
        return DemoSetup(settings, data_dir, FACE_WALK, f"camera plays {settings.camera.source}")
    settings, data_dir = assisted_settings(base, out_dir)
    reason = f"no demo clip found: {_where_the_clip_was_looked_for()}; staff-assisted check"
    return DemoSetup(settings, data_dir, ASSISTED_WALK, reason)


def _where_the_clip_was_looked_for() -> str:
    override = os.environ.get(DEMO_CLIP_ENV)
    if override:
        return f"${DEMO_CLIP_ENV}={override} is not a file"
    return f"no ../{DEMO_CLIP_RELATIVE} next to the checkout and ${DEMO_CLIP_ENV} is not set"


def assisted_settings(base: Settings, out_dir: Path) -> tuple[Settings, Path]:
    """The settings of the assisted walk: the stand-in frame as the camera, the demo staff PIN."""
    data_dir = _fresh_data_dir(out_dir)
    frames = data_dir / STAND_IN_DIR
    frames.mkdir()
    if not stand_in_frame().save(str(frames / "0001.png")):
        raise DemoError(f"cannot write {frames / '0001.png'}")
    settings = dataclasses.replace(
        base,
        terminal=dataclasses.replace(base.terminal, data_dir=data_dir),
        camera=dataclasses.replace(base.camera, source=str(frames)),
        # The shared staff PIN, whatever the config's own PINs: the demo knows this one.
        technician=dataclasses.replace(
            base.technician, staff_pin_hash=hash_pin(DEMO_STAFF_PIN), staff=()
        ),
        ui=dataclasses.replace(base.ui, fullscreen=False),
    )
    return settings, data_dir


def _fresh_data_dir(out_dir: Path) -> Path:
    data_dir = out_dir / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    return data_dir


def demo_settings(base: Settings, out_dir: Path) -> tuple[Settings, Path]:
    """The settings of the face walk: its own data folder and a card photo from the clip."""
    data_dir = _fresh_data_dir(out_dir)
    clip = Path(base.camera.source) if base.camera.source else demo_clip()
    if clip is None or not clip.exists():
        raise DemoError(f"demo camera clip not found: {clip} (set camera.source)")
    challenge, reference = _card_photo_and_challenge(clip, data_dir)
    card = dataclasses.replace(
        base.card_reader,
        simulated=dataclasses.replace(base.card_reader.simulated, photo=str(reference)),
    )
    settings = dataclasses.replace(
        base,
        terminal=dataclasses.replace(base.terminal, data_dir=data_dir),
        card_reader=card,
        camera=dataclasses.replace(base.camera, source=str(clip), pace="realtime"),
        # Only the actions the clip really shows: the rest would need a live person.
        face=dataclasses.replace(
            base.face, actions=tuple(challenge), challenge_actions=len(challenge)
        ),
        ui=dataclasses.replace(base.ui, fullscreen=False),
    )
    return settings, data_dir


def _card_photo_and_challenge(clip: Path, data_dir: Path) -> tuple[list[str], Path]:
    """The recipe's clip blinks and turns right and has a frame kept as the card photo; any
    other clip gets a blink challenge and its frame at REFERENCE_AT_S as the card photo."""
    if clip.name == DEMO_CLIP.name:
        _clip, challenge, reference = demo_recipe(clip.parents[2], cache_dir=data_dir)
        return challenge, reference
    reference = data_dir / CARD_PHOTO
    _save_frame(clip, REFERENCE_AT_S, reference)
    return ["blink"], reference


def _save_frame(clip: Path, at_s: float, target: Path) -> None:
    capture = cv2.VideoCapture(str(clip))
    try:
        capture.set(cv2.CAP_PROP_POS_MSEC, at_s * 1000)
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok:
        raise DemoError(f"cannot read a frame from {clip}")
    cv2.imwrite(str(target), frame)


@dataclass
class DemoResult:
    screens: list[Path] = field(default_factory=list)
    receipt: Path | None = None
    steps: list[str] = field(default_factory=list)
    ok: bool = False
    error: str = ""


class DemoDriver(QObject):
    """Plays the resident; finishes when the kiosk is back on the welcome screen."""

    def __init__(
        self,
        runtime: KioskRuntime,
        out_dir: Path,
        timeout_s: float = 180.0,
        walk: str = FACE_WALK,
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.out_dir = out_dir
        self.taps = TAPS[walk]
        self.result = DemoResult()
        self._last_key = ""
        self._welcomed = 0
        runtime.controller.screen_shown.connect(self._on_screen)
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._timed_out)
        self._deadline.start(int(timeout_s * 1000))

    def _on_screen(self, step: str, view: StepView) -> None:
        key = f"{step}:{view.face.action}:{view.liveness_failed}"
        if key == self._last_key:
            return
        self._last_key = key
        self.result.steps.append(step)
        if step == "idle":
            self._welcomed += 1
            if self._welcomed > 1:
                self._finish()
                return
        self._grab(step)
        QTimer.singleShot(SETTLE_MS, lambda s=step, k=key: self._act(s, k))

    def _grab(self, step: str) -> None:
        """Save what the resident sees now (grab() renders synchronously)."""
        path = self.out_dir / f"{len(self.result.screens) + 1:02d}-{step}.png"
        self.runtime.window.grab().save(str(path))
        self.result.screens.append(path)

    def _act(self, step: str, key: str) -> None:
        if key != self._last_key:
            return  # the screen moved on before the resident could tap
        taps = self.taps.get(step, ())
        if step == "face_capture" and self.runtime.controller.flow.view().liveness_failed:
            taps = "face_retry"
        for name in (taps,) if isinstance(taps, str) else taps:
            if not self._tap(name):
                return

    def _tap(self, name: str) -> bool:
        screen = self.runtime.window.current_screen()
        button = screen.findChild(QPushButton, name)
        if button is None:
            self._fail(f"no button {name!r} on screen {screen.step}")
            return False
        button.click()
        return True

    def _finish(self) -> None:
        printed = sorted((self.runtime.data_dir / "printer").glob("*.png"))
        if printed:
            target = self.out_dir / f"{len(self.result.screens) + 1:02d}-receipt.png"
            shutil.copyfile(printed[-1], target)
            self.result.receipt = target
        self.result.ok = printed != [] and "result" in self.result.steps
        if not self.result.ok:
            self.result.error = "the session ended without a printed receipt"
        QApplication.instance().quit()  # type: ignore[union-attr]

    def _timed_out(self) -> None:
        self._fail(f"timed out on screen {self.runtime.controller.flow.step}")

    def _fail(self, why: str) -> None:
        self.result.error = why
        self.result.ok = False
        QApplication.instance().quit()  # type: ignore[union-attr]


def render_states(
    window: KioskWindow, out_dir: Path, panel: tuple[int, int]
) -> list[dict[str, Any]]:
    """Show every screen state on `window`, save `NN-<state>.png` in `out_dir` and audit it.

    The face screen shows a stand-in camera frame (the texts over a picture must stay
    readable). 再听一遍 shows as on a kiosk whose prompts play (the demo has no speaker, and the
    audit measures the full footer). Returns the audit figures, one dict per state, in STATES
    order.
    """
    preview = stand_in_frame()
    window.set_replay_available(True)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.png"):
        old.unlink()
    results = []
    for index, (name, (step, view)) in enumerate(STATES.items(), start=1):
        window.show_step(step, view)
        if step is Step.FACE_CAPTURE:
            window.show_frame(preview)
        results.append(audit(window, name, panel))  # first: it settles pending deletes
        path = out_dir / f"{index:02d}-{name}.png"
        if not window.grab().save(str(path)):
            raise DemoError(f"cannot write {path}")
    return results


def stand_in_frame(width: int = 640, height: int = 480) -> QImage:
    """A drawn head and shoulders for the face screen's preview in the state PNGs.

    Not a frame of the demo clip: the state PNGs are published in docs/, and the shared test
    clips may not be copied or redistributed (their licences are unknown).
    """
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#8a8f94"))  # a grey wall, lit like a service point
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#3b4a5a"))  # shoulders
        painter.drawEllipse(QRectF(width * 0.22, height * 0.72, width * 0.56, height * 0.6))
        painter.setBrush(QColor("#d9b99b"))  # face
        painter.drawEllipse(QRectF(width * 0.38, height * 0.2, width * 0.24, height * 0.48))
    finally:
        painter.end()
    return image


def audit_shortfalls(results: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Per screen, what misses the issue's targets (screens that meet them all are left out)."""
    return {r["name"]: misses for r in results if (misses := shortfalls(r))}
