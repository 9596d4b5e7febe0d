"""呼叫工作人员: a staff call from a kiosk, recorded as its own case kind ("staff_call").

A call travels like a case (signed by the terminal, through the outbox), with no attachment
and no personal data: where and why staff were called, when, and how the call ended. Each
call is recorded twice with the same `call_id`: once when it goes out (outcome "open"), so
the platform sees it open even if the link is down when it ends, and once when it ends:

- answered: a staff member typed their PIN on the kiosk (`answered_at`, `answered_by`: the
  staff number, never a name);
- cancelled: the resident said they need no help, or ended the visit (`cancelled_at`);
- timed_out: nobody answered in time, or the visit timed out (`cancelled_at`: when the kiosk
  gave up).

    payload = staff_call_payload(call_id=uuid7(), service_point="示范村便民服务站",
                                 terminal_id="GD0106-017", reason="resident",
                                 called_at=now_iso, outcome="open")
    check_staff_call(payload)        # what the platform checks at ingest (StaffCallError)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from contract.errors import ContractError
from contract.ids import is_uuid7
from contract.record_fields import aware_time, printable_text, record_from

STAFF_CALL_KIND = "staff_call"
OPEN, ANSWERED, CANCELLED, TIMED_OUT = "open", "answered", "cancelled", "timed_out"
OUTCOMES = (OPEN, ANSWERED, CANCELLED, TIMED_OUT)
# Why staff were called: the kiosk's reason codes (resident, consent_declined, store_failed,
# printer_paper_out, camera_fault, ...): lower-case words, never free text.
REASON = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
STAFF_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # a staff number ("0107") or "staff"
PAYLOAD_FIELDS = frozenset(
    {
        "call_id",
        "service_point",
        "terminal_id",
        "reason",
        "called_at",
        "outcome",
        "answered_at",
        "answered_by",
        "cancelled_at",
    }
)
OPTIONAL_FIELDS = frozenset({"answered_at", "answered_by", "cancelled_at"})


class StaffCallError(ContractError):
    """A staff call payload that is malformed (the message names the field, never the value)."""


@dataclass(frozen=True)
class StaffCall:
    call_id: str  # UUIDv7, made on the kiosk: the open and the closing record share it
    service_point: str
    terminal_id: str
    reason: str
    called_at: str  # ISO 8601 with its offset
    outcome: str  # open | answered | cancelled | timed_out
    answered_at: str | None = None  # answered only
    answered_by: str | None = None  # answered only: the staff number
    cancelled_at: str | None = None  # cancelled or timed_out: when the call was given up

    def __post_init__(self) -> None:
        _require(isinstance(self.call_id, str) and is_uuid7(self.call_id), "call_id")
        _require(printable_text(self.service_point, 64, allow_empty=True), "service_point")
        _require(printable_text(self.terminal_id, 64), "terminal_id")
        _require(isinstance(self.reason, str) and bool(REASON.match(self.reason)), "reason")
        _require(aware_time(self.called_at) is not None, "called_at")
        _require(self.outcome in OUTCOMES, "outcome")
        answered = self.outcome == ANSWERED
        given_up = self.outcome in (CANCELLED, TIMED_OUT)
        _require(_time_or_none(self.answered_at, answered, self.called_at), "answered_at")
        by_ok = isinstance(self.answered_by, str) and bool(STAFF_ID.match(self.answered_by))
        _require(by_ok if answered else self.answered_by is None, "answered_by")
        _require(_time_or_none(self.cancelled_at, given_up, self.called_at), "cancelled_at")

    @property
    def ended_at(self) -> str | None:
        return self.answered_at or self.cancelled_at

    @property
    def seconds_to_answer(self) -> float | None:
        if self.answered_at is None:
            return None
        called = dt.datetime.fromisoformat(self.called_at)
        return (dt.datetime.fromisoformat(self.answered_at) - called).total_seconds()

    def payload(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def staff_call_payload(**fields: Any) -> dict[str, Any]:
    """A checked staff call payload (StaffCallError when a field is wrong)."""
    return StaffCall(**fields).payload()


def check_staff_call(payload: Any) -> StaffCall:
    """The staff call in a case payload; StaffCallError names the first field that is wrong."""
    return record_from(
        payload, StaffCall, PAYLOAD_FIELDS, OPTIONAL_FIELDS, StaffCallError, "staff call"
    )


def _require(condition: bool, field_name: str) -> None:
    if not condition:
        raise StaffCallError(f"payload.{field_name}: invalid")


def _time_or_none(value: Any, wanted: bool, called_at: str) -> bool:
    """Set (an aware time, not before the call) exactly when `wanted`, else None."""
    if not wanted:
        return value is None
    at, called = aware_time(value), aware_time(called_at)
    return at is not None and (called is None or at >= called)
