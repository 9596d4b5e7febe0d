"""Line layout shared by every renderer: columns, wrapping and key/value lines.

A thermal printer's font is a grid: half-width characters take one 12-dot column, Chinese
(full-width) characters two. The ESC/POS text renderer, the raster renderer and the PNG
preview all break lines here, so paper and preview wrap at the same places.
"""

from __future__ import annotations

CELL_DOTS = 12  # width of one half-width character of printer font A (12x24)
LINE_DOTS = 24  # height of a character row at magnification 1
LINE_PITCH = 34  # the printer's default line spacing (1/6 inch at 203 dpi)


def columns_for(width_dots: int, size: int = 1) -> int:
    """Half-width character columns on one line at this magnification."""
    return max(1, width_dots // (CELL_DOTS * size))


def char_width(char: str) -> int:
    """Columns a character takes on a Chinese printer: ASCII is one byte and half width;
    everything else is a GB18030 multi-byte character, printed full width (so are the
    "ambiguous" ones such as “ ” and ……, which a Western terminal would draw narrow)."""
    return 1 if char < "\x80" else 2


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def wrap(text: str, cols: int) -> list[str]:
    """Break text into lines of at most `cols` columns; explicit newlines are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for char in paragraph:
            width = char_width(char)
            if used + width > cols and line:
                lines.append(line.rstrip(" "))
                line, used = "", 0
                if char == " ":
                    continue
            line += char
            used += width
        lines.append(line)
    return lines


def key_value_lines(key: str, value: str, cols: int) -> list[str]:
    """`key` on the left, `value` on the right; value wrapped under the key when too long."""
    gap = cols - display_width(key) - display_width(value)
    if gap >= 1:
        return [key + " " * gap + value]
    return [*wrap(key, cols), *("  " + line for line in wrap(value, cols - 2))]


def rule_line(char: str, cols: int) -> str:
    return char * max(1, cols // char_width(char or "-"))


def aligned(line: str, cols: int, align: str) -> str:
    """Pad a line for the given alignment (used where the renderer has no alignment command)."""
    free = max(0, cols - display_width(line))
    if align == "center":
        return " " * (free // 2) + line
    if align == "right":
        return " " * free + line
    return line
