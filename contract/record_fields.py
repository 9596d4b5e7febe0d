"""Field checks shared by the terminal's own small records (ratings, staff calls): the same
rule for a text, a time and a payload's keys on both, so terminal and platform agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from contract.errors import ContractError

Record = TypeVar("Record")


def printable_text(value: Any, max_chars: int, *, allow_empty: bool = False) -> bool:
    return (
        isinstance(value, str)
        and (allow_empty or len(value) > 0)
        and len(value) <= max_chars
        and value.isprintable()
    )


def aware_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time with its UTC offset, else None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def record_from(
    payload: Any,
    make: Callable[..., Record],
    fields: frozenset[str],
    optional: frozenset[str],
    error: type[ContractError],
    what: str,
) -> Record:
    """`make(**payload)` when the payload holds exactly the record's fields; `error` names
    the first problem (a field's name, never its value)."""
    if not isinstance(payload, dict):
        raise error("payload: not an object")
    if set(payload) - fields:
        raise error(f"payload: fields beyond a {what}'s (no personal data here)")
    missing = sorted(fields - optional - set(payload))
    if missing:
        raise error(f"payload.{missing[0]}: missing")
    try:
        return make(**payload)
    except TypeError:
        raise error("payload: malformed") from None
