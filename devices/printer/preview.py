"""Paint a receipt (or a run of its blocks) as pixels: the PNG preview and raster printing.

One dot of a 203 dpi printer is one pixel here, so a preview is the size of the paper.
Text sits on the printer's grid (12-dot half-width cells, 24-dot Chinese cells), broken
into lines by `devices.printer.text` exactly as the ESC/POS text renderer breaks them.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw

from devices.printer.fonts import find_cjk_font
from devices.printer.layout import Block, Feed, KeyValue, QrCode, Receipt, Rule, Text
from devices.printer.text import (
    CELL_DOTS,
    LINE_DOTS,
    LINE_PITCH,
    columns_for,
    display_width,
    key_value_lines,
    rule_line,
    wrap,
)

WHITE, BLACK = 255, 0
QR_QUIET_MODULES = 4  # quiet zone each side, in modules


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR symbol (error correction M: survives smudges on thermal paper)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def qr_side_modules(data: str) -> int:
    """Modules per side of the symbol, from its version alone (no matrix: cheap)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data.encode("utf-8"))
    return 17 + 4 * code.best_fit()


def qr_module_dots(modules: int, wanted: int, width_dots: int, margin_dots: int = 0) -> int:
    """The module size: as asked, shrunk until the symbol fits the printable width with its
    quiet zone. The paper's unprinted margin (`margin_dots` white dots each side of the
    printable width) counts toward the quiet zone: on 58 mm paper it keeps a verify link's
    symbol at 5 dots a module instead of 4, which a cheap phone reads far more surely."""
    for module in range(max(1, wanted), 1, -1):
        side = modules * module
        quiet = (width_dots - side) // 2 + margin_dots
        if side <= width_dots and quiet >= QR_QUIET_MODULES * module:
            return module
    return 1


def _runs(text: str) -> list[str]:
    """Split a line into ASCII runs and single non-ASCII characters."""
    runs: list[str] = []
    for char in text:
        if char.isascii() and runs and runs[-1].isascii():
            runs[-1] += char
        else:
            runs.append(char)
    return runs


class _Painter:
    def __init__(self, width_dots: int, font_file: str, margin_dots: int = 0) -> None:
        self.width = width_dots
        self.margin = margin_dots  # the paper's white margin each side, outside the print
        self.regular = find_cjk_font(font_file)
        self.bold = find_cjk_font(font_file, bold=True) if not font_file else self.regular
        self.pieces: list[Image.Image] = []

    def line(self, text: str, size: int = 1, bold: bool = False, align: str = "left") -> None:
        face = self.bold if bold else self.regular
        font = face.load(LINE_DOTS * size)
        image = Image.new("L", (self.width, LINE_PITCH * size), WHITE)
        draw = ImageDraw.Draw(image)
        used = display_width(text) * CELL_DOTS * size
        x = {"center": (self.width - used) // 2, "right": self.width - used}.get(align, 0)
        # Baseline at 0.88 em, where CJK fonts put it in their em box: descenders stay inside.
        y = (LINE_PITCH - LINE_DOTS) * size // 2 + round(0.88 * LINE_DOTS * size)
        # ASCII runs in one call when the font is monospaced (its advances are the grid);
        # every other character sits in its own full-width cell.
        runs = _runs(text) if "Mono" in face.name else list(text)
        for run in runs:
            draw.text((x, y), run, font=font, fill=BLACK, anchor="ls")
            x += display_width(run) * CELL_DOTS * size
        self.pieces.append(image)

    def blank(self, dots: int) -> None:
        self.pieces.append(Image.new("L", (self.width, dots), WHITE))

    def qr(self, block: QrCode) -> None:
        matrix = qr_matrix(block.data)
        module = qr_module_dots(len(matrix), block.module_size, self.width, self.margin)
        side = len(matrix) * module
        symbol = Image.new("L", (len(matrix), len(matrix)), WHITE)
        symbol.putdata([BLACK if dark else WHITE for row in matrix for dark in row])
        symbol = symbol.resize((side, side), Image.Resampling.NEAREST)
        image = Image.new("L", (self.width, side + 2 * QR_QUIET_MODULES * module), WHITE)
        image.paste(symbol, ((self.width - side) // 2, QR_QUIET_MODULES * module))
        self.pieces.append(image)
        for text in wrap(block.caption, columns_for(self.width)) if block.caption else ():
            self.line(text, align="center")

    def block(self, block: Block) -> None:
        cols = columns_for(self.width)
        if isinstance(block, Text):
            for text in wrap(block.text, columns_for(self.width, block.size)):
                self.line(text, block.size, block.bold, block.align)
        elif isinstance(block, KeyValue):
            for text in key_value_lines(block.key, block.value, cols):
                self.line(text)
        elif isinstance(block, Rule):
            self.line(rule_line(block.char, cols))
        elif isinstance(block, Feed):
            self.blank(LINE_PITCH * block.lines)
        else:
            self.qr(block)

    def image(self) -> Image.Image:
        height = sum(piece.height for piece in self.pieces)
        canvas = Image.new("L", (self.width, max(1, height)), WHITE)
        top = 0
        for piece in self.pieces:
            canvas.paste(piece, (0, top))
            top += piece.height
        return canvas


def paint_blocks(
    blocks: Iterable[Block], width_dots: int, font_file: str = "", margin_dots: int = 0
) -> Image.Image:
    """Grey-scale image of the blocks, `width_dots` wide (`margin_dots`: the paper's white
    margin each side, which QR codes may count as quiet zone)."""
    painter = _Painter(width_dots, font_file, margin_dots)
    for block in blocks:
        painter.block(block)
    return painter.image()


def to_print_bitmap(image: Image.Image) -> Image.Image:
    """Threshold to black and white (no dithering: crisp glyph edges on thermal paper)."""
    return image.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)


def render_png(
    receipt: Receipt, width_dots: int, font_file: str = "", margin_dots: int = 0
) -> bytes:
    """The receipt as a PNG, margins included, as the screen and the docs show it: with the
    paper's margin (`margin_dots` each side) the PNG is as wide as the paper."""
    body = paint_blocks(receipt.blocks, width_dots, font_file, margin_dots)
    margin = margin_dots or CELL_DOTS * 2
    page = Image.new("L", (body.width + 2 * margin, body.height + 2 * margin), WHITE)
    page.paste(body, (margin, margin))
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()
