"""Optional decoding of the ID card's WLT photo through the reader vendor's native library.

No open decoder for WLT exists; vendors ship `libwlt2bmp.so` (Linux) exporting
`int unpack(char *wlt, char *bmp, int save_file)` that returns 1 and writes a 102x126 BMP.
The library path comes from config (`card_reader.wlt_decoder`); without it, or when it
fails, the photo stays WLT and the flow takes its reference face from elsewhere.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 102, 126
_ROW = (WIDTH * 3 + 3) & ~3  # BMP rows are padded to 4 bytes
BMP_SIZE = 54 + _ROW * HEIGHT  # 38862: what the vendor libraries write
_BUFFER = BMP_SIZE + 1024  # slack: some versions write past the image


class WltDecoder:
    """Wraps the vendor's `unpack`. Load with `WltDecoder.load(path)`."""

    def __init__(self, unpack: Callable[[bytes, Any, int], int]) -> None:
        self._unpack = unpack

    @classmethod
    def load(cls, path: str) -> WltDecoder | None:
        """The decoder from `path`, or None (logged) when it cannot be loaded."""
        if not path:
            return None
        try:
            library = ctypes.CDLL(path)
            unpack = library.unpack
        except (OSError, AttributeError) as exc:
            log.warning("WLT decoder %s not usable, photos stay WLT: %s", path, exc)
            return None
        unpack.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        unpack.restype = ctypes.c_int
        return cls(unpack)

    def decode(self, wlt: bytes) -> bytes | None:
        """A BMP image of the photo, or None if the library refused it."""
        out = ctypes.create_string_buffer(_BUFFER)
        result = self._unpack(wlt, out, 0)
        if result != 1:
            log.warning("WLT decoder refused the photo (returned %d)", result)
            return None
        image = out.raw
        if image[:2] != b"BM":
            log.warning("WLT decoder wrote no BMP header")
            return None
        size = int.from_bytes(image[2:6], "little")
        if not 54 < size <= _BUFFER:
            log.warning("WLT decoder wrote a BMP of impossible size %d", size)
            return None
        return image[:size]
