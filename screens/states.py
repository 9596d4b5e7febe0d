"""Plausible views for every screen and state a resident can meet, as the flow's view() has them.

The screen audit test, the translation test and `kiosk demo --audit` render each of these on
the kiosk window; the names are the PNG names in `docs/screens/`.
"""

from __future__ import annotations

from dataclasses import replace

from kiosk.flow.model import RETRYABLE_REFUSALS, Outcome, Service, Step
from kiosk.flow.view import FaceGuide, StepView, Surroundings
from screens.texts import (
    CHANNEL_TEXT,
    FAULT_TEXT,
    FIND_STAFF_HELP,
    GUIDANCE_TEXT,
    HELP_TEXT,
    LIVENESS_RETRY_TEXT,
    NOT_VERIFIED_TEXT,
    REFUSAL_TEXT,
    WELCOME_FAULT_TEXT,
)


def _resident() -> StepView:
    # Sample data, not a screen text: built in a function so that the translation extractor,
    # which reads every module-level table under screens/, does not take the name for one.
    return StepView(masked_name="张*英", masked_id_number="110101********1239")


PENSION = replace(_resident(), service=Service.PENSION_CHECK, step_total=5)

QUERY = replace(PENSION, service=Service.QUERY, step_total=3)

READER = replace(PENSION, step_no=1, can_go_back=True, around=Surroundings(reader_state="ready"))


def _where() -> Surroundings:
    # What the controller adds from config (kiosk.app.screen_surroundings); a function for
    # the same reason as _resident().
    return Surroundings(service_point="示范村便民服务站", check_after="2026-11-27")


def _told() -> Surroundings:
    """The staff call went out (the controller adds it: kiosk.qt.staff_call)."""
    return Surroundings(staff_notified=True)


# name -> (step, view), in the order a resident meets them
STATES: dict[str, tuple[Step, StepView]] = {
    "welcome": (Step.IDLE, StepView()),
    "welcome_printer_fault": (Step.IDLE, StepView(faults=("printer",))),
    "read_card": (Step.READ_CARD, READER),
    "read_card_error": (Step.READ_CARD, replace(READER, card_error="torn_read")),
    "read_card_wrong_card": (Step.READ_CARD, replace(READER, wrong_card=True)),
    "confirm": (Step.CONFIRM_IDENTITY, replace(PENSION, step_no=2, can_go_back=True)),
    "consent": (Step.CONSENT, replace(PENSION, step_no=3, can_go_back=True)),
    "face_capture": (
        Step.FACE_CAPTURE,
        replace(
            PENSION,
            step_no=4,
            can_go_back=True,
            face=FaceGuide(
                action="turn_left", actions_total=2, action_index=0, guidance_code="too_small"
            ),
        ),
    ),
    "face_hold": (
        Step.FACE_CAPTURE,
        replace(
            PENSION,
            step_no=4,
            can_go_back=True,
            face=FaceGuide(actions_total=2, action_index=1, holding=True),
        ),
    ),
    "face_retry": (
        Step.FACE_CAPTURE,
        replace(PENSION, step_no=4, can_go_back=True, liveness_failed="timeout"),
    ),
    "matching": (Step.MATCHING, replace(PENSION, step_no=4)),
    "result_verified": (
        Step.RESULT,
        replace(PENSION, step_no=5, outcome=Outcome.VERIFIED, valid_until="2027-11-24"),
    ),
    "result_verified_card_expired": (
        Step.RESULT,
        replace(
            PENSION,
            step_no=5,
            outcome=Outcome.VERIFIED,
            valid_until="2027-11-24",
            card_expired=True,
        ),
    ),
    "result_not_verified": (
        Step.RESULT,
        replace(PENSION, step_no=5, outcome=Outcome.NOT_VERIFIED, reason="face_mismatch"),
    ),
    "result_presentation_attack": (
        Step.RESULT,
        replace(PENSION, step_no=5, outcome=Outcome.NOT_VERIFIED, reason="presentation_attack"),
    ),
    "result_pending": (
        Step.RESULT,
        replace(
            PENSION,
            around=_where(),
            step_no=5,
            outcome=Outcome.PENDING,
            reason="platform_unreachable",
        ),
    ),
    "lookup": (Step.LOOKUP, replace(QUERY, step_no=3)),
    "result_not_found": (
        Step.RESULT,
        replace(QUERY, step_no=3, outcome=Outcome.NOT_FOUND, can_check_now=True),
    ),
    "query_verified": (
        Step.RESULT,
        replace(
            QUERY,
            step_no=3,
            outcome=Outcome.VERIFIED,
            valid_until="2027-01-31",
            channel="kiosk",
            answered_by="platform",
            can_print=True,
        ),
    ),
    "query_verified_elsewhere": (
        Step.RESULT,
        replace(
            QUERY,
            step_no=3,
            outcome=Outcome.VERIFIED,
            valid_until="2027-01-31",
            channel="home_visit",
            answered_by="platform",
        ),
    ),
    "query_pending": (
        Step.RESULT,
        replace(QUERY, around=_where(), step_no=3, outcome=Outcome.PENDING, answered_by="platform"),
    ),
    "query_not_verified": (
        Step.RESULT,
        replace(
            QUERY,
            step_no=3,
            outcome=Outcome.NOT_VERIFIED,
            reason="documents_needed",
            answered_by="platform",
        ),
    ),
    "query_none": (
        Step.RESULT,
        replace(
            QUERY, step_no=3, outcome=Outcome.NOT_FOUND, answered_by="platform", can_check_now=True
        ),
    ),
    "printing": (Step.PRINT, replace(PENSION, step_no=5)),
    "print_paper_out": (Step.PRINT, replace(PENSION, step_no=5, print_failed="paper_out")),
    "rate": (Step.RATE, PENSION),
    "rate_reason": (Step.RATE_REASON, PENSION),
    "thanks": (Step.THANKS, PENSION),
    "thanks_card_left": (Step.THANKS, replace(PENSION, card_left=True)),
    "help": (Step.HELP, replace(PENSION, help_reason="resident", around=_told())),
    # The staff call reached nobody (no chime could ring, no hook ran): where staff are.
    "help_find_staff": (Step.HELP, replace(PENSION, help_reason="resident")),
    "device_fault": (Step.DEVICE_FAULT, replace(PENSION, fault_device="camera", around=_told())),
    "device_fault_find_staff": (Step.DEVICE_FAULT, replace(PENSION, fault_device="camera")),
    "more_time": (
        Step.CONSENT,
        replace(PENSION, step_no=3, can_go_back=True, more_time=True),
    ),
}


