"""Large type, high contrast, huge targets: for an old person at arm's length.

Sizes are in pixels for a 1920x1080 (or 1080x1920) panel. MIIT's elderly-friendly floor is
18 pt text, 4.5:1 contrast and 60x60 targets; the kiosk aims far above it (text >= 32 px,
targets >= 120 px, contrast >= 7:1).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

BACKGROUND = "#FFFFFF"
TEXT = "#111111"
MUTED = "#333333"  # secondary text: still 12.6:1 on white
PRIMARY = "#0B5D1E"  # deep green, white text on it is 7.9:1
PRIMARY_TEXT = "#FFFFFF"
SECONDARY = "#E8E8E8"
SECONDARY_TEXT = "#111111"
WARNING = "#8A1C00"  # dark red-brown for "not verified" headings, 9.3:1 on white
HELP = "#0A3D91"  # deep blue for the call-staff button, 10.3:1 with white

TITLE_PX = 64
BODY_PX = 44
BUTTON_PX = 48
RATING_MIN_H = 300  # a face and its words: the face as big as the width allows
RATING_PX = 40  # the words under the rating faces: five of them side by side in portrait
SMALL_PX = 36  # the smallest text anywhere (step indicator, footer buttons)
BUTTON_MIN_H = 140
FOOTER_BUTTON_MIN_H = 120

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Source Han Sans SC")
# The frozen bundle's own font (kiosk.spec ships it in _internal/fonts) comes first: the kiosk
# must not depend on the terminal's fonts. Then the copy install.sh leaves, then Debian's.
BUNDLE_FONT_FILES = (
    (str(Path(sys._MEIPASS) / "fonts" / "NotoSansCJK-Regular.ttc"),)
    if hasattr(sys, "_MEIPASS")
    else ()
)
SYSTEM_FONT_FILES = (
    *BUNDLE_FONT_FILES,
    "/usr/local/share/fonts/kiosk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


def install_font(app: QApplication, font_file: str = "") -> str:
    """Load the configured or a system CJK font and make it the app font; return its family."""
    candidates = [font_file] if font_file else []
    candidates += list(SYSTEM_FONT_FILES)
    for path in candidates:
        if path and Path(path).exists():
            font_id = QFontDatabase.addApplicationFont(path)
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            if families:
                family = next((f for f in families if f in CJK_FAMILIES), families[0])
                app.setFont(QFont(family, 20))
                return family
    available = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in available:
            app.setFont(QFont(family, 20))
            return family
    log.error("no CJK font found: Chinese text would render as boxes; install fonts-noto-cjk")
    return ""


STYLE = f"""
QWidget#screen {{ background: {BACKGROUND}; }}
QLabel {{ color: {TEXT}; font-size: {BODY_PX}px; }}
QLabel#title {{ font-size: {TITLE_PX}px; font-weight: bold; }}
QLabel#title[tone="warning"] {{ color: {WARNING}; }}
QLabel#step {{ font-size: {SMALL_PX}px; color: {MUTED}; }}
QLabel#identity {{ font-size: {TITLE_PX}px; font-weight: bold; }}
QLabel#status {{ font-size: {BODY_PX}px; font-weight: bold; color: {PRIMARY}; }}
QLabel#status[tone="warning"] {{ color: {WARNING}; }}
QLabel#guidance {{ font-size: {BUTTON_PX}px; font-weight: bold; color: {PRIMARY}; }}
QPushButton {{
    font-size: {BUTTON_PX}px; min-height: {BUTTON_MIN_H}px; padding: 12px 36px;
    border-radius: 18px; border: 3px solid #555555;
    background: {SECONDARY}; color: {SECONDARY_TEXT};
}}
QPushButton[role="primary"] {{
    background: {PRIMARY}; color: {PRIMARY_TEXT}; border-color: {PRIMARY};
}}
QPushButton[role="help"] {{ background: {HELP}; color: #FFFFFF; border-color: {HELP}; }}
QPushButton[role="footer"] {{ font-size: {SMALL_PX}px; min-height: {FOOTER_BUTTON_MIN_H}px; }}
QPushButton[role="help"][footer="true"] {{
    font-size: {SMALL_PX}px; min-height: {FOOTER_BUTTON_MIN_H}px;
}}
QPushButton:pressed {{ border-color: #000000; }}
QLabel#progress {{ font-size: {BODY_PX}px; font-weight: bold; }}
QLabel#rating_text {{ font-size: {RATING_PX}px; font-weight: bold; }}
QPushButton[rating="true"] {{ padding: 0px; min-height: {RATING_MIN_H}px; }}
QFrame#moretime {{ background: #FFF4C2; border: 4px solid #7A5C00; border-radius: 24px; }}
QFrame#pinpad {{ background: #F2F2F2; border: 3px solid #555555; border-radius: 24px; }}
"""
