"""A staff call record as both sides make and check it: where, why, when and how it ended,
and nothing personal."""

from __future__ import annotations

from typing import Any

import pytest

from contract.ids import uuid7
from contract.staff_calls import StaffCallError, check_staff_call, staff_call_payload

OPENED: dict[str, Any] = {
    "call_id": uuid7(),
    "service_point": "示范村便民服务站",
    "terminal_id": "GD0106-017",
    "reason": "resident",
    "called_at": "2026-12-04T16:16:00+08:00",
    "outcome": "open",
}
ANSWERED = {
    **OPENED,
    "outcome": "answered",
    "answered_at": "2026-12-04T16:17:30+08:00",
    "answered_by": "0107",
}


def test_an_open_and_an_answered_call_read_back_with_the_time_to_answer() -> None:
    assert staff_call_payload(**OPENED) == OPENED
    opened = check_staff_call(dict(OPENED))
    assert opened.ended_at is None and opened.seconds_to_answer is None
    answered = check_staff_call(dict(ANSWERED))
    assert answered.seconds_to_answer == 90.0 and answered.ended_at == ANSWERED["answered_at"]
    for outcome in ("cancelled", "timed_out"):
        given_up = {**OPENED, "outcome": outcome, "cancelled_at": "2026-12-04T08:20:00Z"}
        assert check_staff_call(given_up).ended_at == "2026-12-04T08:20:00Z"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**OPENED, "call_id": "not-a-uuid"}, "call_id"),
        ({**OPENED, "reason": "他摔倒了 13800000000"}, "reason"),  # a code, no free text
        ({**OPENED, "called_at": "2026-12-04T16:16:00"}, "called_at"),  # with its offset
        ({**OPENED, "outcome": "closed"}, "outcome"),
        ({**OPENED, "answered_by": "0107"}, "answered_by"),  # only an answered call has one
        ({**ANSWERED, "answered_by": "张秀英"}, "answered_by"),  # a staff number, not a name
        ({**ANSWERED, "answered_at": "2026-12-04T16:15:00+08:00"}, "answered_at"),  # too early
        ({k: v for k, v in ANSWERED.items() if k != "answered_at"}, "answered_at"),
        ({**OPENED, "outcome": "cancelled"}, "cancelled_at"),
        ({**OPENED, "terminal_id": ""}, "terminal_id"),
        ({**OPENED, "id_number": "110101195001011239"}, "payload"),  # nothing personal
        ({k: v for k, v in OPENED.items() if k != "reason"}, "reason"),
        ("open", "payload"),
    ],
)
def test_a_wrong_staff_call_is_refused_naming_the_field(payload: Any, field: str) -> None:
    with pytest.raises(StaffCallError) as refused:
        check_staff_call(payload)
    assert field in str(refused.value)
    assert "13800000000" not in str(refused.value) and "张秀英" not in str(refused.value)
