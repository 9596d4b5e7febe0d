"""Each case kind's payload, checked at ingest on its own (docs/case-schema.md).

- `pension_check`: the fields the platform acts on have their types checked when present
  (outcome, the resident's ID number, liveness, assisted_by); a terminal may add fields of
  its own. A check without an `outcome` is stored and carried on the feed, but nothing is
  decided about it (the terminal's flow always records one).
- `rating` (好差评): exactly the rating's fields (`contract.ratings`), and made by the terminal
  that signed it. A rating carries no attachment and no personal data.
- `staff_call` (呼叫工作人员): exactly a call's fields (`contract.staff_calls`), made by the
  terminal that signed it, no attachment and no personal data.
- Another kind is stored and carried on the feed as it is: a newer terminal's service is not
  refused by an older platform.

A wrong payload is rejected with a reason naming the field, never the value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from central.cases import problem_text
from contract.ratings import RATING_KIND, RatingError, check_rating
from contract.staff_calls import STAFF_CALL_KIND, StaffCallError, check_staff_call

PENSION_KIND = "pension_check"
ID_NUMBER = r"^[0-9]{17}[0-9X]$"


class _Resident(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    id_number: str | None = Field(default=None, pattern=ID_NUMBER)
    name: str | None = Field(default=None, max_length=99)


class _Action(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    action: str = Field(max_length=40)
    passed: bool
    at_s: float | int | None = None


class _Liveness(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    passed: bool
    actions: list[_Action] = Field(default_factory=list, max_length=20)


class PensionCheck(BaseModel):
    """What the platform reads from a pension check (more fields may be there)."""

    model_config = ConfigDict(strict=True, extra="allow")
    outcome: Literal["verified", "not_verified", "pending"] | None = None
    service: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=64)
    assisted_by: str | None = Field(default=None, max_length=64)
    service_point: str | None = Field(default=None, max_length=64)
    resident: _Resident | None = None
    liveness: _Liveness | None = None


def check_payload(kind: str, payload: dict[str, Any], terminal_id: str | None) -> str:
    """Why this kind's payload is invalid, or "" (never raises)."""
    if kind == PENSION_KIND:
        try:
            PensionCheck.model_validate(payload)
        except ValidationError as exc:
            return f"invalid: payload.{problem_text(exc)}"
        return ""
    if kind == RATING_KIND:
        return _record_problem(check_rating, RatingError, payload, terminal_id, "rating")
    if kind == STAFF_CALL_KIND:
        return _record_problem(check_staff_call, StaffCallError, payload, terminal_id, "call")
    return ""


def _record_problem(
    check: Callable[[Any], Any],
    error: type[Exception],
    payload: dict[str, Any],
    terminal_id: str | None,
    what: str,
) -> str:
    """A terminal's own record (a rating, a staff call): its fields, and the terminal that
    signed it is the one it names."""
    try:
        record = check(payload)
    except error as exc:
        return f"invalid: {exc}"
    if terminal_id is not None and record.terminal_id != terminal_id:
        return f"invalid: payload.terminal_id: not the terminal that signed the {what}"
    return ""


def pension_check(payload: dict[str, Any]) -> PensionCheck:
    """The checked fields of a stored pension check (it was checked at ingest)."""
    return PensionCheck.model_validate(payload)


def check_kind(case: dict[str, Any], terminal_id: str) -> str:
    """Why a case (already checked as an envelope) is invalid for its kind, or ""."""
    kind = case["kind"]
    if kind in (RATING_KIND, STAFF_CALL_KIND) and case.get("attachments"):
        return f"invalid: attachments: a {kind} carries none"
    return check_payload(kind, case["payload"], terminal_id)
