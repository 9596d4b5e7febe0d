"""What the Mandarin voice says: a prompt's text as words of toned pinyin, tone sandhi applied.

Kokoro's phoneme step (misaki) reads each word's dictionary tones and applies no tone sandhi,
so 请把 would be spoken as two dipping third tones and 再试一次 with a level 一. The standard
rules of Putonghua are applied here, before synthesis, and the result stays inspectable
(`spoken_pinyin`, the render manifest and docs/voice.md):

- 不 is bú before a fourth tone, else bù; neutral between two of the same syllable (是不是).
- 一 is yí before a fourth tone, yì before the other tones, yī at the end of a phrase, in
  numbers (第一, 十一, 一一) and neutral between a reduplicated verb (看一看).
- Third tone before third tone becomes second: within a word first (可以 kéyǐ, 展览馆
  zhánlánguǎn), then across word boundaries from the right, so that 也可以 stays yě kéyǐ
  and 请把 becomes qíng bǎ (cyclic application over jieba's words).

Imports of jieba and pypinyin happen on first use: the kiosk itself never calls this module.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

# Marks that end a clause (a pause follows), with the ASCII mark the phonemes carry.
CLAUSE_MARKS = {"，": ",", "、": ",", "；": ";", "：": ":", ",": ",", ";": ";", ":": ":"}
SENTENCE_MARKS = {"。": ".", "？": "?", "！": "!", ".": ".", "?": "?", "!": "!"}
MARKS = CLAUSE_MARKS | SENTENCE_MARKS
HAN = re.compile(r"[\u4e00-\u9fff]")
NUMERALS = set("零一二三四五六七八九十百千万两第")
SPLIT = re.compile("([" + re.escape("".join(MARKS)) + "])")


class PinyinError(ValueError):
    """A prompt text the Mandarin voice cannot say (a character that is not Chinese)."""


@dataclass(frozen=True)
class Syllable:
    han: str
    pinyin: str  # TONE3 style: "qing2", neutral tone "de5"


@dataclass(frozen=True)
class Clause:
    words: tuple[tuple[Syllable, ...], ...]
    mark: str  # the mark that ends it ("，", "。" ...), "" at an unpunctuated end

    @property
    def ends_sentence(self) -> bool:
        return self.mark in SENTENCE_MARKS or not self.mark

    def pinyin(self, *, marks: bool = False) -> str:
        """'qing2ba3 ...' per word, or with tone marks ('qíngbǎ') for people to read."""
        text = " ".join("".join(_shown(s.pinyin, marks) for s in word) for word in self.words)
        return text + MARKS.get(self.mark, "")


def spoken_pinyin(text: str) -> list[Clause]:
    """The clauses of `text` as the voice will say them, tone sandhi applied."""
    clauses = []
    pieces = SPLIT.split(text.strip())
    for piece, mark in zip(pieces[0::2], [*pieces[1::2], ""], strict=True):
        body = piece.strip()
        if not body:
            continue
        stray = sorted({c for c in body if not HAN.match(c)})
        if stray:
            raise PinyinError(f"not Chinese characters in {text!r}: {''.join(stray)!r}")
        words = [
            [_syllable(h, p) for h, p in zip(w, _dictionary(w), strict=True)] for w in _cut(body)
        ]
        clauses.append(Clause(_sandhi(words), mark))
    return clauses


def pinyin_line(text: str, *, marks: bool = True) -> str:
    """The whole prompt as one line of spoken pinyin, e.g. for docs/voice.md."""
    return " ".join(clause.pinyin(marks=marks) for clause in spoken_pinyin(text))


# -- the rules --------------------------------------------------------------------------------
def _sandhi(words: list[list[list[str]]]) -> tuple[tuple[Syllable, ...], ...]:
    flat = [syl for word in words for syl in word]
    _bu_and_yi(flat)
    _third_tones(words)
    return tuple(tuple(Syllable(h, p) for h, p in word) for word in words)


def _bu_and_yi(flat: list[list[str]]) -> None:
    """不 and 一 by the tone that follows, as in the dictionary (before third-tone sandhi)."""
    original = [_tone(p) for _h, p in flat]
    for i, (han, pinyin) in enumerate(flat):
        if han not in "不一":
            continue
        prev = flat[i - 1][0] if i > 0 else ""
        nxt = flat[i + 1][0] if i + 1 < len(flat) else ""
        base = pinyin[:-1]
        if nxt and prev == nxt and not (set(nxt) & NUMERALS):
            tone = 5  # 看一看, 是不是
        elif han == "一" and (not nxt or prev in NUMERALS or nxt in NUMERALS):
            tone = 1  # 第一, 十一, 一一, phrase-final
        elif nxt and original[i + 1] == 4:
            tone = 2
        else:
            tone = 4
        flat[i][1] = f"{base}{tone}"


def _third_tones(words: list[list[list[str]]]) -> None:
    # Within each word: every third tone followed by a third tone rises.
    for word in words:
        for i in range(len(word) - 2, -1, -1):
            if _tone(word[i][1]) == 3 and _tone(word[i + 1][1]) == 3:
                _set_tone(word[i], 2)
    # Across words, from the right: a word's last syllable before a third tone rises.
    for w in range(len(words) - 2, -1, -1):
        last, first = words[w][-1], words[w + 1][0]
        if _tone(last[1]) == 3 and _tone(first[1]) == 3:
            _set_tone(last, 2)


# -- helpers ----------------------------------------------------------------------------------
def _syllable(han: str, pinyin: str) -> list[str]:
    if not pinyin[-1:].isdigit():
        raise PinyinError(f"no reading for {han!r}")
    return [han, pinyin]


def _tone(pinyin: str) -> int:
    return int(pinyin[-1])


def _set_tone(syllable: list[str], tone: int) -> None:
    syllable[1] = f"{syllable[1][:-1]}{tone}"


def _shown(pinyin: str, marks: bool) -> str:
    if not marks:
        return pinyin
    from pypinyin.contrib.tone_convert import to_tone

    return str(to_tone(pinyin))


def _cut(text: str) -> list[str]:
    return [w for w in _jieba().lcut(text, cut_all=False) if w.strip()]


def _dictionary(word: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return list(lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True))


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict ..." on every render
    return jieba
