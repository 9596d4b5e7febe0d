"""Pictures drawn with QPainter: where the card goes, what to do in front of the camera, a busy
indicator, the rating faces and the action dots.

Drawn, not loaded: no image files to ship or license, sharp at any panel size, and the colours
come from the theme. Animations run on a QTimer only while the picture is on screen (started in
showEvent, stopped in hideEvent): nothing ticks behind a hidden screen, and the GUI thread only
repaints these small widgets a few times a second.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QImage,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QShowEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from screens.theme import HELP, MUTED, PRIMARY, TEXT

INK = QColor(TEXT)
SOFT = QColor(MUTED)
ACCENT = QColor(PRIMARY)
CARD = QColor(HELP)
PAPER = QColor("#FFFFFF")
READER = QColor("#3A3A3A")
FACE_FILL = QColor("#FFF4C2")  # one warm neutral for every rating face: no colour nudges


class Animated(QWidget):
    """A picture that advances `phase` (0..1, looping) every tick while it is shown."""

    PERIOD_MS = 2400  # one gentle loop: slow enough to follow, fast enough to notice
    TICK_MS = 50

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.phase = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(self.TICK_MS)
        self.timer.timeout.connect(self._tick)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt API)
        self.timer.stop()
        super().hideEvent(event)

    def _tick(self) -> None:
        self.phase = (self.phase + self.TICK_MS / self.PERIOD_MS) % 1.0
        self.update()

    def painter(self) -> QPainter:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        return painter

    def square(self) -> QRectF:
        """The largest centred square in the widget: pictures keep their shape."""
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)


def ease(t: float) -> float:
    """0 -> 1 -> 0 over one loop, smooth at both ends (a card going down and resting)."""
    return 0.5 - 0.5 * math.cos(2 * math.pi * t)


class CardPicture(Animated):
    """The reader seen from above-front and a card going down onto it, then resting there."""

    PERIOD_MS = 3000
    SHAPE = (640, 460)  # the drawing's own box, scaled to fit the widget

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(420, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(640, 460)

    def card_offset(self) -> float:
        """How far above the reader the card is, 1 (highest) .. 0 (on it): it comes down in the
        first half of the loop and rests on the reader in the second ('put it here, leave it')."""
        t = self.phase
        return 0.0 if t >= 0.5 else 0.5 + 0.5 * math.cos(2 * math.pi * t)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = self.painter()
        w, h = float(self.width()), float(self.height())
        unit = min(w / 640, h / 460, 1.6)  # drawn in a 640x460 box, centred, up to 1.6x
        cx = w / 2
        bottom = (h + 460 * unit) / 2
        # The reader: a dark slab with the reading area marked on top.
        reader = QRectF(cx - 230 * unit, bottom - 170 * unit, 460 * unit, 150 * unit)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(READER)
        p.drawRoundedRect(reader, 24 * unit, 24 * unit)
        area = reader.adjusted(60 * unit, 22 * unit, -60 * unit, -40 * unit)
        p.setPen(QPen(PAPER, 5 * unit, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(area, 12 * unit, 12 * unit)
        # The card: comes down onto the reading area and rests there.
        lift = self.card_offset() * 190 * unit
        card = QRectF(cx - 150 * unit, reader.top() - 70 * unit - lift, 300 * unit, 190 * unit)
        p.setPen(QPen(INK, 4 * unit))
        p.setBrush(CARD)
        p.drawRoundedRect(card, 18 * unit, 18 * unit)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PAPER)  # a photo and two lines of text on the card
        p.drawRoundedRect(
            QRectF(card.left() + 24 * unit, card.top() + 34 * unit, 80 * unit, 100 * unit),
            8 * unit,
            8 * unit,
        )
        for row in (0, 1):
            y = card.top() + (48 + row * 44) * unit
            p.drawRect(QRectF(card.left() + 130 * unit, y, 130 * unit, 16 * unit))
        # A big arrow beside the card while it moves: this way, down.
        if self.card_offset() > 0.05:
            tip = QPointF(card.right() + 70 * unit, card.center().y() + 50 * unit)
            _arrow(p, tip, 0.0, 120 * unit, ACCENT, 50 * unit)
        p.end()


def _arrow(
    p: QPainter, tip: QPointF, angle_deg: float, size: float, colour: QColor, head: float = 0.0
) -> None:
    """A bold arrow `size` long whose tip is at `tip`, pointing down rotated by `angle_deg`
    clockwise; `head` is the arrowhead's length (default: 45% of the arrow)."""
    p.save()
    p.translate(tip)
    p.rotate(angle_deg)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    s = size
    head = head or 0.45 * s
    half = 0.4 * head
    p.drawPolygon(
        QPolygonF(
            [
                QPointF(0, 0),
                QPointF(-head, -head),
                QPointF(-half, -head),
                QPointF(-half, -s),
                QPointF(half, -s),
                QPointF(half, -head),
                QPointF(head, -head),
            ]
        )
    )
    p.restore()


