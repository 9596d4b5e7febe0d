"""One layout description for every receipt; rendered to ESC/POS bytes and to a PNG preview.

A Receipt is a list of blocks. Renderers (ESC/POS, raster, PNG preview) walk the same list,
so what the screen shows is what the paper shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Text:
    text: str
    size: Literal[1, 2, 3] = 1  # character magnification
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: str


@dataclass(frozen=True)
class QrCode:
    data: str
    module_size: int = 6  # dots per module
    caption: str = ""


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class Feed:
    lines: int = 1


Block = Text | KeyValue | QrCode | Rule | Feed


@dataclass(frozen=True)
class Receipt:
    kind: str  # what the paper is (kiosk.flow.model.ReceiptKind's values): only logged here
    job_id: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    cut: bool = True
