"""Face subsystem errors, for logs and the technician (never shown to a resident as is)."""

from __future__ import annotations

from kiosk.errors import KioskError


class FaceError(KioskError):
    """Something in face analysis failed."""


class ModelLoadError(FaceError):
    """The dlib model files are missing or unreadable."""


class ImageDecodeError(FaceError):
    """Bytes or a file that is not a readable image."""


class NoFaceError(FaceError):
    """An image that must hold exactly one face holds none."""


class SeveralFacesError(FaceError):
    """An image that must hold exactly one face holds several."""
