"""The verify page as a relative or a bank clerk sees it: Debian's Chromium at phone width
(390 CSS px), driven by Selenium through chromedriver, against a real `kiosk-central serve`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.queuetests.phone_browser import PHONE_WIDTH, open_phone_browser
from tests.queuetests.platform_proc import Kiosk, central, enrol, serving

pytestmark = pytest.mark.slow


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    driver = open_phone_browser(tmp_path / "chromium-profile")
    yield driver
    driver.quit()


def _layout(driver: object) -> dict[str, object]:
    """Measured in the page: the widest element, and every label that takes two lines."""
    script = """
      const labels = [...document.querySelectorAll('dt')].map(dt => {
        const r = document.createRange(); r.selectNodeContents(dt);
        return {text: dt.innerText, lines: r.getClientRects().length};
      });
      return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        labels: labels,
        text: document.body.innerText,
      };
    """
    return driver.execute_script(script)  # type: ignore[attr-defined,no-any-return]


def test_a_valid_certificate_reads_as_a_plain_chinese_document_at_phone_width(
    browser: object, tmp_path: Path
) -> None:
    db = tmp_path / "central.sqlite3"
    with serving(db) as url:
        kiosk: Kiosk = enrol(db, url, tmp_path / "kiosk", "GD0106-017", "示范村便民服务站")
        token = kiosk.certificate("261204-7KQ2M")
        browser.get(f"{url}/verify/{token}")  # type: ignore[attr-defined]
        layout = _layout(browser)
        browser.save_screenshot(str(tmp_path / "valid.png"))  # type: ignore[attr-defined]
    text = str(layout["text"])
    assert layout["innerWidth"] == PHONE_WIDTH
    assert layout["scrollWidth"] <= PHONE_WIDTH, "the page scrolls sideways"
    broken = [label for label in layout["labels"] if label["lines"] != 1]  # type: ignore[union-attr]
    assert broken == [], f"labels broken over two lines: {broken}"
    for words in ("证书有效", "养老金资格认证", "通过", "张*英", "1101**********1239"):
        assert words in text, words
    assert "示范村便民服务站" in text and "GD0106-017" in text
    assert "平台尚未收到本次认证的记录" in text
    assert "年" in text and "月" in text and "日" in text
    for code_word in ("pension", "pass", "T0", "+08:00", "Certificate"):
        assert code_word not in text, code_word


def test_an_invalid_certificate_says_what_to_do(browser: object, tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    with serving(db) as url:
        kiosk = enrol(db, url, tmp_path / "kiosk", "LOST-2", "乙村便民服务站")
        token = kiosk.certificate("261204-ABCDE")
        assert central("terminals", "revoke", "LOST-2", "--db", str(db)).returncode == 0
        browser.get(f"{url}/verify/{token}")  # type: ignore[attr-defined]
        layout = _layout(browser)
        browser.save_screenshot(str(tmp_path / "revoked.png"))  # type: ignore[attr-defined]
        browser.get(f"{url}/verify/{token[:-6]}")  # type: ignore[attr-defined]
        damaged = _layout(browser)
    for page in (layout, damaged):
        text = str(page["text"])
        assert "证书无效" in text and "请不要凭本证书办理业务" in text and "12333" in text
        assert page["scrollWidth"] <= PHONE_WIDTH
    assert "停用" in str(layout["text"])