ACTIONS = ("blink", "mouth_open", "turn_left", "turn_right", "nod")


class ActionPictogram(Animated):
    """A bold head doing the current liveness action: eyes blinking, mouth opening, turning
    left or right (with an arrow), nodding (with an arrow). Left/right are the resident's own:
    the preview is mirrored, so the picture turns the way the resident sees themself turn."""

    PERIOD_MS = 2000

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action = ""
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(300, 300)

    def set_action(self, action: str) -> None:
        if action != self.action:
            self.action = action
            self.phase = 0.0
            self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        if self.action not in ACTIONS:
            return
        p = self.painter()
        box = self.square()
        u = box.width() / 300
        t = ease(self.phase)
        turn = {"turn_left": -1.0, "turn_right": 1.0}.get(self.action, 0.0) * t
        nod = t if self.action == "nod" else 0.0
        # The head sits low in the square: the arrows go above it (turning) or beside it
        # (nodding), inside the square so nothing is cut off.
        centre = QPointF(box.center().x() + turn * 16 * u, box.center().y() + 30 * u + nod * 16 * u)
        head = QRectF(centre.x() - 80 * u, centre.y() - 105 * u, 160 * u, 210 * u)
        p.setPen(QPen(INK, 8 * u))
        p.setBrush(PAPER)
        p.drawEllipse(head)
        # Features shift sideways when turning and down when nodding: the head's direction.
        fx = centre.x() + turn * 42 * u
        fy = centre.y() + nod * 26 * u
        eyes_shut = self.action == "blink" and self.phase % 0.5 > 0.3
        for side in (-1, 1):
            ex = fx + side * 36 * u
            if eyes_shut:
                p.drawLine(QPointF(ex - 18 * u, fy - 25 * u), QPointF(ex + 18 * u, fy - 25 * u))
            else:
                p.setBrush(INK)
                p.drawEllipse(QPointF(ex, fy - 25 * u), 12 * u, 12 * u)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self.action == "mouth_open":
            p.setBrush(INK)
            p.drawEllipse(QPointF(fx, fy + 48 * u), 28 * u, (6 + 28 * t) * u)
        else:
            p.drawLine(QPointF(fx - 26 * u, fy + 48 * u), QPointF(fx + 26 * u, fy + 48 * u))
        cx, cy = box.center().x(), box.center().y()
        if self.action in ("turn_left", "turn_right"):
            side = -1 if self.action == "turn_left" else 1
            _arrow(
                p, QPointF(cx + side * 130 * u, cy - 110 * u), -90.0 * side, 200 * u, ACCENT, 56 * u
            )
        elif self.action == "nod":
            _arrow(p, QPointF(cx + 118 * u, cy + 60 * u), 0.0, 120 * u, ACCENT, 50 * u)
        p.end()


