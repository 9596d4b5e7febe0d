"""Presentation-attack detection (PAD): is the face in front of the camera a live person, or a
photo, a screen or a phone replay? See `kiosk.face.pad.session` for the API and docs/face.md
for the threat model and the measured error rates."""

from kiosk.face.pad.session import SIGNALS, PadSession, PadStage, PadVerdict

__all__ = ["SIGNALS", "PadSession", "PadStage", "PadVerdict"]
