"""Render a Receipt to ESC/POS bytes, collected with python-escpos's Dummy printer.

Text mode "gb18030": a line with any non-ASCII character goes out as GB18030 inside
`FS &` ... `FS .` (python-escpos 3.1 would send raw GB18030 without entering Chinese mode,
and turn CJK punctuation into "?"). Text mode "raster": runs of text are painted with a CJK
font and sent as `GS v 0` images, for printers without a Chinese font. QR codes use the
printer's own `GS ( k` command ("native") or are sent as an image ("image").
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from config.settings import PrinterSettings
from devices.printer.layout import Block, Feed, KeyValue, QrCode, Receipt, Rule, Text
from devices.printer.preview import (
    paint_blocks,
    qr_module_dots,
    qr_side_modules,
    to_print_bitmap,
)
from devices.printer.text import columns_for, key_value_lines, rule_line, wrap

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
CHINESE_ON, CHINESE_OFF = FS + b"&", FS + b"."
_ALIGN = {"left": 0, "center": 1, "right": 2}
DOTS_PER_MM = 8  # 203 dpi


@dataclass(frozen=True)
class RenderOptions:
    width_dots: int = 576
    text_mode: Literal["gb18030", "raster"] = "gb18030"
    qr_mode: Literal["native", "image"] = "native"
    font_file: str = ""
    margin_dots: int = 0  # the paper's unprinted white margin each side of the printable width

    @classmethod
    def from_settings(cls, settings: PrinterSettings) -> RenderOptions:
        # 58 mm paper prints 48 mm (384 dots) whatever dots_per_line says for 80 mm.
        width = settings.dots_per_line if settings.paper_width_mm == 80 else 384
        width = min(width, settings.dots_per_line)
        margin = max(0, (settings.paper_width_mm * DOTS_PER_MM - width) // 2)
        return cls(width, settings.text_mode, settings.qr_mode, settings.font_file, margin)


def encode_line(line: str) -> bytes:
    """One printed line: ASCII as is, anything else as GB18030 framed by FS & / FS ."""
    if line.isascii():
        return line.encode("ascii") + b"\n"
    return CHINESE_ON + line.encode("gb18030", errors="replace") + CHINESE_OFF + b"\n"


def _normalised(blocks: Sequence[Block]) -> Iterator[Block]:
    """QR captions become their own centred text line, so every renderer treats them as text."""
    for block in blocks:
        if isinstance(block, QrCode) and block.caption:
            yield QrCode(block.data, block.module_size)
            yield Text(block.caption, align="center")
        else:
            yield block


class _EscposWriter:
    def __init__(self, options: RenderOptions) -> None:
        self.options = options
        self.printer = Dummy()
        # The profile dict is shared by every printer object: copy before setting the width.
        profile = copy.deepcopy(self.printer.profile.profile_data)
        profile["media"]["width"] = {
            "pixels": options.width_dots,
            "mm": options.width_dots // DOTS_PER_MM,
        }
        self.printer.profile.profile_data = profile
        self.cols = columns_for(options.width_dots)

    def raw(self, data: bytes) -> None:
        self.printer._raw(data)

    def style(self, align: str = "left", bold: bool = False, size: int = 1) -> None:
        magnify = (size - 1) << 4 | (size - 1)
        self.raw(ESC + b"a" + bytes((_ALIGN[align],)) + ESC + b"E" + bytes((int(bold),)))
        self.raw(GS + b"!" + bytes((magnify,)))

    def text_block(self, block: Block) -> None:
        if isinstance(block, Text):
            self.style(block.align, block.bold, block.size)
            lines = wrap(block.text, columns_for(self.options.width_dots, block.size))
            self.raw(b"".join(encode_line(line) for line in lines))
            self.style()
        elif isinstance(block, KeyValue):
            lines = key_value_lines(block.key, block.value, self.cols)
            self.raw(b"".join(encode_line(line) for line in lines))
        elif isinstance(block, Rule):
            self.raw(encode_line(rule_line(block.char, self.cols)))
        elif isinstance(block, Feed):
            self.raw(ESC + b"d" + bytes((min(block.lines, 255),)))

    def image(self, blocks: Sequence[Block]) -> None:
        bitmap = to_print_bitmap(
            paint_blocks(
                blocks, self.options.width_dots, self.options.font_file, self.options.margin_dots
            )
        )
        self.printer.image(bitmap, impl="bitImageRaster", center=False)

    def qr(self, block: QrCode) -> None:
        if self.options.qr_mode == "image":
            self.image([block])
            return
        options = self.options
        module = qr_module_dots(
            qr_side_modules(block.data), block.module_size, options.width_dots, options.margin_dots
        )
        self.style("center")
        self.printer.qr(block.data, ec=QR_ECLEVEL_M, size=min(module, 16), native=True)
        self.style()

    def render(self, receipt: Receipt) -> bytes:
        self.printer.hw("INIT")
        pending: list[Block] = []  # raster mode: a run of text painted as one image
        for block in _normalised(receipt.blocks):
            if isinstance(block, QrCode):
                if pending:
                    self.image(pending)
                    pending = []
                self.qr(block)
            elif self.options.text_mode == "raster":
                pending.append(block)
            else:
                self.text_block(block)
        if pending:
            self.image(pending)
        if receipt.cut:
            self.printer.cut()
        return self.printer.output


def render_escpos(receipt: Receipt, options: RenderOptions) -> bytes:
    """The complete job: initialise, every block, feed and cut."""
    return _EscposWriter(options).render(receipt)
