"""How a face becomes a template, and when two templates are one person.

Terminal and platform must agree on this byte for byte: the platform decides a pending check
by matching its live frame against a reference face, and it computes the roster templates a
terminal matches against offline. Both sides use this module, so a template made on one side
compares with a template made on the other at the same frozen threshold.

- `FaceEngine`: dlib HOG detection, 68-point landmarks, a 5-point aligned 128-d embedding
  (`face_recognition_models`, shipped in the package: nothing is downloaded at run time).
- `MATCH_THRESHOLD`: the Euclidean distance at or under which two templates are one person,
  frozen on `faces/tune` (`config.default.toml` `face.threshold` keeps the same value; a test
  holds them in step).
- The roster document (`kiosk-face-roster` version 1): templates keyed by PBKDF2 of the ID
  number, as `kiosk.face.roster` reads it sealed on the terminal.

Models are loaded once, explicitly, with `FaceEngine.load()` (~1.5 s). The engine holds no
per-call state; a lock serialises calls into dlib so several threads may share one engine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import cv2
import dlib
import numpy as np
import numpy.typing as npt

from contract.errors import ContractError

log = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
Embedding = npt.NDArray[np.float64]
Points = npt.NDArray[np.float64]

EMBEDDING_SIZE = 128
# Frozen on faces/tune (docs/face.md): at or under this distance, one person.
MATCH_THRESHOLD = 0.51
# Photos are detected at this size at most: enough for a 150 px aligned chip, fast on 2 cores.
STILL_MAX_SIDE = 1024
# Card photos (102x126) and small crops hold faces smaller than HOG's 80 px window.
STILL_UPSAMPLE_BELOW = 500

ROSTER_FORMAT = "kiosk-face-roster"
ROSTER_VERSION = 1
ROSTER_ITERATIONS = 20_000


class FaceTemplateError(ContractError):
    """A face could not be made into a template."""


class ModelLoadError(FaceTemplateError):
    """The dlib model files are missing or unreadable."""


class ImageDecodeError(FaceTemplateError):
    """Bytes that are not a readable image."""


class NoFaceError(FaceTemplateError):
    """An image that must hold exactly one face holds none."""


class SeveralFacesError(FaceTemplateError):
    """An image that must hold exactly one face holds several."""


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
    """Use `FaceEngine.load()`; the constructor takes already loaded dlib objects.

    The error classes are attributes so that each side raises its own (the terminal's
    engine raises `kiosk.face.errors`; the contract's are the default).
    """

    model_load_error: ClassVar[type[Exception]] = ModelLoadError
    no_face_error: ClassVar[type[Exception]] = NoFaceError
    several_faces_error: ClassVar[type[Exception]] = SeveralFacesError

    def __init__(self, detector: object, predictor68: object, predictor5: object, encoder: object):
        self._detector = detector
        self._predictor68 = predictor68
        self._predictor5 = predictor5
        self._encoder = encoder
        self._lock = threading.Lock()

    @classmethod
    def load(cls, paths: ModelPaths | None = None) -> Self:
        """Load the models (slow: ~1.5 s). Raises `model_load_error`."""
        try:
            paths = paths or ModelPaths.from_package()
        except ModelLoadError as exc:
            raise cls.model_load_error(str(exc)) from None
        for path in (paths.landmarks68, paths.landmarks5, paths.encoder):
            if not path.is_file():
                raise cls.model_load_error(f"face model file missing: {path}")
        started = time.monotonic()
        try:
            engine = cls(
                dlib.get_frontal_face_detector(),
                dlib.shape_predictor(str(paths.landmarks68)),
                dlib.shape_predictor(str(paths.landmarks5)),
                dlib.face_recognition_model_v1(str(paths.encoder)),
            )
        except RuntimeError as exc:
            raise cls.model_load_error(f"cannot load face models: {exc}") from exc
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
        """The one face of a reference photo. Raises `no_face_error` / `several_faces_error`."""
        work, faces = self.detect_still(image)
        if not faces:
            raise self.no_face_error("no face found in the image")
        if len(faces) > 1:
            raise self.several_faces_error(f"{len(faces)} faces found in the image")
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


# --- templates -------------------------------------------------------------------------------


def decode_image(data: bytes) -> Image:
    """A BGR image from JPEG (or PNG, BMP) bytes; ImageDecodeError otherwise."""
    array = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(array, cv2.IMREAD_COLOR) if array.size else None
    if image is None:
        raise ImageDecodeError("not a readable image")
    return np.ascontiguousarray(image, dtype=np.uint8)


def reference_template(engine: FaceEngine, image: Image) -> Embedding:
    """The template of a reference photo holding exactly one face (a card photo, the
    platform's enrolled face). Raises NoFaceError / SeveralFacesError."""
    work, face = engine.single_face(image)
    return engine.embed(work, face)


def live_template(engine: FaceEngine, image: Image) -> Embedding:
    """The template of a check's best live frame: its largest face (the resident in front
    of the camera; someone passing behind is smaller). Raises NoFaceError."""
    work, faces = engine.detect_still(image)
    if not faces:
        raise engine.no_face_error("no face found in the live frame")
    return engine.embed(work, faces[0])


def same_person(distance: float, threshold: float = MATCH_THRESHOLD) -> bool:
    """Two templates this far apart are one person (at or under the threshold)."""
    return distance <= threshold


def checked_template(values: Any) -> Embedding:
    """A template as 128 finite numbers; ValueError otherwise (the values are not quoted)."""
    vector = np.asarray(values, dtype=np.float64)
    if vector.shape != (EMBEDDING_SIZE,) or not np.all(np.isfinite(vector)):
        raise ValueError(f"a template must be {EMBEDDING_SIZE} finite numbers")
    return vector


# --- rosters ---------------------------------------------------------------------------------


def roster_key(id_number: str, salt: bytes, iterations: int) -> str:
    """A resident's key in a roster: PBKDF2-SHA256 of the ID number with the roster's salt
    (finding an entry needs the ID number; each guess costs `iterations` hashes)."""
    number = id_number.strip().upper()
    return hashlib.pbkdf2_hmac("sha256", number.encode(), salt, iterations).hex()


def roster_document(
    templates: Mapping[str, Embedding], salt: bytes, iterations: int = ROSTER_ITERATIONS
) -> dict[str, Any]:
    """{ID number: template} as the roster document the terminal seals and reads:
    {"format": "kiosk-face-roster", "version": 1, "salt", "iterations", "templates"}."""
    return {
        "format": ROSTER_FORMAT,
        "version": ROSTER_VERSION,
        "salt": salt.hex(),
        "iterations": iterations,
        "templates": {
            roster_key(number, salt, iterations): [float(v) for v in checked_template(t)]
            for number, t in templates.items()
        },
    }


# --- images ----------------------------------------------------------------------------------


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
