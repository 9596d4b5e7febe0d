"""How personal data is masked wherever a person may read it: screen, paper, certificate token.

    mask_name("张秀英") == "张*英"
    mask_id_number("110101195001011239") == "1101**********1239"

A mask keeps some characters at the start and at the end (its shape, by the text's length) and
stars the rest. A certificate token carries only the kept characters and the length; the
verifier rebuilds exactly the printed text with `unmask`.
"""

from __future__ import annotations

from collections.abc import Callable

# How many characters a mask keeps at the start and at the end, by the text's length.
Shape = Callable[[int], tuple[int, int]]


def name_shape(length: int) -> tuple[int, int]:
    """张秀英 -> 张*英, 张三 -> 张*, one character stays as it is."""
    return (length, 0) if length <= 1 else (1, 0) if length == 2 else (1, 1)


def id_number_shape(length: int) -> tuple[int, int]:
    """The region prefix and the last four, or nothing of a number under 8 characters."""
    return (4, 4) if length >= 8 else (0, 0)


def mask(text: str, shape: Shape) -> str:
    head, tail = shape(len(text))
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def mask_name(name: str) -> str:
    """张秀英 -> 张*英, 张三 -> 张*, one character stays as it is."""
    return mask(name, name_shape)


def mask_id_number(id_number: str) -> str:
    """110101195001011239 -> 1101**********1239 (region prefix and last four only)."""
    return mask(id_number, id_number_shape)


def unmask(kept: object, length: object, shape: Shape, max_length: int) -> str:
    """The masked text back from its kept characters and length; ValueError when they do not
    fit the shape (or the length is not a number from 0 to `max_length`)."""
    if type(length) is not int or not 0 <= length <= max_length:
        raise ValueError(f"masked length is not a number from 0 to {max_length}")
    head, tail = shape(length)
    if not isinstance(kept, str) or len(kept) != head + tail:
        raise ValueError(f"kept characters do not fit a masked text of {length} characters")
    return kept[:head] + "*" * (length - head - tail) + kept[head:]


def kept_characters(masked: str, shape: Shape) -> str:
    """What a mask of this shape keeps of `masked`; ValueError when `masked` is not masked
    that way (never quoted: it may be unmasked personal data)."""
    head, tail = shape(len(masked))
    kept = masked[:head] + masked[len(masked) - tail :]
    if mask(masked, shape) != masked:
        raise ValueError("the text is not masked as this shape masks it")
    return kept
