"""Image decoding by content (a .jpg may be WEBP), for reference photos and folders."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image as PilImage
from PIL import UnidentifiedImageError

from kiosk.face.errors import ImageDecodeError

Image = npt.NDArray[np.uint8]


def decode_image(data: bytes) -> Image:
    """BGR uint8 image from encoded bytes (JPEG, PNG, WEBP, BMP, GIF first frame, ...)."""
    array = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(array, cv2.IMREAD_COLOR) if array.size else None
    if image is not None:
        return np.ascontiguousarray(image, dtype=np.uint8)
    return _decode_with_pillow(data)


def read_image(path: Path) -> Image:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImageDecodeError(f"cannot read image {path}: {exc.strerror}") from exc
    try:
        return decode_image(data)
    except ImageDecodeError as exc:
        raise ImageDecodeError(f"{path}: {exc}") from exc


def encode_jpeg(image: Image, quality: int = 90) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ImageDecodeError("JPEG encoding failed")
    return bytes(buffer.tobytes())


def _decode_with_pillow(data: bytes) -> Image:
    # Pillow knows a few formats OpenCV's wheel lacks.
    try:
        with PilImage.open(io.BytesIO(data)) as pil:
            rgb = np.asarray(pil.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageDecodeError("not a readable image") from exc
    return np.ascontiguousarray(rgb[:, :, ::-1])
