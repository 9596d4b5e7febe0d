"""Genuine/impostor evaluation of a folder of identities (one sub-folder per person)."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.face.engine import Embedding, FaceEngine
from kiosk.face.errors import ImageDecodeError, NoFaceError, SeveralFacesError
from kiosk.face.images import read_image

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    genuine_pairs: int
    impostor_pairs: int
    false_accepts: int
    false_rejects: int
    threshold: float
    no_face: list[str]

    @property
    def far(self) -> float:
        return round(self.false_accepts / self.impostor_pairs, 6) if self.impostor_pairs else 0.0

    @property
    def frr(self) -> float:
        return round(self.false_rejects / self.genuine_pairs, 6) if self.genuine_pairs else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "genuine_pairs": self.genuine_pairs,
            "impostor_pairs": self.impostor_pairs,
            "false_accepts": self.false_accepts,
            "false_rejects": self.false_rejects,
            "far": self.far,
            "frr": self.frr,
            "threshold": self.threshold,
            "no_face": self.no_face,
        }


def embed_folder(
    engine: FaceEngine, root: Path
) -> tuple[dict[str, tuple[str, Embedding]], list[str]]:
    """{relative path: (identity, embedding)} and the images without exactly one face."""
    embeddings: dict[str, tuple[str, Embedding]] = {}
    no_face: list[str] = []
    for identity_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(p for p in identity_dir.iterdir() if p.is_file()):
            name = path.relative_to(root).as_posix()
            try:
                work, face = engine.single_face(read_image(path))
            except ImageDecodeError:
                log.warning("evaluate: %s is not an image; skipped", name)
                continue
            except (NoFaceError, SeveralFacesError):
                no_face.append(name)
                continue
            embeddings[name] = (identity_dir.name, engine.embed(work, face))
    return embeddings, no_face


def evaluate(engine: FaceEngine, root: Path, threshold: float) -> Evaluation:
    """Compare every genuine and impostor pair once at `threshold`."""
    embeddings, no_face = embed_folder(engine, root)
    genuine = impostor = false_accepts = false_rejects = 0
    for (_, (who_a, emb_a)), (_, (who_b, emb_b)) in itertools.combinations(
        sorted(embeddings.items()), 2
    ):
        accepted = engine.distance(emb_a, emb_b) <= threshold
        if who_a == who_b:
            genuine += 1
            false_rejects += not accepted
        else:
            impostor += 1
            false_accepts += accepted
    return Evaluation(genuine, impostor, false_accepts, false_rejects, threshold, no_face)
