"""A staff member's browser without a browser: `requests` following the review site's forms
(the Chromium tests drive the same pages with keys)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import requests

from tests.queuetests.platform_proc import central

NEW_PASSWORD = "Kiosk-review 2026 plum"


def add_user(db: Path, name: str, role: str = "reviewer") -> str:
    """`kiosk-central users add`; its one-time password (the last line)."""
    made = central("users", "add", name, "--role", role, "--db", str(db))
    assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[-1]


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field on the page"
    return html.unescape(found.group(1))


class StaffClient:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.page = ""

    def get(self, path: str, **kw: Any) -> requests.Response:
        answer = self.http.get(self.url + path, timeout=30, **kw)
        self.page = answer.text
        return answer

    def post(self, path: str, data: dict[str, str], **kw: Any) -> requests.Response:
        answer = self.http.post(self.url + path, data=data, timeout=30, **kw)
        self.page = answer.text
        return answer

    def csrf(self) -> str:
        return field(self.page, "csrf")

    def login(self, name: str, password: str) -> requests.Response:
        form = self.get("/staff/login")
        assert form.status_code == 200
        return self.post(
            "/staff/login",
            {"login_csrf": field(self.page, "login_csrf"), "name": name, "password": password},
        )

    def first_login(self, name: str, one_time: str, new: str = NEW_PASSWORD) -> None:
        """Log in with the one-time password and set `new` (as the site demands)."""
        answer = self.login(name, one_time)
        assert answer.url.endswith("/staff/password"), answer.url
        changed = self.post(
            "/staff/password", {"csrf": self.csrf(), "old": one_time, "new": new, "again": new}
        )
        assert changed.status_code == 200 and "/staff/queue" in changed.url, changed.text

    def session_cookie(self) -> str | None:
        return self.http.cookies.get("kc_staff", path="/staff")
