"""Find a CJK font for the raster renderer and the PNG preview; never draw boxes (tofu).

Order: the configured file, Noto Sans Mono CJK SC (its Latin glyphs are exactly half the
width of its Chinese ones, like a printer's font grid), Noto Sans CJK SC, then WenQuanYi.
"""

from __future__ import annotations

import functools
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from devices.printer.base import PrinterError

log = logging.getLogger(__name__)

# The frozen bundle carries its own CJK font (kiosk.spec puts it in _internal/fonts): first, so a
# terminal without fonts-noto-cjk still prints Chinese.
_BUNDLE_FONTS = (Path(sys._MEIPASS) / "fonts",) if hasattr(sys, "_MEIPASS") else ()
FONT_DIRS = (*_BUNDLE_FONTS, Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# (file name, family names wanted in order); a .ttc holds several faces.
_CANDIDATES = (
    ("NotoSansCJK-{weight}.ttc", ("Noto Sans Mono CJK SC", "Noto Sans CJK SC")),
    ("NotoSansCJKsc-{weight}.otf", ("Noto Sans CJK SC",)),
    ("wqy-microhei.ttc", ("WenQuanYi Micro Hei Mono", "WenQuanYi Micro Hei")),
    ("wqy-zenhei.ttc", ("WenQuanYi Zen Hei Mono", "WenQuanYi Zen Hei")),
)
_NOTDEF_PROBE = "\U0010fffd"  # a private-use code point no font draws


class FontMissing(PrinterError):
    """No font with Chinese glyphs was found: install fonts-noto-cjk or set printer.font_file."""


@dataclass(frozen=True)
class FontFace:
    path: Path
    index: int
    name: str

    def load(self, size: int) -> ImageFont.FreeTypeFont:
        return _load(self.path, self.index, size)


@functools.lru_cache(maxsize=32)
def _load(path: Path, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=index)


def _faces(path: Path) -> list[tuple[int, str]]:
    faces: list[tuple[int, str]] = []
    for index in range(16):
        try:
            font = ImageFont.truetype(str(path), 24, index=index)
        except OSError:
            break
        faces.append((index, font.getname()[0] or ""))
    return faces


def _find_file(name: str) -> Path | None:
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in folder.rglob(name):
                return path
    return None


@functools.lru_cache(maxsize=8)
def find_cjk_font(font_file: str = "", bold: bool = False) -> FontFace:
    """The best CJK face available. Raises FontMissing when there is none."""
    if font_file:
        path = Path(font_file)
        if not path.is_file():
            raise FontMissing(f"printer.font_file {font_file} does not exist")
        faces = _faces(path)
        if not faces:
            raise FontMissing(f"printer.font_file {font_file} is not a font")
        return FontFace(path, faces[0][0], faces[0][1])
    for pattern, families in _CANDIDATES:
        for weight in ("Bold", "Regular") if bold else ("Regular",):
            found = _find_file(pattern.format(weight=weight))
            if found is None:
                continue
            by_name = {name: index for index, name in _faces(found)}
            for family in families:
                if family in by_name:
                    return FontFace(found, by_name[family], family)
    raise FontMissing("no CJK font found: install fonts-noto-cjk or fonts-wqy-microhei")


def missing_glyphs(font: ImageFont.FreeTypeFont, text: str) -> list[str]:
    """Characters of `text` the font would draw as the .notdef box."""
    notdef = _bitmap(font, _NOTDEF_PROBE)
    return sorted(c for c in set(text) if not c.isspace() and _bitmap(font, c) == notdef)


def _bitmap(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    side = int(font.size * 2)
    image = Image.new("L", (side, side), 0)
    ImageDraw.Draw(image).text((side // 4, side // 4), char, font=font, fill=255)
    return image.tobytes()
