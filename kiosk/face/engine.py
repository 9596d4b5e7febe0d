"""The face engine: dlib HOG detection, 68-point landmarks, 5-point aligned 128-d embeddings.

The engine itself is the contract's (`contract.face_templates`): the platform makes templates
with the same code, so its roster templates and its matches agree with the terminal's. Here it
raises the terminal's own errors (`kiosk.face.errors`, which are also the contract's).

Models come from the `face_recognition_models` package and are loaded once, explicitly, with
`FaceEngine.load()` (about 1.5 s: call it off the GUI thread). The engine holds no per-call
state; a lock serialises calls into dlib so any single analysis thread (or several) may use it.
"""

from __future__ import annotations

from contract import face_templates
from contract.face_templates import (
    EMBEDDING_SIZE,
    STILL_MAX_SIDE,
    STILL_UPSAMPLE_BELOW,
    Embedding,
    Face,
    Points,
    fit_within,
)
from kiosk.face.errors import ModelLoadError, NoFaceError, SeveralFacesError

__all__ = [
    "EMBEDDING_SIZE",
    "STILL_MAX_SIDE",
    "STILL_UPSAMPLE_BELOW",
    "Embedding",
    "Face",
    "FaceEngine",
    "ModelPaths",
    "Points",
    "fit_within",
]


class ModelPaths(face_templates.ModelPaths):
    @classmethod
    def from_package(cls) -> ModelPaths:
        try:
            paths = face_templates.ModelPaths.from_package()
        except face_templates.ModelLoadError as exc:
            raise ModelLoadError(str(exc)) from None
        return cls(paths.landmarks68, paths.landmarks5, paths.encoder)


class FaceEngine(face_templates.FaceEngine):
    """Use `FaceEngine.load()` (raises kiosk.face.errors.ModelLoadError)."""

    model_load_error = ModelLoadError
    no_face_error = NoFaceError
    several_faces_error = SeveralFacesError
