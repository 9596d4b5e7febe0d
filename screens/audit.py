"""Measure a rendered screen against the elderly-friendly targets.

`audit(widget, name)` looks at every visible text and button of a laid-out top-level widget:

- min_font_px: the smallest text pixel size (QFontInfo, after stylesheet polish) over visible
  QLabel / QPushButton / QProgressBar texts;
- min_target_px: the smallest side of a visible QPushButton;
- min_contrast: the lowest WCAG 2 contrast ratio between a text's colour (its palette after
  polish: what the style paints it with) and the background actually painted behind it
  (sampled from a grab of the whole screen, under the text's own rectangle, so a button's
  fill, a panel or a progress bar's chunk counts, not the window behind them);
- clipped: texts that do not fit the space they are given (QFontMetrics with word wrap) or
  that lie outside the screen.

The widget must be shown (or at least laid out) at the size being audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontInfo, QFontMetrics, QImage, QPalette, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

log = logging.getLogger(__name__)

# The targets, in both orientations.
TARGET_FONT_PX = 32
TARGET_TOUCH_PX = 120
TARGET_CONTRAST = 7.0

BACKGROUND_SHARE = 0.10  # a colour covering this much of the area behind a text is background
TEXT_COLOUR_TOLERANCE = 8  # per channel: pixels this close to the text colour are glyphs
SAMPLE_MARGIN = 6  # px around the text rectangle that also count as "behind the text"


@dataclass(frozen=True)
class TextItem:
    widget: QWidget
    text: str
    colour: QColor
    rect: QRect  # where the text is drawn, in the widget's coordinates
    fits: bool


def relative_luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v / 255.0) for v in (colour.red(), colour.green(), colour.blue()))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: QColor, b: QColor) -> float:
    la, lb = relative_luminance(a), relative_luminance(b)
    light, dark = max(la, lb), min(la, lb)
    return (light + 0.05) / (dark + 0.05)


def audit(
    widget: QWidget,
    name: str = "",
    screen_size: QSize | tuple[int, int] | None = None,
    *,
    detail: bool = False,
) -> dict[str, Any]:
    """The figures for one screen, as the `kiosk demo --audit --json` contract names them.

    `screen_size` is the panel the screen must fit (default: the widget's own size); with
    `detail` an extra "items" list says which text gave which figures.
    """
    app = QApplication.instance()
    if app is not None:
        # Widgets replaced by a re-render wait for deleteLater(); the event loop would remove
        # them before the next paint, so they must not be measured (processEvents alone
        # leaves deferred deletes pending).
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
    widget.ensurePolished()
    if isinstance(screen_size, tuple):
        screen_size = QSize(*screen_size)
    screen = QRect(QPoint(0, 0), screen_size or widget.size())
    pixels = _pixels(widget.grab().toImage())
    fonts: list[int] = []
    contrasts: list[float] = []
    clipped: list[str] = []
    items: list[dict[str, Any]] = []
    texts = _text_items(widget)
    overlapping = _overlapping([item.widget for item in texts], widget)
    for item in texts:
        font_px = QFontInfo(item.widget.font()).pixelSize()
        fonts.append(font_px)
        drawn = item.rect.translated(item.widget.mapTo(widget, QPoint(0, 0)))
        # On the panel, not cut off by a parent, and not covered by another text or button.
        whole = screen.contains(drawn) and _visible_rect(item.widget, widget).contains(drawn)
        alone = item.widget not in overlapping
        if not (item.fits and whole and alone):
            clipped.append(item.text)
        ratios = [
            contrast_ratio(item.colour, background)
            for background in _backgrounds(pixels, drawn, item.colour)
        ]
        contrasts += ratios
        items.append(
            {
                "widget": item.widget.objectName() or type(item.widget).__name__,
                "text": item.text,
                "font_px": font_px,
                "contrast": round(min(ratios), 2) if ratios else None,
                "fits": item.fits,
                "whole": whole,
                "overlapped": not alone,
            }
        )
    targets = []
    for button in widget.findChildren(QPushButton):
        if _shown(button, widget):
            reachable = _visible_rect(button, widget).intersected(screen)
            targets.append(max(0, min(reachable.width(), reachable.height())))
    result: dict[str, Any] = {
        "name": name or widget.objectName(),
        "min_font_px": min(fonts) if fonts else None,
        "min_target_px": min(targets) if targets else None,
        "min_contrast": round(min(contrasts), 2) if contrasts else None,
        "clipped": clipped,
    }
    if detail:
        result["items"] = items
    return result


def shortfalls(result: dict[str, Any]) -> list[str]:
    """What in an audit result misses the targets (empty: it meets them all)."""
    out = []
    if result["min_font_px"] is not None and result["min_font_px"] < TARGET_FONT_PX:
        out.append(f"text {result['min_font_px']} px < {TARGET_FONT_PX} px")
    if result["min_target_px"] is not None and result["min_target_px"] < TARGET_TOUCH_PX:
        out.append(f"touch target {result['min_target_px']} px < {TARGET_TOUCH_PX} px")
    if result["min_contrast"] is not None and result["min_contrast"] < TARGET_CONTRAST:
        out.append(f"contrast {result['min_contrast']}:1 < {TARGET_CONTRAST}:1")
    out += [f"clipped: {text}" for text in result["clipped"]]
    return out


# -- finding the texts --------------------------------------------------------------------
def _shown(widget: QWidget, top: QWidget) -> bool:
    return widget is top or widget.isVisibleTo(top)


def _on_top(widget: QWidget, top: QWidget) -> QRect:
    return QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())


def _visible_rect(widget: QWidget, top: QWidget) -> QRect:
    """The part of `widget` its parents let show (each parent clips its children)."""
    rect = _on_top(widget, top)
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        rect = rect.intersected(_on_top(parent, top))
        parent = parent.parentWidget()
    return rect.intersected(top.rect())


def _overlapping(widgets: list[QWidget], top: QWidget) -> set[QWidget]:
    """Widgets laid over one another (a layout squeezed below its minimum does this)."""
    boxes = [(w, _visible_rect(w, top)) for w in widgets]
    out: set[QWidget] = set()
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            common = box_a.intersected(box_b)
            if common.width() > 1 and common.height() > 1:
                out.update((a, b))
    return out


def _text_items(top: QWidget) -> list[TextItem]:
    items: list[TextItem] = []
    for child in top.findChildren(QWidget):
        if not _shown(child, top) or child.width() <= 0 or child.height() <= 0:
            continue
        item: TextItem | None = None
        if isinstance(child, QLabel):
            item = _label_item(child)
        elif isinstance(child, QPushButton):
            item = _button_item(child)
        elif isinstance(child, QProgressBar):
            item = _progress_item(child)
        if item is not None:
            items.append(item)
    return items


def _plain(label: QLabel) -> str:
    text = label.text()
    if label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(text)
    ):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _label_item(label: QLabel) -> TextItem | None:
    text = _plain(label)
    if not text.strip():
        return None
    area = label.contentsRect().adjusted(
        label.margin(), label.margin(), -label.margin(), -label.margin()
    )
    if label.indent() > 0:
        area.adjust(label.indent(), 0, 0, 0)
    flags = int(label.alignment().value)
    if label.wordWrap():
        flags |= int(Qt.TextFlag.TextWordWrap.value)
    colour = label.palette().color(QPalette.ColorGroup.Active, label.foregroundRole())
    return _fitted(label, text, colour, area, flags)


def _button_item(button: QPushButton) -> TextItem | None:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text.strip():
        return None
    option = QStyleOptionButton()
    button.initStyleOption(option)
    # The stylesheet style answers with its box model: border and padding taken off.
    area = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button)
    if not button.icon().isNull():
        area.adjust(button.iconSize().width() + 4, 0, 0, 0)
    colour = button.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText)
    return _fitted(button, text, colour, area, int(Qt.AlignmentFlag.AlignCenter.value))


def _progress_item(bar: QProgressBar) -> TextItem | None:
    text = bar.text() if bar.isTextVisible() else ""
    if not text.strip():
        return None
    colour = bar.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
    return _fitted(bar, text, colour, bar.rect(), int(bar.alignment().value))


def _fitted(widget: QWidget, text: str, colour: QColor, area: QRect, flags: int) -> TextItem:
    metrics = QFontMetrics(widget.font())
    needed = metrics.boundingRect(area, flags, text)
    # A pixel of rounding is not clipping; more is.
    fits = needed.width() <= area.width() + 1 and needed.height() <= area.height() + 1
    return TextItem(widget, text, colour, needed.intersected(widget.rect()), fits)


# -- sampling what is painted ---------------------------------------------------------------
def _pixels(image: QImage) -> np.ndarray:
    """The grab as an (h, w, 3) RGB array."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    height, width = image.height(), image.width()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    bgra = raw.reshape(height, image.bytesPerLine())[:, : width * 4].reshape(height, width, 4)
    return bgra[:, :, 2::-1].copy()  # BGRA in memory (little endian) -> RGB


def _backgrounds(pixels: np.ndarray, rect: QRect, text: QColor) -> list[QColor]:
    """The colours that fill the area behind a text (each at least BACKGROUND_SHARE of it)."""
    height, width = pixels.shape[:2]
    area = rect.adjusted(-SAMPLE_MARGIN, -SAMPLE_MARGIN, SAMPLE_MARGIN, SAMPLE_MARGIN)
    area = area.intersected(QRect(0, 0, width, height))
    if area.isEmpty():
        return []
    patch = pixels[area.top() : area.bottom() + 1, area.left() : area.right() + 1].reshape(-1, 3)
    ink = np.array([text.red(), text.green(), text.blue()], dtype=np.int16)
    near_text = np.abs(patch.astype(np.int16) - ink).max(axis=1) <= TEXT_COLOUR_TOLERANCE
    rest = patch[~near_text]
    if len(rest) < BACKGROUND_SHARE * len(patch):
        # Nearly everything is the text's own colour: the text is painted on itself.
        rest = patch
    colours, counts = np.unique(rest, axis=0, return_counts=True)
    keep = counts >= BACKGROUND_SHARE * len(rest)
    if not keep.any():
        keep = counts == counts.max()
    return [QColor(int(r), int(g), int(b)) for r, g, b in colours[keep]]
