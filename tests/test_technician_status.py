"""What technician mode reads: the backlog per day from a real case store, the log tail, the
export folder, the gesture's tap count."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from kiosk.technician.status import (
    TapCounter,
    TechnicianStatusError,
    backlog_by_day,
    export_folder,
    read_backlog,
    removable_mounts,
    tail_lines,
)
from offline_queue.keys import load_or_create
from offline_queue.store import CaseStore

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 24, 15, 0, tzinfo=TZ)


def ts(day: int, hour: int = 12) -> float:
    return dt.datetime(2026, 11, day, hour, tzinfo=TZ).timestamp()


def test_tap_counter_needs_all_taps_inside_the_window() -> None:
    counter = TapCounter(taps=5, window_s=4.0)
    assert [counter.tap(t) for t in (0.0, 1.0, 2.0, 3.0)] == [False] * 4
    assert counter.tap(3.5)  # the fifth within 4 s
    assert not counter.tap(3.6)  # the count starts again
    slow = TapCounter(taps=3, window_s=1.0)
    assert [slow.tap(t) for t in (0.0, 0.8, 1.6, 2.4)] == [False] * 4  # never 3 within 1 s


def test_backlog_counts_cases_until_the_platform_has_them() -> None:
    rows = [
        (ts(18), "acked", ts(20), ts(20)),  # waited from the 18th until the 20th
        (ts(22), "pending", None, ts(22)),  # still waiting
        (ts(23), "rejected", None, ts(23, 13)),  # dead letter the same day: never at midnight
        (ts(24, 9), "sending", None, ts(24, 9)),  # today, being sent
    ]
    points = backlog_by_day(rows, NOW, days=7)
    assert points == [
        ["2026-11-18", 1],
        ["2026-11-19", 1],
        ["2026-11-20", 0],
        ["2026-11-21", 0],
        ["2026-11-22", 1],
        ["2026-11-23", 1],
        ["2026-11-24", 2],
    ]


def test_read_backlog_from_a_real_store(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path)
    with CaseStore.open(tmp_path / "queue.db", keys) as store:
        first = store.enqueue("pension_check", {"outcome": "verified"}, {})
        store.enqueue("pension_check", {"outcome": "pending"}, {})
        store.mark_acked([first])
        now = dt.datetime.now().astimezone()
        points = read_backlog(store.path, now, days=3)
    assert [count for _day, count in points] == [0, 0, 1]
    assert points[-1][0] == now.date().isoformat()
    assert read_backlog(tmp_path / "missing.db", now, days=2)[-1][1] == 0


def test_read_backlog_reports_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "queue.db"
    sqlite3.connect(broken).close()  # a database without the cases table
    with pytest.raises(TechnicianStatusError, match="cannot read the backlog"):
        read_backlog(broken, NOW)


def test_read_backlog_leaves_a_newer_releases_store_alone(tmp_path: Path) -> None:
    keys = load_or_create(tmp_path)
    path = tmp_path / "queue.db"
    with CaseStore.open(path, keys) as store:
        store.enqueue("pension_check", {"outcome": "pending"}, {})
    with sqlite3.connect(path) as conn:  # what a newer release's migration leaves behind
        conn.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 'later')")
    conn.close()
    with pytest.raises(TechnicianStatusError, match="schema 99 is newer"):
        read_backlog(path, NOW)


def test_tail_lines_reads_only_the_end(tmp_path: Path) -> None:
    log = tmp_path / "kiosk.log"
    log.write_text("".join(f"line {i} 读卡\n" for i in range(5000)), encoding="utf-8")
    tail = tail_lines(log, lines=3, max_bytes=4096)
    assert tail == ["line 4997 读卡", "line 4998 读卡", "line 4999 读卡"]
    assert all(line.startswith("line ") for line in tail_lines(log, lines=500, max_bytes=4096))
    assert tail_lines(tmp_path / "absent.log") == []


def test_removable_mounts_and_the_export_folder(tmp_path: Path) -> None:
    mounts = (
        "/dev/sda1 / ext4 rw 0 0\n"
        "/dev/sdb1 /media/kiosk/USB\\040STICK vfat rw 0 0\n"
        "/dev/sdc1 /run/media/tech/DATA exfat rw 0 0\n"
        "tmpfs /run tmpfs rw 0 0\n"
    )
    assert removable_mounts(mounts) == [
        Path("/media/kiosk/USB STICK"),
        Path("/run/media/tech/DATA"),
    ]
    stick = tmp_path / "stick"
    stick.mkdir()
    assert export_folder(tmp_path / "data", [tmp_path / "gone", stick]) == stick
    fallback = export_folder(tmp_path / "data", [tmp_path / "gone"])
    assert fallback == tmp_path / "data" / "exports" and fallback.is_dir()
