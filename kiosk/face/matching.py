"""Matching the live face against a reference: a card photo, a platform photo or template,
or a template from a cached roster. The result carries the evidence the case record keeps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.face.engine import EMBEDDING_SIZE, Embedding, FaceEngine
from kiosk.face.errors import FaceError, ImageDecodeError
from kiosk.face.images import Image, decode_image, read_image
from kiosk.face.liveness import BestFace, LivenessSession, LivenessUpdate

log = logging.getLogger(__name__)

# A reference is encoded image bytes, an image file, a decoded BGR image or a 128-d template.
Reference = bytes | str | Path | Image | Embedding
Subject = LivenessSession | LivenessUpdate | BestFace


@dataclass(frozen=True)
class MatchResult:
    distance: float
    threshold: float
    match: bool
    evidence: dict[str, Any]
    best_jpeg: bytes = field(repr=False)


def reference_embedding(engine: FaceEngine, reference: Reference) -> Embedding:
    """The template of a reference. Raises NoFaceError, SeveralFacesError, ImageDecodeError."""
    if isinstance(reference, np.ndarray) and reference.shape == (EMBEDDING_SIZE,):
        return np.asarray(reference, dtype=np.float64)
    image = _reference_image(reference)
    work, face = engine.single_face(image)
    return engine.embed(work, face)


def match_reference(
    engine: FaceEngine, reference: Reference, subject: Subject, threshold: float
) -> MatchResult:
    """Compare the liveness session's best frame with the reference at `threshold`."""
    best = _best_face(subject)
    live = best.embedding if best.embedding is not None else engine.embed(best.image, best.face)
    template = reference_embedding(engine, reference)
    distance = round(engine.distance(template, live), 4)
    match = distance <= threshold
    evidence: dict[str, Any] = {
        "distance": distance,
        "threshold": threshold,
        "match": match,
        "reference_kind": _kind(reference),
        "best_frame": {
            "timestamp_s": round(best.timestamp_s, 3),
            "quality_score": best.score,
            "face_box": list(best.face.box),
            "image_size": [int(best.image.shape[1]), int(best.image.shape[0])],
        },
    }
    if isinstance(subject, LivenessSession | LivenessUpdate):
        evidence["liveness"] = liveness_evidence(subject)
    log.info("face match: distance %.3f threshold %.3f -> %s", distance, threshold, match)
    return MatchResult(distance, threshold, match, evidence, best.jpeg())


def liveness_evidence(subject: LivenessSession | LivenessUpdate) -> dict[str, Any]:
    update = subject.result() if isinstance(subject, LivenessSession) else subject
    return {
        "passed": update.passed,
        "reason": update.reason_code,
        "restarts": update.restarts,
        "actions": [
            {"action": a.action, "passed": a.passed, "at_s": a.at_s} for a in update.actions
        ],
    }


def _best_face(subject: Subject) -> BestFace:
    best = subject if isinstance(subject, BestFace) else subject.best
    if best is None:
        raise FaceError("no usable face frame to match (liveness kept no best frame)")
    return best


def _reference_image(reference: Reference) -> Image:
    if isinstance(reference, bytes):
        return decode_image(reference)
    if isinstance(reference, str | Path):
        return read_image(Path(reference))
    if isinstance(reference, np.ndarray) and reference.ndim in (2, 3):
        return np.ascontiguousarray(reference, dtype=np.uint8)
    raise ImageDecodeError("reference is neither an image nor a 128-d template")


def _kind(reference: Reference) -> str:
    if isinstance(reference, np.ndarray):
        return "template" if reference.shape == (EMBEDDING_SIZE,) else "image"
    return "image"