def reason_states() -> dict[str, tuple[Step, StepView]]:
    """Every reason a screen has its own words for (a failed capture, a check not verified, a
    call for staff, a faulty device, an expired card), for the audit: `<state>_<reason>`."""
    retry_step, retry = STATES["face_retry"]
    result_step, result = STATES["result_not_verified"]
    help_step, help_view = STATES["help"]
    _step, unheard = STATES["help_find_staff"]
    fault_step, fault = STATES["device_fault"]
    refused_step, refused = STATES["query_not_verified"]
    return {
        **{
            f"welcome_{device}_fault": (Step.IDLE, StepView(faults=(device,)))
            for device in WELCOME_FAULT_TEXT
            if device != "printer"  # in STATES
        },
        "welcome_faults": (Step.IDLE, StepView(faults=("camera", "printer"))),
        **{
            f"face_retry_{code}": (retry_step, replace(retry, liveness_failed=code))
            for code in LIVENESS_RETRY_TEXT
        },
        **{
            f"result_not_verified_{code}": (result_step, replace(result, reason=code))
            for code in NOT_VERIFIED_TEXT
        },
        **{
            f"query_not_verified_{code}": (
                refused_step,
                replace(refused, reason=code, can_check_now=code in RETRYABLE_REFUSALS),
            )
            for code in REFUSAL_TEXT
        },
        **{
            f"query_verified_{channel}": (
                Step.RESULT,
                replace(STATES["query_verified_elsewhere"][1], channel=channel),
            )
            for channel in CHANNEL_TEXT
        },
        **{f"help_{code}": (help_step, replace(help_view, help_reason=code)) for code in HELP_TEXT},
        **{
            f"help_find_staff_{code}": (help_step, replace(unheard, help_reason=code))
            for code in FIND_STAFF_HELP
        },
        **{
            f"device_fault_{device}": (fault_step, replace(fault, fault_device=device))
            for device in FAULT_TEXT
        },
    }


def guidance_states() -> dict[str, tuple[Step, StepView]]:
    """Face capture with each quality guidance the face engine can give (the longest texts on
    the busiest screen), named `face_guidance_<code>`."""
    step, view = STATES["face_capture"]
    return {
        f"face_guidance_{code}": (
            step,
            replace(view, face=replace(view.face, guidance_code=code)),
        )
        for code in GUIDANCE_TEXT
    }
