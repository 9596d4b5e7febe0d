"""What technician mode reads from disk, and the hidden gesture's tap count. No Qt.

Everything here may block (SQLite, file reads, mount table): technician mode calls it on its
own thread, never on the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError
from offline_queue.errors import StoreError
from offline_queue.store import read_case_times

log = logging.getLogger(__name__)

BACKLOG_DAYS = 7
LOG_TAIL_LINES = 200
LOG_TAIL_BYTES = 64 * 1024
REMOVABLE_ROOTS = ("/media/", "/run/media/")
EXPORT_FOLDER = "exports"

# (created_ts, status, acked_ts, updated_ts) of one case: offline_queue.store.CaseTimes
CaseRow = tuple[float, str, float | None, float]


class TechnicianStatusError(KioskError):
    """Technician mode could not read a piece of the terminal's state."""


class TapCounter:
    """True on the `taps`-th tap within `window_s` seconds; the count then starts again."""

    def __init__(self, taps: int = 5, window_s: float = 4.0) -> None:
        self.taps = taps
        self.window_s = window_s
        self._times: deque[float] = deque()

    def tap(self, now: float) -> bool:
        self._times.append(now)
        while self._times and now - self._times[0] > self.window_s:
            self._times.popleft()
        if len(self._times) >= self.taps:
            self._times.clear()
            return True
        return False


# -- the sync backlog per day ------------------------------------------------------------------
def backlog_by_day(
    rows: Iterable[CaseRow], now: dt.datetime, days: int = BACKLOG_DAYS
) -> list[list[object]]:
    """[[day, cases not yet with the platform at the end of that day], ...], oldest first.

    A case counts from its creation until the platform acknowledged it (or rejected it for
    good); today's point is the backlog right now.
    """
    rows = list(rows)
    points: list[list[object]] = []
    today = now.date()
    for offset in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=offset)
        if offset == 0:
            end = now.timestamp()
        else:
            midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), now.tzinfo)
            end = midnight.timestamp()
        count = sum(1 for row in rows if row[0] <= end and not _settled(row, end))
        points.append([day.isoformat(), count])
    return points


def _settled(row: CaseRow, at: float) -> bool:
    _created, status, acked_ts, updated_ts = row
    if status == "acked":
        return acked_ts is not None and acked_ts <= at
    return status == "rejected" and updated_ts <= at


def read_backlog(db_path: Path, now: dt.datetime, days: int = BACKLOG_DAYS) -> list[list[object]]:
    """The backlog chart from the case store, read-only: case times only, no personal data."""
    start = dt.datetime.combine(now.date() - dt.timedelta(days=days - 1), dt.time(), now.tzinfo)
    try:
        rows = read_case_times(db_path, since_ts=start.timestamp(), until_ts=now.timestamp())
    except StoreError as exc:
        raise TechnicianStatusError(f"cannot read the backlog from {db_path}: {exc}") from exc
    return backlog_by_day(rows, now, days)


# -- the log -----------------------------------------------------------------------------------
def log_file(data_dir: Path, configured: str) -> Path:
    """Where `kiosk.app.setup_file_logging` writes: relative paths are inside the data folder."""
    path = Path(configured)
    return path if path.is_absolute() else data_dir / path


def tail_lines(
    path: Path, lines: int = LOG_TAIL_LINES, max_bytes: int = LOG_TAIL_BYTES
) -> list[str]:
    """The last `lines` lines of a text file (only its last `max_bytes` are read)."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - max_bytes))
            data = handle.read()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TechnicianStatusError(f"cannot read {path}: {exc.strerror}") from exc
    text = data.decode("utf-8", errors="replace").splitlines()
    if size > max_bytes and text:
        text = text[1:]  # the first line was cut in the middle
    return text[-lines:]


# -- where an export goes ----------------------------------------------------------------------
def removable_mounts(mounts_text: str) -> list[Path]:
    """Mount points under /media or /run/media (USB sticks), in mount order."""
    found = []
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        point = _unescape(fields[1])
        if point.startswith(REMOVABLE_ROOTS):
            found.append(Path(point))
    return found


def _unescape(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as octal escapes (\040 ...).
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def export_folder(data_dir: Path, mounts: Sequence[Path] | None = None) -> Path:
    """The first writable removable medium, else `<data_dir>/exports/`."""
    if mounts is None:
        try:
            mounts = removable_mounts(Path("/proc/mounts").read_text(encoding="utf-8"))
        except OSError:
            mounts = []
    for point in mounts:
        if point.is_dir() and os.access(point, os.W_OK):
            return point
    folder = data_dir / EXPORT_FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


# -- the platform's answers --------------------------------------------------------------------
@dataclass(frozen=True)
class AnswersFigures:
    """The platform's answers held here: decision counts and the face roster."""

    decided: int
    awaiting: int
    roster: str  # "off" (face.roster_file empty), "none" (not fetched yet) or "held"
    templates: int = 0
    kib: int = 0
    age_days: float | None = None  # since the roster was issued; None when unknown

    def fields(self) -> dict[str, object]:
        """The figures as the messages name them (`days` with one decimal)."""
        days = "" if self.age_days is None else f"{self.age_days:.1f}"
        return {
            "decided": self.decided,
            "awaiting": self.awaiting,
            "templates": self.templates,
            "kib": self.kib,
            "days": days,
        }


def answers_figures(
    figures: Mapping[str, Any], now: dt.datetime, roster_on: bool = True
) -> AnswersFigures:
    """From `offline_queue.answers.read_answers_status`."""
    decided, awaiting = int(figures["decided"]), int(figures["awaiting_decision"])
    roster = figures.get("roster")
    if not roster_on:
        return AnswersFigures(decided, awaiting, "off")
    if not roster:
        return AnswersFigures(decided, awaiting, "none")
    return AnswersFigures(
        decided,
        awaiting,
        "held",
        templates=int(roster["templates"]),
        kib=round(roster.get("bytes", 0) / 1024),
        age_days=roster_age_days(roster.get("issued_at"), now),
    )


def answers_summary(
    figures: Mapping[str, Any], now: dt.datetime, roster_on: bool = True
) -> tuple[str, str]:
    """(Chinese, English) words for the decision counts and the roster held, for the
    self-test (the technician panel translates its own: screens/pin_entry.py TECH_TEXT):
    "已决定 3 件，待平台决定 2 件；人脸名单 120 人（9 KiB），1.2 天前签发" / "3 decided, 2
    awaiting the platform; face roster 120 templates (9 KiB), issued 1.2 d ago"."""
    held = answers_figures(figures, now, roster_on)
    f = held.fields()
    zh = f"已决定 {held.decided} 件，待平台决定 {held.awaiting} 件；"
    en = f"{held.decided} decided, {held.awaiting} awaiting the platform; "
    if held.roster == "off":
        return zh + "人脸名单未启用", en + "face roster off (face.roster_file empty)"
    if held.roster == "none":
        return zh + "还没有人脸名单", en + "no face roster yet"
    when_zh = "" if held.age_days is None else f"，{f['days']} 天前签发"
    when_en = "" if held.age_days is None else f", issued {f['days']} d ago"
    return (
        zh + f"人脸名单 {held.templates} 人（{held.kib} KiB）{when_zh}",
        en + f"face roster {held.templates} templates ({held.kib} KiB){when_en}",
    )


def roster_age_days(issued_at: str | None, now: dt.datetime) -> float | None:
    try:
        issued = dt.datetime.fromisoformat(issued_at or "")
    except ValueError:
        return None
    if issued.tzinfo is None:
        return None
    return max(0.0, (now - issued).total_seconds() / 86400)
