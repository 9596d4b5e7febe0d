"""The review site speaks plain Chinese, and English through the same table: every text the
site shows has an English entry, and an English page holds no Chinese of the site's own."""

from __future__ import annotations

import re
from pathlib import Path

from central import i18n, staff_web
from central.staff_pages import render
from central.staff_web import MESSAGES, PASSWORD_PROBLEMS

CENTRAL = Path(i18n.__file__).parent
CALLED = re.compile(r"""_\(\s*"([^"]+)"\s*\)""")
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def site_texts() -> set[str]:
    texts: set[str] = set()
    for path in [*CENTRAL.glob("templates/*.html"), CENTRAL / "staff_pages.py"]:
        texts |= set(CALLED.findall(path.read_text(encoding="utf-8")))
    texts |= set(MESSAGES.values()) | set(PASSWORD_PROBLEMS.values())
    source = Path(staff_web.__file__).read_text(encoding="utf-8")
    texts |= {t for t in re.findall(r'"([^"]*[\u4e00-\u9fff][^"]*)"', source)}
    for table in (
        i18n.REVIEW_REASON_TEXT,
        i18n.DECISION_REASON_TEXT,
        i18n.VERDICT_TEXT,
        i18n.ACTION_TEXT,
        i18n.SCORE_TEXT,
        i18n.RATING_REASON_TEXT,
        i18n.SERVICE_TEXT,
        i18n.AUDIT_TEXT,
    ):
        texts |= set(table.values())
    return texts


def test_every_text_of_the_site_has_an_english_entry() -> None:
    texts = site_texts()
    assert len(texts) > 100
    missing = sorted(t for t in texts if t not in i18n.EN)
    assert missing == []
    assert all(not CJK.search(i18n.EN[t]) for t in texts)


def test_an_english_page_has_no_chinese_of_its_own() -> None:
    for name, context in (
        ("login.html", {"login_csrf": "x"}),
        ("refused.html", {"title": "Refused", "text": "Go back", "back": "/staff/queue"}),
    ):
        page = render(name, lang="en", session=None, **context)
        text = re.sub(r"<[^>]+>", " ", page).replace("中文", "")  # the switch back to Chinese
        assert not CJK.search(text), CJK.findall(text)
