"""Face analysis: detection, quality gate, active liveness and matching (no Qt).

engine = FaceEngine.load()                       # once, off the GUI thread (~1.5 s)
challenge = random_challenge(settings.face, random.Random())
session = LivenessSession(engine, challenge, settings.face)
update = session.feed(frame)                     # on the analysis thread, per frame
result = match_reference(engine, card_photo, session, settings.face.threshold)
"""

from kiosk.face.engine import Face, FaceEngine
from kiosk.face.errors import FaceError, NoFaceError, SeveralFacesError
from kiosk.face.liveness import (
    ActionResult,
    BestFace,
    LivenessSession,
    LivenessUpdate,
    Reason,
    random_challenge,
)
from kiosk.face.matching import MatchResult, match_reference, reference_embedding
from kiosk.face.quality import Guidance

__all__ = [
    "ActionResult",
    "BestFace",
    "Face",
    "FaceEngine",
    "FaceError",
    "Guidance",
    "LivenessSession",
    "LivenessUpdate",
    "MatchResult",
    "NoFaceError",
    "Reason",
    "SeveralFacesError",
    "match_reference",
    "random_challenge",
    "reference_embedding",
]
