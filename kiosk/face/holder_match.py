"""Is the live face the card holder's? The reference is found, then compared (no Qt).

Runs on the face worker thread; never touches the GUI.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from config.settings import FaceSettings
from kiosk.face.engine import Embedding
from kiosk.face.errors import FaceError
from kiosk.face.matching import Reference, match_reference
from kiosk.face.roster import RosterCache, RosterError
from kiosk.flow import events as ev
from kiosk.flow.model import MatchEvidence, Outcome, Resident
from kiosk.records.certificate import next_window_end
from kiosk.records.holder import CardHolder, card_holder

log = logging.getLogger(__name__)

DECODABLE_PHOTOS = frozenset({"jpeg", "png", "bmp"})
# (id_number) -> reference face bytes or None; raises when the platform is out of reach.
ReferenceSource = Callable[[str], bytes | None]


class HolderMatcher:
    """Compare the live best face with the card holder's reference (kiosk.face.match_reference).

    Reference order: the card's own photo when it is an image (decoded WLT, or a simulated
    card), else the holder's template in the sealed roster (face.roster_file), else the
    platform's reference face. No reference reachable -> pending, decided later.
    """

    def __init__(
        self,
        threshold: float,
        platform_reference: ReferenceSource | None,
        roster: RosterCache | None = None,
    ) -> None:
        self.threshold = threshold
        self._platform_reference = platform_reference
        self._roster = roster

    @classmethod
    def from_settings(
        cls,
        face: FaceSettings,
        data_dir: Path,
        platform_reference: ReferenceSource | None,
        storage_key: bytes,
    ) -> HolderMatcher:
        """`storage_key`: the terminal's key for personal data at rest (the roster is sealed)."""
        roster = RosterCache(data_dir / face.roster_file, storage_key) if face.roster_file else None
        return cls(face.threshold, platform_reference, roster)

    def __call__(self, engine: Any, resident: Resident | None, best: Any) -> ev.MatchDone:
        """The flow's answer: verified, not verified (face_mismatch) or pending (why)."""
        if engine is None or best is None:
            return ev.MatchDone(Outcome.PENDING, "no_live_face")
        holder = card_holder(resident)
        reference, source = self._reference(holder)
        if reference is None:
            return ev.MatchDone(Outcome.PENDING, source)
        try:
            result = match_reference(engine, reference, best, self.threshold)
        except FaceError as exc:
            log.warning("reference face unusable (%s): %s", source, type(exc).__name__)
            return ev.MatchDone(
                Outcome.PENDING, "reference_unusable", MatchEvidence(reference=source)
            )
        found = MatchEvidence(result.distance, self.threshold, source)
        valid_until = _valid_until(holder)
        if result.match:
            return ev.MatchDone(Outcome.VERIFIED, "", found, valid_until)
        return ev.MatchDone(Outcome.NOT_VERIFIED, "face_mismatch", found, valid_until)

    def _reference(self, resident: CardHolder) -> tuple[Reference | None, str]:
        photo = resident.photo_bytes
        if photo and resident.photo_format in DECODABLE_PHOTOS:
            return photo, "card_photo"
        template = self._roster_template(resident)
        if template is not None:
            return template, "roster"
        if self._platform_reference is None:
            return None, "no_reference"
        try:
            face = self._platform_reference(resident.id_number)
        except Exception as exc:  # offline, TLS, timeout: the check is kept and decided later
            log.info("platform reference face unreachable: %s", type(exc).__name__)
            return None, "platform_unreachable"
        return (face, "platform") if face else (None, "no_reference")

    def _roster_template(self, resident: CardHolder) -> Embedding | None:
        if self._roster is None:
            return None
        try:
            return self._roster.template_for(resident.id_number)
        except RosterError as exc:  # a broken cache must not stop the check: fall through
            log.warning("face roster unusable: %s", exc)
            return None


def _valid_until(resident: CardHolder) -> str:
    born = resident.birth_date
    if not isinstance(born, dt.date):
        return ""
    return next_window_end(born, dt.date.today()).isoformat()
