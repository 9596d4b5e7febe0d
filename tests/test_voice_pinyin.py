"""What the Mandarin voice says: tone sandhi applied before synthesis (kiosk/voice/pinyin.py).

Runs the real jieba and pypinyin; the expected tones are those of standard Putonghua.
"""

from __future__ import annotations

import pytest

from kiosk.voice.pinyin import PinyinError, pinyin_line, spoken_pinyin
from kiosk.voice.prompts import PROMPTS_ZH


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # 您 is nín, a second tone: 您好 has no third-tone pair (你好 has).
        ("您好", "nin2hao3"),
        ("你好", "ni2hao3"),
        # Third tone before third tone rises, within a word and across words.
        ("可以", "ke2yi3"),
        ("也可以", "ye3 ke2yi3"),
        ("保管好", "bao2guan2 hao3"),
        ("老保管", "lao3 bao2guan3"),
        # 一 by the tone after it; level in numbers and at the end.
        ("一下", "yi2xia4"),
        ("一次", "yi2ci4"),
        ("一点", "yi4dian3"),
        ("一天", "yi4tian1"),
        ("第一", "di4yi1"),
        ("看一看", "kan4yi5kan4"),
        # 不 rises before a fourth tone only.
        ("不要", "bu2yao4"),
        ("不是", "bu2shi4"),
        ("不想", "bu4xiang3"),
        ("不能", "bu4neng2"),
        ("是不是", "shi4bu5shi4"),
    ],
)
def test_tone_sandhi(text: str, spoken: str) -> None:
    assert pinyin_line(text, marks=False) == spoken


@pytest.mark.parametrize(
    ("prompt_id", "heard"),
    [
        ("screen.idle", "nin2hao3,"),  # the greeting itself: no sandhi due
        ("screen.read_card", "qing2 ba3 shen1fen4zheng4"),  # 请把: 3+3
        ("screen.read_card", "bu2yao4 yi2dong4"),  # 不要移动: 不 and 一 before fourth tones
        ("screen.consent", "pai1 yi2xia4"),  # 拍一下
        ("screen.consent", "bu4xiang3 pai1zhao4"),  # 不想: 不 stays before a third tone
        ("face.retry", "zai4shi4yi2ci4"),  # 再试一次
        ("card.take_back", "qing2 qu3hui2"),  # 请取回
        ("face.closer", "yi4dian3"),  # 一点
    ],
)
def test_prompts_are_spoken_with_sandhi(prompt_id: str, heard: str) -> None:
    assert heard in pinyin_line(PROMPTS_ZH[prompt_id], marks=False)


def test_clauses_keep_their_marks_for_the_pauses() -> None:
    clauses = spoken_pinyin("您好，欢迎使用自助服务。请点击屏幕上的大按钮。")
    assert [c.mark for c in clauses] == ["，", "。", "。"]
    assert [c.ends_sentence for c in clauses] == [False, True, True]
    assert pinyin_line("请取回您的卡片。") == "qíng qǔhuí nín de kǎpiàn."


@pytest.mark.parametrize("text", ["请按 OK 键", "请扫描QR码", "🙂"])
def test_text_the_mandarin_voice_cannot_say_is_a_clear_error(text: str) -> None:
    with pytest.raises(PinyinError, match="not Chinese"):
        spoken_pinyin(text)


def test_every_mandarin_prompt_has_a_spoken_form() -> None:
    for prompt_id, text in PROMPTS_ZH.items():
        line = pinyin_line(text, marks=False)
        assert line and all(ch.isascii() for ch in line), prompt_id
