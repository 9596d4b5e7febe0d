"""Building blocks shared by the screens."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget


def label(text: str = "", name: str = "", *, wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if name:
        widget.setObjectName(name)
    return widget


def button(
    text: str,
    name: str,
    on_click: Callable[[], None],
    role: str = "",
    parent: QWidget | None = None,
) -> QPushButton:
    widget = QPushButton(text, parent)
    widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.clicked.connect(lambda _checked=False: on_click())
    return widget


HAN = re.compile(r"[\u3400-\u9fff]")
PHRASE = re.compile(r"[^，。；！？、：]+[，。；！？、：]*")
SENTENCE = re.compile(r"[^。；！？]+[。；！？]*")


def phrase_lines(text: str, metrics: QFontMetrics, width: int) -> str:
    """Chinese text broken at phrase ends (，。；！？) into lines that fit `width`, so that no
    line ends with a lone character. A phrase longer than a line is cut into equal parts.
    Text without Chinese is left to Qt's word wrap (it breaks between words)."""
    if width <= 0 or not HAN.search(text):
        return text
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if metrics.horizontalAdvance(paragraph) <= width:
            lines.append(paragraph)
        else:  # more than a line: each sentence starts a line of its own
            for sentence in SENTENCE.findall(paragraph) or [paragraph]:
                lines += _phrase_pack(sentence, metrics, width)
    return "\n".join(lines)


def _phrase_pack(sentence: str, metrics: QFontMetrics, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for phrase in PHRASE.findall(sentence) or [sentence]:
        if current and metrics.horizontalAdvance(current + phrase) > width:
            lines += _even_parts(current, metrics, width)
            current = phrase
        else:
            current += phrase
    return lines + _even_parts(current, metrics, width)


def _even_parts(line: str, metrics: QFontMetrics, width: int) -> list[str]:
    needed = metrics.horizontalAdvance(line)
    if needed <= width:
        return [line]
    count = -(-needed // width)  # ceil: as few lines as fit, of equal length
    while count < len(line):
        size = -(-len(line) // count)
        parts = [line[i : i + size] for i in range(0, len(line), size)]
        if all(metrics.horizontalAdvance(part) <= width for part in parts):
            return parts
        count += 1
    return [line]


class PhraseLabel(QLabel):
    """A centred, wrapping label that breaks Chinese text at phrase ends (no orphans), again
    whenever its width changes (the same screen serves landscape and portrait)."""

    def __init__(self, name: str = "") -> None:
        super().__init__()
        self._raw = ""
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if name:
            self.setObjectName(name)

    def set_phrases(self, text: str) -> None:
        self._raw = text
        self._rewrap()

    def raw_text(self) -> str:
        return self._raw

    def set_font_px(self, px: int | None) -> None:
        """Draw at `px` instead of the stylesheet's size (None: the stylesheet's again)."""
        sheet = f"font-size: {px}px;" if px else ""
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)  # a widget's own sheet wins over the window's
            self._rewrap()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._rewrap()

    def _rewrap(self) -> None:
        self.ensurePolished()  # the stylesheet's font size, not the default one
        # A few px of slack: Qt's own wrap must never need to break a line we made.
        width = self.contentsRect().width() - 2 * self.margin() - 8
        wrapped = phrase_lines(self._raw, QFontMetrics(self.font()), width)
        if wrapped != self.text():
            self.setText(wrapped)
