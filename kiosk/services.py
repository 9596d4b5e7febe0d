"""Qt-free services behind the controller: matching, recording a case, looking up a check.

Each runs on a worker thread (face or store); none touches the GUI.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from config.settings import Settings
from kiosk.certificate import next_window_end
from kiosk.face.errors import FaceError
from kiosk.face.images import decode_image
from kiosk.flow import commands as cmd

log = logging.getLogger(__name__)

DECODABLE_PHOTOS = frozenset({"jpeg", "png", "bmp"})
# (id_number) -> reference face bytes or None; raises when the platform is out of reach.
ReferenceSource = Callable[[str], bytes | None]


class Matcher:
    """Compare the live best face with the card holder's reference face.

    Reference order: the card's own photo when it is an image (decoded WLT, or a simulated
    card), else the platform's reference face. No reference reachable -> pending, decided later.
    """

    def __init__(self, threshold: float, platform_reference: ReferenceSource | None) -> None:
        self.threshold = threshold
        self._platform_reference = platform_reference

    def __call__(self, engine: Any, resident: Any, best: Any) -> tuple[str, str, dict[str, Any]]:
        if engine is None or best is None:
            return "pending", "no_live_face", {}
        reference, source = self._reference(resident)
        if reference is None:
            return "pending", source, {}
        try:
            image, face = engine.single_face(decode_image(reference))
        except FaceError as exc:
            log.warning("reference face unusable (%s): %s", source, type(exc).__name__)
            return "pending", "reference_unusable", {"reference": source}
        ref_embedding = engine.embed(image, face)
        live = best.embedding if best.embedding is not None else engine.embed(best.image, best.face)
        distance = engine.distance(ref_embedding, live)
        details = {
            "distance": round(distance, 4),
            "threshold": self.threshold,
            "reference": source,
            "valid_until": _valid_until(resident),
        }
        if distance <= self.threshold:
            return "verified", "", details
        return "not_verified", "face_mismatch", details

    def _reference(self, resident: Any) -> tuple[bytes | None, str]:
        photo = getattr(resident, "photo_bytes", None)
        if photo and getattr(resident, "photo_format", None) in DECODABLE_PHOTOS:
            return photo, "card_photo"
        if self._platform_reference is None:
            return None, "no_reference"
        try:
            face = self._platform_reference(resident.id_number)
        except Exception as exc:  # offline, TLS, timeout: the check is kept and decided later
            log.info("platform reference face unreachable: %s", type(exc).__name__)
            return None, "platform_unreachable"
        return (face, "platform") if face else (None, "no_reference")


def _valid_until(resident: Any) -> str | None:
    born = getattr(resident, "birth_date", None)
    if not isinstance(born, dt.date):
        return None
    return next_window_end(born, dt.date.today()).isoformat()


def case_payload(command: cmd.RecordCase, settings: Settings) -> dict[str, Any]:
    """The case record (see docs/case-schema.md). Personal fields are encrypted at rest."""
    resident = command.resident
    details = dict(command.details)
    return {
        "service": str(command.service),
        "outcome": str(command.outcome),
        "reason": command.reason,
        "terminal_id": settings.terminal.id,
        "service_point": settings.terminal.service_point,
        "assisted_by": command.assisted_by or None,
        "resident": _resident_fields(resident),
        "match": {k: details[k] for k in ("distance", "threshold", "reference") if k in details},
        "liveness": details.get("liveness"),
        "valid_until": details.get("valid_until"),
    }


def _resident_fields(resident: Any) -> dict[str, Any] | None:
    if resident is None:
        return None
    born = getattr(resident, "birth_date", None)
    return {
        "card_kind": str(getattr(resident, "card_kind", "")),
        "name": resident.name,
        "id_number": resident.id_number,
        "sex": getattr(resident, "sex", ""),
        "birth_date": born.isoformat() if isinstance(born, dt.date) else None,
    }
