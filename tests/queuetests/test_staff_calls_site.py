"""Staff calls on a real `kiosk-central serve`: checked at ingest (no personal data, made by
the terminal that signed them), filed one row per call whatever order the open and closing
records arrive in, and shown to staff per service point with the time to answer."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from contract.ids import uuid7
from tests.queuetests.decide_helpers import OPERATOR_ENV, Terminal, enrol
from tests.queuetests.platform_proc import serving
from tests.queuetests.staff_client import StaffClient, add_user

CALLED = "2026-12-04T09:30:00+08:00"


def call(kiosk: Terminal, call_id: str, outcome: str = "open", **change: Any) -> dict:  # type: ignore[type-arg]
    payload = {
        "call_id": call_id,
        "service_point": "示范村便民服务站",
        "terminal_id": kiosk.terminal_id,
        "reason": "resident",
        "called_at": CALLED,
        "outcome": outcome,
        **change,
    }
    return kiosk.case(payload, kind="staff_call")


def cells(page: str, table: str) -> list[list[str]]:
    """The cells of the table with this id, row by row."""
    body = page.split(f'<table id="{table}">')[1].split("<tbody>")[1]
    rows = body.split("</tbody>", maxsplit=1)[0].split("</tr>")[:-1]
    return [[c.split("</td>")[0] for c in row.split("<td>")[1:]] for row in rows]


def test_calls_are_filed_once_and_shown_per_service_point(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    one_time = add_user(db, "wang")
    answered, waiting, gave_up = uuid7(), uuid7(), uuid7()
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k", "GD0106-017")
        answer = {"answered_at": "2026-12-04T09:31:30+08:00", "answered_by": "0107"}
        # The end arrives before its open record (another order of sending): the end stays.
        first = kiosk.send(call(kiosk, answered, "answered", **answer), call(kiosk, answered))
        later = kiosk.send(
            call(kiosk, waiting, reason="printer_paper_out"),
            call(kiosk, gave_up),
            call(kiosk, gave_up, "timed_out", cancelled_at="2026-12-04T09:35:00+08:00"),
        )
        bad = kiosk.send(
            call(kiosk, uuid7(), id_number="110101195001011239"),  # nothing personal
            call(kiosk, uuid7(), terminal_id="GD0106-999"),  # made by another terminal
            call(kiosk, uuid7(), reason="老人摔倒了"),  # a code, never free text
        )
        assert [r["status"] for r in first + later] == ["accepted"] * 5
        assert [r["status"] for r in bad] == ["rejected"] * 3
        assert all("payload" in r["reason"] and "1101011950" not in r["reason"] for r in bad)

        staff = StaffClient(url)
        staff.first_login("wang", one_time)
        page = staff.get("/staff/calls").text
        # open, answered, cancelled, timed out, average and longest time to answer
        assert cells(page, "points") == [["示范村便民服务站", "1", "1", "0", "1", "90 秒", "90 秒"]]
        opened = cells(page, "open")
        assert [(row[2], row[3]) for row in opened] == [("GD0106-017", "打印机缺纸")]
        ended = {tuple(row[3:]) for row in cells(page, "ended")}
        assert ended == {
            ("居民按了呼叫", "已应答", "90 秒", "0107"),
            ("居民按了呼叫", "无人应答", "", ""),
        }
        english = staff.get("/staff/lang/en") and staff.get("/staff/calls").text
        assert "Time to answer" in english and "Printer out of paper" in english
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT call_id, outcome, answer_s FROM staff_calls").fetchall()
    assert sorted(rows) == sorted([(answered, "answered", 90.0), (waiting, "open", None),
                                   (gave_up, "timed_out", None)])  # fmt: skip


def test_the_staff_calls_page_is_closed_without_a_login(tmp_path: Path) -> None:
    db = tmp_path / "central.sqlite3"
    with serving(db, env=OPERATOR_ENV) as url:
        page = StaffClient(url).get("/staff/calls")
        assert page.url.endswith("/staff/login") and "示范村" not in page.text
