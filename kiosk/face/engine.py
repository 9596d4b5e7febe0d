"""The face engine: dlib HOG detection, 68-point landmarks, 5-point aligned 128-d embeddings.

Models come from the `face_recognition_models` package and are loaded once, explicitly, with
`FaceEngine.load()` (about 1.5 s: call it off the GUI thread). The engine holds no per-call
state; a lock serialises calls into dlib so any single analysis thread (or several) may use it.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import dlib
import numpy as np
import numpy.typing as npt

from kiosk.face.errors import ModelLoadError, NoFaceError, SeveralFacesError
from kiosk.face.images import Image

log = logging.getLogger(__name__)

Embedding = npt.NDArray[np.float64]
Points = npt.NDArray[np.float64]

EMBEDDING_SIZE = 128
# Photos are detected at this size at most: enough for a 150 px aligned chip, fast on 2 cores.
STILL_MAX_SIDE = 1024
# Card photos (102x126) and small crops hold faces smaller than HOG's 80 px window.
STILL_UPSAMPLE_BELOW = 500


@dataclass(frozen=True)
class ModelPaths:
    landmarks68: Path
    landmarks5: Path
    encoder: Path

    @classmethod
    def from_package(cls) -> ModelPaths:
        """The model files of the installed face_recognition_models package.

        Located without importing it: its __init__ pulls in pkg_resources, which newer
        setuptools deprecates with a warning at import.
        """
        spec = importlib.util.find_spec("face_recognition_models")
        if spec is None or not spec.submodule_search_locations:
            raise ModelLoadError("face_recognition_models is not installed")
        models = Path(next(iter(spec.submodule_search_locations))) / "models"
        return cls(
            landmarks68=models / "shape_predictor_68_face_landmarks.dat",
            landmarks5=models / "shape_predictor_5_face_landmarks.dat",
            encoder=models / "dlib_face_recognition_resnet_model_v1.dat",
        )


@dataclass(frozen=True)
class Face:
    """One detected face in image pixels: box (left, top, right, bottom) and 68 landmarks."""

    box: tuple[int, int, int, int]
    landmarks: Points
    score: float

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2.0, (self.box[1] + self.box[3]) / 2.0)

    @property
    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)

    def scaled(self, factor: float) -> Face:
        box = tuple(round(v * factor) for v in self.box)
        return Face(box=box, landmarks=self.landmarks * factor, score=self.score)  # type: ignore[arg-type]


class FaceEngine:
    """Use `FaceEngine.load()`; the constructor takes already loaded dlib objects."""

    def __init__(self, detector: object, predictor68: object, predictor5: object, encoder: object):
        self._detector = detector
        self._predictor68 = predictor68
        self._predictor5 = predictor5
        self._encoder = encoder
        self._lock = threading.Lock()

    @classmethod
    def load(cls, paths: ModelPaths | None = None) -> FaceEngine:
        """Load the models (slow: ~1.5 s). Raises ModelLoadError."""
        paths = paths or ModelPaths.from_package()
        for path in (paths.landmarks68, paths.landmarks5, paths.encoder):
            if not path.is_file():
                raise ModelLoadError(f"face model file missing: {path}")
        started = time.monotonic()
        try:
            engine = cls(
                dlib.get_frontal_face_detector(),
                dlib.shape_predictor(str(paths.landmarks68)),
                dlib.shape_predictor(str(paths.landmarks5)),
                dlib.face_recognition_model_v1(str(paths.encoder)),
            )
        except RuntimeError as exc:
            raise ModelLoadError(f"cannot load face models: {exc}") from exc
        log.info("face models loaded in %.2f s", time.monotonic() - started)
        return engine

    def detect(self, image: Image, *, upsample: int = 0) -> list[Face]:
        """Faces in a BGR frame, largest first, with 68 landmarks each."""
        # HOG and the landmark regressor work on intensity: one grey channel is cheaper.
        grey = _grey(image)
        with self._lock:
            rects, scores, _ = self._detector.run(grey, upsample, 0.0)  # type: ignore[attr-defined]
            faces = []
            for rect, score in zip(rects, scores, strict=True):
                shape = self._predictor68(grey, rect)  # type: ignore[operator]
                points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
                box = (rect.left(), rect.top(), rect.right(), rect.bottom())
                faces.append(Face(box=box, landmarks=points, score=float(score)))
        return sorted(faces, key=lambda f: f.area, reverse=True)

    def detect_still(self, image: Image) -> tuple[Image, list[Face]]:
        """Faces in a photo of any size: returns the working-size image and its faces."""
        work = fit_within(image, STILL_MAX_SIDE)
        upsample = 1 if max(work.shape[:2]) < STILL_UPSAMPLE_BELOW else 0
        faces = self.detect(work, upsample=upsample)
        if not faces and upsample == 0:
            faces = self.detect(work, upsample=1)
        return work, faces

    def single_face(self, image: Image) -> tuple[Image, Face]:
        """The one face of a reference photo. Raises NoFaceError / SeveralFacesError."""
        work, faces = self.detect_still(image)
        if not faces:
            raise NoFaceError("no face found in the image")
        if len(faces) > 1:
            raise SeveralFacesError(f"{len(faces)} faces found in the image")
        return work, faces[0]

    def embed(self, image: Image, face: Face) -> Embedding:
        """128-d descriptor of `face` in `image`, aligned on dlib's 5-point landmarks."""
        rgb = _rgb(image)
        rect = dlib.rectangle(*face.box)
        with self._lock:
            shape5 = self._predictor5(rgb, rect)  # type: ignore[operator]
            vector = self._encoder.compute_face_descriptor(rgb, shape5)  # type: ignore[attr-defined]
        return np.asarray(vector, dtype=np.float64)

    @staticmethod
    def distance(a: Embedding, b: Embedding) -> float:
        return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b)))


def fit_within(image: Image, max_side: int) -> Image:
    """The image scaled down (never up) so that its longer side is at most max_side."""
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image
    factor = max_side / longest
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))


def _grey(image: Image) -> Image:
    if image.ndim == 2:
        return np.ascontiguousarray(image)
    return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


def _rgb(image: Image) -> Image:
    if image.ndim == 2:
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_GRAY2RGB))
    return np.ascontiguousarray(image[:, :, ::-1])