class BusyIndicator(Animated):
    """Twelve dots going round: the kiosk is working. No percentage: how long matching or the
    platform takes is not known, and a fake bar would lie."""

    PERIOD_MS = 1200
    TICK_MS = 100
    DOTS = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = self.painter()
        box = self.square()
        radius = box.width() * 0.38
        dot = box.width() * 0.07
        lead = int(self.phase * self.DOTS)
        p.setPen(Qt.PenStyle.NoPen)
        for i in range(self.DOTS):
            age = (lead - i) % self.DOTS  # 0: the leading dot, darkest
            colour = QColor(ACCENT)
            colour.setAlphaF(max(0.15, 1.0 - age / self.DOTS))
            p.setBrush(colour)
            angle = 2 * math.pi * i / self.DOTS - math.pi / 2
            p.drawEllipse(
                QPointF(
                    box.center().x() + radius * math.cos(angle),
                    box.center().y() + radius * math.sin(angle),
                ),
                dot,
                dot,
            )
        p.end()


class FaceIcon(QWidget):
    """A rating face: `score` 1 (very unhappy) .. 5 (very happy), the mouth says which."""

    def __init__(self, score: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.score = score
        self.setMinimumSize(110, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(160, 160)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height()) - 8
        c = QPointF(self.width() / 2, self.height() / 2)
        u = side / 160
        p.setPen(QPen(INK, 7 * u))
        p.setBrush(FACE_FILL)
        p.drawEllipse(c, side / 2, side / 2)
        p.setBrush(INK)
        for sx in (-1, 1):
            p.drawEllipse(QPointF(c.x() + sx * 28 * u, c.y() - 20 * u), 8 * u, 8 * u)
        # The mouth's curve: -1 (corners down) .. +1 (corners up); 3 is a straight line.
        bend = (self.score - 3) / 2
        p.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(INK, 8 * u)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        mouth = QPainterPath(QPointF(c.x() - 38 * u, c.y() + 38 * u - bend * 10 * u))
        mouth.quadTo(
            QPointF(c.x(), c.y() + 38 * u + bend * 30 * u),
            QPointF(c.x() + 38 * u, c.y() + 38 * u - bend * 10 * u),
        )
        p.drawPath(mouth)
        p.end()


class StepDots(QWidget):
    """One dot per liveness action: done and current filled, the rest hollow (no text on it,
    the count is said in a label above)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.total = 0
        self.current = 0
        self.setFixedHeight(56)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_progress(self, current: int, total: int) -> None:
        self.current, self.total = current, total
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        if self.total <= 0:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r, gap = 22.0, 36.0
        width = self.total * 2 * r + (self.total - 1) * gap
        x = (self.width() - width) / 2 + r
        for i in range(self.total):
            p.setPen(QPen(ACCENT, 5))
            p.setBrush(ACCENT if i < self.current else PAPER)
            p.drawEllipse(QPointF(x + i * (2 * r + gap), self.height() / 2), r - 3, r - 3)
        p.end()


class PreviewView(QWidget):
    """The camera frame, mirrored like a mirror, as large as the widget allows, with the oval
    the face goes in drawn in proportion to the picture.

    Each frame costs one scaled drawImage (fast transformation) and one ellipse, painted in
    paintEvent: no per-frame pixmap conversion on the GUI thread.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.image: QImage | None = None
        self.setMinimumSize(480, 360)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(960, 720)

    def set_image(self, image: QImage) -> None:
        self.image = image
        self.update()

    def picture_rect(self) -> QRectF:
        """Where the frame is drawn: the largest rectangle of the frame's shape that fits."""
        iw, ih = (self.image.width(), self.image.height()) if self.image else (4, 3)
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def oval_rect(self) -> QRectF:
        r = self.picture_rect()
        return QRectF(
            r.left() + r.width() * 0.28,
            r.top() + r.height() * 0.1,
            r.width() * 0.44,
            r.height() * 0.8,
        )

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        if self.image is None:
            return
        p = QPainter(self)
        target = self.picture_rect()
        p.save()
        # Mirrored: the resident moves left and sees themself move left.
        p.translate(target.right(), target.top())
        p.scale(-1.0, 1.0)
        p.drawImage(QRectF(0, 0, target.width(), target.height()), self.image)
        p.restore()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(PAPER, max(6.0, target.width() / 100), Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(self.oval_rect())
        p.end()


class ReasonIcon(QWidget):
    """A pictogram of what went wrong, after a poor rating (contract.ratings.RATING_REASONS):
    a clock (waited long), a question mark (hard to use), a paper crossed out (not done), a
    frowning person (staff attitude), three dots (other)."""

    def __init__(self, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reason = reason
        self.setMinimumSize(110, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(160, 160)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height()) - 8
        c = QPointF(self.width() / 2, self.height() / 2)
        u = side / 160
        pen = QPen(INK, 8 * u)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(FACE_FILL)
        draw = {
            "waited_long": _clock,
            "hard_to_use": _question,
            "not_done": _crossed_paper,
            "staff_attitude": _frowning_person,
        }.get(self.reason, _dots)
        draw(p, c, u)
        p.end()


def _clock(p: QPainter, c: QPointF, u: float) -> None:
    p.drawEllipse(c, 74 * u, 74 * u)
    p.drawLine(c, QPointF(c.x(), c.y() - 48 * u))
    p.drawLine(c, QPointF(c.x() + 36 * u, c.y() + 14 * u))


def _question(p: QPainter, c: QPointF, u: float) -> None:
    p.drawEllipse(c, 74 * u, 74 * u)
    p.setBrush(Qt.BrushStyle.NoBrush)
    hook = QPainterPath(QPointF(c.x() - 26 * u, c.y() - 22 * u))
    hook.cubicTo(
        QPointF(c.x() - 26 * u, c.y() - 62 * u),
        QPointF(c.x() + 30 * u, c.y() - 62 * u),
        QPointF(c.x() + 26 * u, c.y() - 22 * u),
    )
    hook.quadTo(QPointF(c.x() + 22 * u, c.y()), QPointF(c.x(), c.y() + 10 * u))
    hook.lineTo(QPointF(c.x(), c.y() + 22 * u))
    p.drawPath(hook)
    p.setBrush(INK)
    p.drawEllipse(QPointF(c.x(), c.y() + 48 * u), 6 * u, 6 * u)


def _crossed_paper(p: QPainter, c: QPointF, u: float) -> None:
    p.setBrush(PAPER)
    p.drawRoundedRect(QRectF(c.x() - 52 * u, c.y() - 70 * u, 104 * u, 140 * u), 8 * u, 8 * u)
    for dy in (-38, -14):
        p.drawLine(QPointF(c.x() - 30 * u, c.y() + dy * u), QPointF(c.x() + 30 * u, c.y() + dy * u))
    p.drawLine(QPointF(c.x() - 22 * u, c.y() + 14 * u), QPointF(c.x() + 22 * u, c.y() + 56 * u))
    p.drawLine(QPointF(c.x() + 22 * u, c.y() + 14 * u), QPointF(c.x() - 22 * u, c.y() + 56 * u))


def _frowning_person(p: QPainter, c: QPointF, u: float) -> None:
    head = QPointF(c.x(), c.y() - 26 * u)
    body = QPainterPath(QPointF(c.x() - 70 * u, c.y() + 76 * u))
    body.quadTo(QPointF(c.x(), c.y() - 10 * u), QPointF(c.x() + 70 * u, c.y() + 76 * u))
    p.drawPath(body)
    p.drawEllipse(head, 44 * u, 44 * u)
    p.setBrush(INK)
    for sx in (-1, 1):
        p.drawEllipse(QPointF(head.x() + sx * 16 * u, head.y() - 8 * u), 5 * u, 5 * u)
    p.setBrush(Qt.BrushStyle.NoBrush)
    mouth = QPainterPath(QPointF(head.x() - 18 * u, head.y() + 24 * u))
    mouth.quadTo(QPointF(head.x(), head.y() + 8 * u), QPointF(head.x() + 18 * u, head.y() + 24 * u))
    p.drawPath(mouth)


def _dots(p: QPainter, c: QPointF, u: float) -> None:
    p.drawEllipse(c, 74 * u, 74 * u)
    p.setBrush(INK)
    for dx in (-34, 0, 34):
        p.drawEllipse(QPointF(c.x() + dx * u, c.y()), 9 * u, 9 * u)
