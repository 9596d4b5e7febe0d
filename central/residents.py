"""Residents: which service point each belongs to, the checks other channels made, and what
the platform answers when a terminal asks for a resident's standing.

`kiosk-central residents import FILE --db DB` reads a CSV (UTF-8, with a header):

    id_number,service_point,verified_at,channel
    110101195001011239,示范村便民服务站,,
    110101194805061234,示范村便民服务站,2026-03-02,window

`service_point` assigns the resident (the name terminals are registered with, `terminals add
--service-point`); the roster of that service point's terminals holds the resident's template.
`verified_at` and `channel` (optional, together) record a check made elsewhere: at the social
security window (`window`), on a home visit (`home_visit`), in the mobile app (`mobile_app`)
or otherwise (`other`). A file with any bad row imports nothing; the error names the rows and
fields, never their values.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from central import audit
from central.errors import CentralError
from central.intake import now_iso
from central.tables import residents, verifications
from contract.certificates import CHINA_TZ

if TYPE_CHECKING:
    from central.db import PlatformDB

CHANNELS = ("window", "home_visit", "mobile_app", "other")
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_SERVICE_POINT_CHARS = 64
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


class ImportRefused(CentralError):
    """A residents file with bad rows (nothing was imported)."""


def id_number_valid(text: str) -> bool:
    """An 18-character resident ID number with a correct check character (GB 11643)."""
    if len(text) != 18 or not text[:17].isdigit() or not text.isascii():
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == text[17] and birth_date(text) is not None


def birth_date(id_number: str) -> dt.date | None:
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def window_end(born: dt.date | None, verified_on: dt.date) -> dt.date:
    """Until when a check on `verified_on` counts: the last day of the first birthday month
    that begins after the check's month (the terminal's rule, `kiosk.records.certificate`).
    Without a birth date, a year."""
    if born is None:
        return verified_on + dt.timedelta(days=365)
    year = verified_on.year if born.month > verified_on.month else verified_on.year + 1
    return dt.date(year, born.month, calendar.monthrange(year, born.month)[1])


@dataclass(frozen=True)
class ResidentRow:
    id_number: str
    service_point: str
    verified_at: str | None  # ISO 8601 UTC
    channel: str | None


def parse_residents(text: str) -> list[ResidentRow]:
    """The rows of a residents CSV; ImportRefused naming every bad row (up to 10)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    if "id_number" not in header or "service_point" not in header:
        raise ImportRefused("the first line must name the columns: id_number,service_point")
    reader.fieldnames = header
    rows, problems = [], []
    for line, raw in enumerate(reader, start=2):
        try:
            rows.append(_row(raw))
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ImportRefused("nothing imported; " + "; ".join(problems[:10]) + more)
    return rows


def _row(raw: dict[str, Any]) -> ResidentRow:
    if None in raw:
        raise ValueError("more fields than the header names")
    id_number = (raw.get("id_number") or "").strip().upper()
    if not id_number_valid(id_number):
        raise ValueError("id_number is not a valid ID number")
    point = (raw.get("service_point") or "").strip()
    if not point or len(point) > MAX_SERVICE_POINT_CHARS or not point.isprintable():
        raise ValueError(f"service_point must be 1 to {MAX_SERVICE_POINT_CHARS} characters")
    when = (raw.get("verified_at") or "").strip()
    channel = (raw.get("channel") or "").strip()
    if bool(when) != bool(channel):
        raise ValueError("verified_at and channel go together")
    if channel and channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    return ResidentRow(id_number, point, _utc(when) if when else None, channel or None)


def _utc(text: str) -> str:
    """A date (China time, midnight) or a date and time, as ISO 8601 UTC."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            when = dt.datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)
        else:
            when = dt.datetime.fromisoformat(text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=CHINA_TZ)
    except ValueError:
        raise ValueError("verified_at is not a date (YYYY-MM-DD) or time (ISO 8601)") from None
    if when.astimezone(dt.UTC) > dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
        raise ValueError("verified_at is in the future")
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


def import_residents(db: PlatformDB, rows: Iterable[ResidentRow], actor: str) -> dict[str, int]:
    """Assign residents and record other channels' checks, in one transaction."""
    assigned = verified = 0
    stamp = now_iso()
    with db.transaction() as tx:
        assign = tx.insert(residents)
        assign = assign.on_conflict_do_update(
            index_elements=["id_number"],
            set_={
                "service_point": assign.excluded.service_point,
                "imported_at": assign.excluded.imported_at,
            },
        )
        record = tx.insert(verifications).on_conflict_do_nothing()
        for row in rows:
            tx.execute(
                assign,
                {"id_number": row.id_number, "service_point": row.service_point,
                 "imported_at": stamp},
            )  # fmt: skip
            assigned += 1
            if row.verified_at:
                verified += tx.execute(
                    record,
                    {"id_number": row.id_number, "verified_at": row.verified_at,
                     "channel": row.channel, "imported_at": stamp},
                ).rowcount  # fmt: skip
        counts = {"residents": assigned, "verifications": verified}
        audit.write(tx, actor=actor, action="residents_import", detail=counts)
    return counts


def read_import_file(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(f"the file is larger than {MAX_IMPORT_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("the file is not UTF-8 text") from None


def residents_of(db: PlatformDB, service_point: str) -> list[str]:
    rows = db.rows(
        sa.select(residents.c.id_number)
        .where(residents.c.service_point == service_point)
        .order_by(residents.c.id_number)
    )
    return [r[0] for r in rows]
