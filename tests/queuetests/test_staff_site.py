"""The review site as its staff and its attackers meet it, on a real `kiosk-central serve`:
forced password change, sessions that rotate and expire, CSRF refused, lockout that holds
against parallel guesses and name variants, no case reachable that is not awaiting review,
notes shown as text, every view and decision audited, 好差评 aggregated and followed up."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import requests

from tests.queuetests.decide_helpers import (
    OPERATOR_ENV,
    RESIDENT_A,
    RESIDENT_B,
    Terminal,
    enrol,
    follow_feed,
    review_list,
    wait_for,
)
from tests.queuetests.platform_proc import central, serving
from tests.queuetests.staff_client import NEW_PASSWORD, StaffClient, add_user, field

FACE = b"\xff\xd8\xff\xe0" + os.urandom(400)  # never matched: nobody has a reference face
XSS = '<script>alert("x")</script><img src=x onerror=alert(2)>'


def in_review(db: Path, kiosk: Terminal, *residents: str) -> list[str]:
    """Send pending checks that go to review (no reference face); their case ids."""
    cases = [kiosk.pending(r, FACE) for r in residents]
    kiosk.send(*cases)
    ids = [c["case_id"] for c in cases]
    wait_for(lambda: {c["case_id"] for c in review_list(db)} >= set(ids), what="review")
    return ids


def audit_rows(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT actor, action, terminal_id, case_id, detail FROM audit_log ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()


def test_first_login_forces_a_new_password_and_sessions_rotate(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    one_time = add_user(db, "wang")
    with serving(db) as url:
        staff = StaffClient(url)
        assert staff.get("/staff/queue").url.endswith("/staff/login")
        # Session fixation: a session id planted before login is never the one issued.
        staff.http.cookies.set("kc_staff", "planted-by-attacker", domain="127.0.0.1", path="/staff")
        staff.login("wang", one_time)
        issued = staff.session_cookie()
        assert issued and issued != "planted-by-attacker"
        # Until the one-time password is changed, every page leads to the password form.
        assert staff.get("/staff/queue").url.endswith("/staff/password")
        assert staff.get("/staff/ratings").url.endswith("/staff/password")
        weak = staff.post(
            "/staff/password",
            {
                "csrf": staff.csrf(),
                "old": one_time,
                "new": "wang-wang-123",
                "again": "wang-wang-123",
            },
        )
        assert weak.status_code == 400 and "容易猜到" in weak.text
        staff.post(
            "/staff/password",
            {"csrf": staff.csrf(), "old": one_time, "new": NEW_PASSWORD, "again": NEW_PASSWORD},
        )
        assert staff.page and "新密码已保存" in staff.page
        rotated = staff.session_cookie()
        assert rotated and rotated != issued
        stale = requests.get(f"{url}/staff/queue", cookies={"kc_staff": issued}, timeout=5)
        assert stale.url.endswith("/staff/login")  # the pre-change session ended
        assert staff.get("/staff/queue").url.endswith("/staff/queue")

        # Sessions expire when idle (the clock moved on: the row's last-seen time is aged).
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("UPDATE staff_sessions SET last_seen_ts = last_seen_ts - 3600")
        conn.close()
        assert staff.get("/staff/queue").url.endswith("/staff/login")

        # Logging out ends the session on the platform, not only in the browser.
        staff.login("wang", NEW_PASSWORD)
        kept = staff.session_cookie()
        staff.get("/staff/queue")
        staff.post("/staff/logout", {"csrf": staff.csrf()})
        after = requests.get(f"{url}/staff/queue", cookies={"kc_staff": kept}, timeout=5)
        assert after.url.endswith("/staff/login")
        cookie = staff.http.cookies
        assert cookie.get("kc_staff", path="/staff") is None


def test_session_cookie_is_httponly_and_strict(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    one_time = add_user(db, "wang")
    with serving(db) as url:
        staff = StaffClient(url)
        staff.get("/staff/login")
        answer = staff.http.post(
            f"{url}/staff/login",
            data={"login_csrf": field(staff.page, "login_csrf"), "name": "wang",
                  "password": one_time},
            allow_redirects=False,
            timeout=5,
        )  # fmt: skip
        cookie = answer.headers["set-cookie"]
        assert answer.status_code == 303
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/staff" in cookie
        assert answer.headers["cache-control"] == "no-store"
        page = staff.get("/staff/password")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "unsafe-inline" not in page.headers["content-security-policy"]


def test_csrf_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    one_time = add_user(db, "wang")
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k", "GD0106-017")
        (case_id,) = in_review(db, kiosk, RESIDENT_A)
        staff = StaffClient(url)
        staff.first_login("wang", one_time)
        target = f"/staff/case/decide?t={kiosk.terminal_id}&c={case_id}"
        good = {"verdict": "verified"}
        token = staff.get(f"/staff/case?t={kiosk.terminal_id}&c={case_id}") and staff.csrf()
        attempts = [
            ({}, {}),  # no token
            ({"csrf": "0" * 43}, {}),  # a wrong token
            ({"csrf": token}, {"Origin": "http://evil.example"}),  # right token, other site
            ({"csrf": token}, {"Sec-Fetch-Site": "cross-site"}),
        ]
        for extra, headers in attempts:
            refused = staff.post(target, {**good, **extra}, headers=headers)
            assert refused.status_code == 403 and "请求被拒绝" in refused.text
        # The login form has its own token (double-submit cookie).
        fresh = requests.post(
            f"{url}/staff/login",
            data={"login_csrf": "x" * 32, "name": "wang", "password": NEW_PASSWORD},
            timeout=5,
        )
        assert fresh.status_code == 403
        assert [c["case_id"] for c in review_list(db)] == [case_id]  # nothing was decided
        done = staff.post(target, {**good, "csrf": token}, headers={"Origin": url})
        assert done.status_code == 200 and review_list(db) == []


def test_lockout_holds_against_parallel_guesses_and_name_variants(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    wang = add_user(db, "wang")
    li = add_user(db, "li")
    with serving(db) as url:
        staff = StaffClient(url)
        for _ in range(5):
            assert staff.login("wang", "wrong password").status_code == 401
        refused = staff.login("wang", wang)  # the right password, while locked
        assert refused.status_code == 401 and "锁定" in refused.text
        assert staff.login("Wang ", wang).status_code == 401  # another spelling, same account

        # Ten guesses at once: at most five passwords are checked before the lock.
        def guess(n: int) -> None:
            StaffClient(url).login("li", f"guess {n}")

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert StaffClient(url).login("li", li).status_code == 401
        checked = [r for r in audit_rows(db) if r[0] == "li" and r[1] == "login_failed"]
        assert sum('"password"' in r[4] for r in checked) <= 5
        assert any(r[0] == "li" and r[1] == "locked_out" for r in audit_rows(db))

        # An administrator's reset unlocks with a new one-time password.
        reset = central("users", "reset", "wang", "--db", str(db))
        assert reset.returncode == 0
        StaffClient(url).first_login("wang", reset.stdout.strip().splitlines()[-1])

        # And one address cannot try names for ever: 30 attempts per 15 minutes.
        codes = [StaffClient(url).login(f"nobody{n}", "x").status_code for n in range(30)]
        assert codes[-1] == 429


def test_no_case_is_reachable_unless_it_awaits_review(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    one_time = add_user(db, "wang")
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k", "GD0106-017")
        (waiting,) = in_review(db, kiosk, RESIDENT_A)
        verified = kiosk.case(
            {"service": "pension_check", "outcome": "verified",
             "resident": {"id_number": RESIDENT_B, "name": "李桂兰"}},
            {"face.jpg": FACE},
        )  # fmt: skip
        kiosk.send(verified)
        staff = StaffClient(url)
        outsider = requests.get(
            f"{url}/staff/case/face.jpg?t={kiosk.terminal_id}&c={waiting}", timeout=5
        )
        assert outsider.url.endswith("/staff/login") and outsider.content[:2] != b"\xff\xd8"
        staff.first_login("wang", one_time)
        t = kiosk.terminal_id
        for path in (
            f"/staff/case?t={t}&c={verified['case_id']}",  # decided on the terminal
            f"/staff/case/face.jpg?t={t}&c={verified['case_id']}",
            f"/staff/case?t=GD0106-999&c={waiting}",  # another terminal's id
            f"/staff/case?t={t}&c=../../etc/passwd",
        ):
            assert staff.get(path).status_code == 404, path
        assert staff.get("/staff/audit").status_code == 403  # a reviewer is not an admin
        assert staff.get("/staff/audit.csv").status_code == 403

        page = staff.get(f"/staff/case?t={t}&c={waiting}")
        assert page.status_code == 200 and RESIDENT_A not in page.text
        assert "1101**********1239" in page.text and "张*英" in page.text
        face = staff.http.get(f"{url}/staff/case/face.jpg?t={t}&c={waiting}", timeout=5)
        assert face.content == FACE and face.headers["cache-control"] == "no-store"
        shown = staff.post(
            f"/staff/case/reveal?t={t}&c={waiting}", {"csrf": staff.csrf(), "field": "id_number"}
        )
        assert RESIDENT_A in shown.text
        decided = staff.post(
            f"/staff/case/decide?t={t}&c={waiting}",
            {"csrf": staff.csrf(), "verdict": "not_verified", "reason": "documents_needed",
             "note": XSS},
        )  # fmt: skip
        assert decided.status_code == 200
        token = staff.csrf()
        # Decided: gone from reach, and deciding again changes nothing.
        assert staff.get(f"/staff/case?t={t}&c={waiting}").status_code == 404
        again = staff.post(
            f"/staff/case/decide?t={t}&c={waiting}", {"csrf": token, "verdict": "verified"}
        )
        assert "已经被别人处理" in again.text
        # The note is shown as text, never as markup.
        queue = staff.get("/staff/queue")
        assert XSS not in queue.text and "&lt;script&gt;alert(" in queue.text

    rows = audit_rows(db)
    mine = [(r[1], r[3]) for r in rows if r[0] == "wang"]
    for action in ("view_case", "view_face", "reveal_field", "decide"):
        assert (action, waiting) in mine, action
    assert all(RESIDENT_A not in str(r) for r in rows)  # what was shown is named, not copied
    decisions = [r for r in rows if r[1] == "decide"]
    assert len(decisions) == 1


def test_admins_read_and_export_the_audit_log(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    one_time = add_user(db, "zhao", "admin")
    with serving(db) as url:
        admin = StaffClient(url)
        admin.first_login("zhao", one_time)
        page = admin.get("/staff/audit")
        assert page.status_code == 200 and "修改密码" in page.text
        export = admin.get("/staff/audit.csv")
        assert export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.text)))
        actions = [r["action"] for r in rows]
        assert actions[:3] == ["login", "password_changed", "view_audit"]
        assert actions[-1] == "export_audit"
        exported = central("audit", "export", "--db", str(db))
        assert exported.returncode == 0 and exported.stdout.count("\n") == len(rows) + 2


def rating(kiosk: Terminal, score: int, reason: str | None = None, **change: Any) -> dict:  # type: ignore[type-arg]
    test = change.pop("test", False)
    payload = {
        "service": "pension_check",
        "score": score,
        "service_point": "示范村便民服务站",
        "terminal_id": kiosk.terminal_id,
        "rated_at": "2026-11-20T09:30:00+08:00",
        "reason": reason,
        **change,
    }
    return kiosk.case(payload, kind="rating", test=test)


def test_ratings_are_aggregated_and_a_poor_one_is_followed_up(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    one_time = add_user(db, "wang")
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k", "GD0106-017")
        good = [rating(kiosk, 5), rating(kiosk, 4), rating(kiosk, 2, "waited_long"),
                rating(kiosk, 1)]  # fmt: skip
        bad = [
            rating(kiosk, 6),
            rating(kiosk, 5, "waited_long"),  # a reason only for a poor score
            rating(kiosk, 2, name="张秀英"),  # no personal data in a rating
            rating(kiosk, 3, terminal_id="GD0106-999"),  # made by another terminal
            rating(kiosk, 3, reason="free text"),
        ]
        results = kiosk.send(*good, *bad)
        assert [r["status"] for r in results] == ["accepted"] * 4 + ["rejected"] * 5
        assert all("payload" in r["reason"] and "张秀英" not in r["reason"] for r in results[4:])

        staff = StaffClient(url)
        staff.first_login("wang", one_time)
        summary = staff.get("/staff/ratings?month=2026-11").text
        row = summary.split("<tbody>")[1].split("</tr>")[0]
        cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
        assert cells[:7] == [
            "2026-11",
            "示范村便民服务站",
            "养老金资格认证",
            "4",
            "3.00",
            "50%",
            "2",
        ]
        assert cells[7:] == ["1", "1", "0", "1", "1"]  # 5, 4, 3, 2, 1

        followups = staff.get("/staff/followups")
        assert "待回访 2 件" in followups.text and "等待时间长" in followups.text
        first = followups.text.split('action="/staff/followups/')[1].split("/close")[0]
        empty = staff.post(f"/staff/followups/{first}/close", {"csrf": staff.csrf(), "note": " "})
        assert empty.status_code == 400
        staff.get("/staff/followups")
        closed = staff.post(
            f"/staff/followups/{first}/close", {"csrf": staff.csrf(), "note": "已电话回访。" + XSS}
        )
        assert "待回访 1 件" in closed.text and "回访已办结" in closed.text
        assert XSS not in closed.text and "已电话回访。&lt;script&gt;" in closed.text

        changes, _ = follow_feed(url)
        ratings = [c for c in changes if c["kind"] == "rating"]
        assert len({c["case_id"] for c in ratings}) == 4
        assert [c["event"] for c in ratings].count("followup_closed") == 1
        states = {c["case_id"]: c["state"] for c in ratings if c["event"] == "followup_closed"}
        assert list(states.values()) == ["followup_closed"]
    assert ("wang", "close_followup") in [(r[0], r[1]) for r in audit_rows(db)]


def test_review_decide_and_list_contracts(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    add_user(db, "wang")
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k", "GD0106-017")
        first, second = in_review(db, kiosk, RESIDENT_A, RESIDENT_B)
        listed = review_list(db)
        assert [c["case_id"] for c in listed] == [first, second]  # oldest first
        assert set(listed[0]) == {"case_id", "terminal_id", "received_at", "reason"}
        assert listed[0]["terminal_id"] == kiosk.terminal_id
        assert listed[0]["reason"] == "no_reference"
        plain = central("review", "list", "--db", str(db))
        assert plain.returncode == 0 and first in plain.stdout

        def decide(*args: str) -> Any:
            return central("review", "decide", *args, "--db", str(db))

        assert decide(first, "--decision", "verified", "--reason", "face_mismatch",
                      "--reviewer", "wang").returncode == 2  # fmt: skip
        assert decide(first, "--decision", "maybe", "--reason", "x",
                      "--reviewer", "wang").returncode == 2  # fmt: skip
        assert decide(first, "--decision", "verified", "--reason", "reviewer_approved",
                      "--reviewer", "nobody").returncode == 2  # fmt: skip
        unknown = decide("0190a000-0000-7000-8000-000000000000", "--decision", "verified",
                         "--reason", "reviewer_approved", "--reviewer", "wang")  # fmt: skip
        assert unknown.returncode == 3
        ok = decide(first, "--decision", "verified", "--reason", "reviewer_approved",
                    "--reviewer", "wang")  # fmt: skip
        assert ok.returncode == 0, ok.stderr
        twice = decide(first, "--decision", "not_verified", "--reason", "face_mismatch",
                       "--reviewer", "wang")  # fmt: skip
        assert twice.returncode == 3 and "not awaiting" in twice.stderr
        assert [c["case_id"] for c in review_list(db)] == [second]
