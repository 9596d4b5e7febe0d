"""The review site in Debian's Chromium (Selenium, chromedriver) against a real
`kiosk-central serve`: a locked account stays locked, the first login forces a new password,
a form posted from another site decides nothing, and a reviewer works through the queue with
the keyboard alone (approve, reject with a reason and a note, the no-script accesskeys),
measured in cases per minute."""

from __future__ import annotations

import http.server
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract.decisions import REJECTION_REASONS
from tests.queuetests.decide_helpers import OPERATOR_ENV, Terminal, enrol, id_number, review_list
from tests.queuetests.phone_browser import open_chromium
from tests.queuetests.platform_proc import serving
from tests.queuetests.staff_client import NEW_PASSWORD, add_user
from tests.queuetests.test_staff_site import XSS, in_review

pytestmark = pytest.mark.slow

KEYBOARD_CASES = 20


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    driver = open_chromium(tmp_path / "chromium-profile", "--window-size=1280,1000")
    yield driver
    driver.quit()


def residents(count: int) -> list[str]:
    return [id_number(f"1101011950{month:02d}01{n:03d}") for n, month in
            ((n, n % 12 + 1) for n in range(count))]  # fmt: skip


def type_into(driver: Any, name: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.NAME, name)
    box.clear()
    box.send_keys(text)


def log_in(driver: Any, url: str, name: str, password: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    driver.get(f"{url}/staff/login")
    type_into(driver, "name", name)
    type_into(driver, "password", password)
    button = driver.find_element(By.CSS_SELECTOR, "form button[type=submit]")
    button.click()
    wait_until(driver, expected_conditions.staleness_of(button))  # the answer has loaded


def press(driver: Any, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver)
    for key in keys:
        chain = chain.send_keys(key)
    chain.perform()


def alt(driver: Any, key: str) -> None:
    """Alt+key: Chromium's accesskey on Linux."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).key_down(Keys.ALT).send_keys(key).key_up(Keys.ALT).perform()


def wait_until(driver: Any, test: Any, timeout_s: float = 15.0) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout_s, poll_frequency=0.02).until(test)


def on_next_case(driver: Any, previous: str) -> bool:
    return bool(driver.current_url != previous and driver.execute_script(
        "return document.readyState === 'complete'"
    ))  # fmt: skip


class AttackerSite:
    """Another site (another port on `localhost`, not `127.0.0.1`): a page whose form posts a
    decision to the platform as soon as it loads."""

    def __init__(self, target: str) -> None:
        body = (
            "<!doctype html><html><body><form id=f method=post action='" + target + "'>"
            "<input name=verdict value=verified></form>"
            "<script>document.getElementById('f').submit()</script></body></html>"
        ).encode()

        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://localhost:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> AttackerSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def decisions(db: Path) -> dict[str, tuple[str, str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT case_id, verdict, reason, reviewer, note FROM decisions"
        ).fetchall()
    finally:
        conn.close()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def test_a_reviewer_works_the_queue_with_the_keyboard(
    browser: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions

    db = tmp_path / "central.sqlite3"
    wang = add_user(db, "wang")
    li = add_user(db, "li")
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk: Terminal = enrol(db, url, tmp_path / "k", "GD0106-017")
        cases = in_review(db, kiosk, *residents(KEYBOARD_CASES + 2))

        # Five wrong passwords lock the account; then the right one is refused too.
        for _ in range(5):
            log_in(browser, url, "li", "not the password")
        log_in(browser, url, "li", li)
        (tmp_path / "locked.html").write_text(browser.page_source)
        assert "锁定" in browser.find_element(By.CSS_SELECTOR, ".problem").text
        assert browser.current_url.endswith("/staff/login")

        # The first login leads to the password form, and nowhere else.
        log_in(browser, url, "wang", wang)
        assert browser.current_url.endswith("/staff/password")
        browser.get(f"{url}/staff/queue")
        assert browser.current_url.endswith("/staff/password")
        type_into(browser, "old", wang)
        type_into(browser, "new", NEW_PASSWORD)
        type_into(browser, "again", NEW_PASSWORD)
        save = browser.find_element(By.CSS_SELECTOR, "main form button")
        save.click()
        wait_until(browser, expected_conditions.staleness_of(save))
        assert "/staff/queue" in browser.current_url
        assert "新密码已保存" in browser.find_element(By.CSS_SELECTOR, ".message").text

        # A page on another site posts a decision with the reviewer's browser: refused.
        target = f"{url}/staff/case/decide?t={kiosk.terminal_id}&c={cases[0]}"
        with AttackerSite(target) as attacker:
            browser.get(attacker.url)
            wait_until(browser, lambda d: "/staff/" in d.current_url)
        assert "/staff/queue" not in browser.current_url  # refused or sent to log in
        assert len(review_list(db)) == KEYBOARD_CASES + 2

        # The queue, then one case after another with keys only.
        browser.get(f"{url}/staff/queue")
        alt(browser, "s")  # accesskey: start with the oldest
        wait_until(browser, lambda d: "/staff/case?" in d.current_url)
        browser.save_screenshot(str(tmp_path / "case.png"))
        plan: list[tuple[str, ...]] = []
        for n in range(KEYBOARD_CASES):
            if n % 2 == 0:
                plan.append(("y",))
            elif n == KEYBOARD_CASES - 1:  # the latest: shown in "my latest decisions"
                plan.append(("3", "n", XSS, Keys.ESCAPE, "x"))
            else:
                plan.append((str(n % len(REJECTION_REASONS) + 1), "x"))
        started = time.monotonic()
        decided_order = []
        for keys in plan:
            here = browser.current_url
            decided_order.append(here.split("c=")[1].split("&")[0])
            assert browser.switch_to.active_element.tag_name == "body"
            press(browser, *keys)
            wait_until(browser, lambda d, h=here: on_next_case(d, h))
        took = time.monotonic() - started
        per_minute = KEYBOARD_CASES / took * 60
        figure = {"cases": KEYBOARD_CASES, "seconds": round(took, 2),
                  "cases_per_minute": round(per_minute, 1)}  # fmt: skip
        with capsys.disabled():
            print("\n" + json.dumps({"keyboard_review": figure}))

        # Without the script: the accesskeys of the buttons (Alt+letter in Chromium).
        browser.execute_script("document.getElementById('decide').dataset.sent = '1'")
        here = browser.current_url
        last = here.split("c=")[1].split("&")[0]
        alt(browser, "y")
        wait_until(browser, lambda d: on_next_case(d, here))
        remaining = browser.current_url.split("c=")[1].split("&")[0]

        # The note is shown as text on the queue page, and no script of it ran.
        browser.get(f"{url}/staff/queue")
        notes = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "table.mine td.note")]
        assert XSS in notes
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018
        browser.save_screenshot(str(tmp_path / "queue.png"))

    made = decisions(db)
    assert len(made) == KEYBOARD_CASES + 1 and set(made) == set(cases) - {remaining}
    assert made[last] == ("verified", "reviewer_approved", "wang", "")
    for keys, case_id in zip(plan, decided_order, strict=True):
        verdict, reason, reviewer, note = made[case_id]
        assert reviewer == "wang"
        if keys == ("y",):
            assert (verdict, reason, note) == ("verified", "reviewer_approved", "")
        else:
            assert verdict == "not_verified"
            assert reason == REJECTION_REASONS[int(keys[0]) - 1]
            assert note == (XSS if XSS in keys else "")
    assert os.path.getsize(tmp_path / "queue.png") > 0
