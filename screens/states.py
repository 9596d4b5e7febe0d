"""Plausible views for every screen and state a resident can meet, as the flow's view() has them.

The screen audit test, the translation test and `kiosk demo --audit` render each of these on
the kiosk window; the names are the PNG names in `docs/screens/`.
"""

from __future__ import annotations

from typing import Any

from kiosk.flow.model import Step
from screens.texts import GUIDANCE_TEXT


def _resident() -> dict[str, str]:
    # Sample data, not a screen text: built in a function so that the translation extractor,
    # which reads every module-level table under screens/, does not take the name for one.
    return {"masked_name": "张*英", "masked_id_number": "110101********1239"}


PENSION: dict[str, Any] = {"service": "pension_check", "step_total": 5, **_resident()}

QUERY: dict[str, Any] = {**PENSION, "service": "query", "step_total": 3}

READER: dict[str, Any] = {**PENSION, "step_no": 1, "can_go_back": True, "reader_state": "ready"}


def _where() -> dict[str, str]:
    # What the controller adds from config (kiosk.app.screen_extras); a function for the
    # same reason as _resident().
    return {"service_point": "示范村便民服务站", "check_after": "2026-11-27"}


# name -> (step, view), in the order a resident meets them
STATES: dict[str, tuple[Step, dict[str, Any]]] = {
    "welcome": (Step.IDLE, {"service": None}),
    "read_card": (Step.READ_CARD, {**READER}),
    "read_card_error": (Step.READ_CARD, {**READER, "card_error": "torn_read"}),
    "read_card_wrong_card": (Step.READ_CARD, {**READER, "wrong_card": True}),
    "confirm": (Step.CONFIRM_IDENTITY, {**PENSION, "step_no": 2, "can_go_back": True}),
    "consent": (Step.CONSENT, {**PENSION, "step_no": 3, "can_go_back": True}),
    "face_capture": (
        Step.FACE_CAPTURE,
        {
            **PENSION,
            "step_no": 4,
            "can_go_back": True,
            "action": "turn_left",
            "actions_total": 2,
            "action_index": 0,
            "guidance_code": "too_small",
        },
    ),
    "face_retry": (
        Step.FACE_CAPTURE,
        {**PENSION, "step_no": 4, "can_go_back": True, "liveness_failed": True},
    ),
    "matching": (Step.MATCHING, {**PENSION, "step_no": 4}),
    "result_verified": (
        Step.RESULT,
        {**PENSION, "step_no": 5, "outcome": "verified", "valid_until": "2027-11-24"},
    ),
    "result_not_verified": (
        Step.RESULT,
        {**PENSION, "step_no": 5, "outcome": "not_verified", "reason": "face_mismatch"},
    ),
    "result_pending": (
        Step.RESULT,
        {
            **PENSION,
            **_where(),
            "step_no": 5,
            "outcome": "pending",
            "reason": "platform_unreachable",
        },
    ),
    "lookup": (Step.LOOKUP, {**QUERY, "step_no": 3}),
    "result_not_found": (Step.RESULT, {**QUERY, "step_no": 3, "outcome": "not_found"}),
    "printing": (Step.PRINT, {**PENSION, "step_no": 5}),
    "print_paper_out": (Step.PRINT, {**PENSION, "step_no": 5, "print_failed": "paper_out"}),
    "rate": (Step.RATE, {**PENSION}),
    "thanks": (Step.THANKS, {**PENSION}),
    "thanks_card_left": (Step.THANKS, {**PENSION, "card_left": True}),
    "help": (Step.HELP, {**PENSION, "help_reason": "resident"}),
    "device_fault": (Step.DEVICE_FAULT, {**PENSION, "fault_device": "camera"}),
    "more_time": (
        Step.CONSENT,
        {**PENSION, "step_no": 3, "can_go_back": True, "more_time": True},
    ),
}


def guidance_states() -> dict[str, tuple[Step, dict[str, Any]]]:
    """Face capture with each quality guidance the face engine can give (the longest texts on
    the busiest screen), named `face_guidance_<code>`."""
    step, view = STATES["face_capture"]
    return {
        f"face_guidance_{code}": (step, {**view, "guidance_code": code}) for code in GUIDANCE_TEXT
    }
