"""What the screens are given to render: one typed view per step, masked values only.

The flow builds a `StepView` for every screen it shows (`SessionFlow.view()`); the driver adds
what the flow does not know (`Surroundings`: the service point, the card reader's state) and
the screens render it (`screens.steps`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kiosk.flow.model import (
    BACK,
    STEP_NUMBERS,
    MatchEvidence,
    Outcome,
    Service,
    Session,
    Step,
    can_check_now,
)


@dataclass(frozen=True)
class FaceGuide:
    """The face capture's progress, from the face thread: the action asked for now, how far
    the resident is, and what to change (too far, too dark, ...)."""

    action: str = ""  # blink | turn_left | ... ('' before the first)
    action_index: int = 0  # 0-based
    actions_total: int = 0
    guidance_code: str = ""  # screens.texts.GUIDANCE_TEXT's keys ('' : nothing to change)
    guidance_text: str = ""  # the engine's own words, for logs and the technician
    prompt_id: str = ""  # the action's voice prompt, once per action ('' : nothing to say)
    holding: bool = False  # the random pause before the next action's prompt: "please wait"


@dataclass(frozen=True)
class StepNews:
    """What happened on the current step so far; forgotten when the flow moves to another."""

    wrong_card: bool = False  # "不是我": the card of someone else was read
    card_error: str = ""  # the last read failed: torn_read | invalid_card | ...
    face: FaceGuide = field(default_factory=FaceGuide)
    liveness_failed: str = ""  # the capture failed (its reason): retry offered
    staff_called: bool = False  # help asked for while the machine works
    card_left: bool = False  # the card still lies on the reader at the end


@dataclass(frozen=True)
class Surroundings:
    """What the screens show beyond the flow; the controller adds it to every view."""

    service_point: str = ""  # where a pending case can be asked about
    check_after: str = ""  # ISO date from which it can be asked about
    reader_state: str = ""  # the card reader's last reported state
    staff_notified: bool = False  # an open staff call reached staff (its chime, its hook)


@dataclass(frozen=True)
class StepView:
    """What the screen of the current step shows."""

    service: Service | None = None
    step_no: int | None = None  # "第 N 步，共 M 步"; None: no step indicator
    step_total: int | None = None
    can_go_back: bool = False
    more_time: bool = False  # "还需要更多时间吗?" is being asked
    # the resident, masked
    masked_name: str = ""
    masked_id_number: str = ""
    # the visit so far
    outcome: Outcome | None = None
    reason: str = ""  # a reason code for not_verified / pending
    valid_until: str = ""  # ISO date
    channel: str = ""  # query, verified: who verified (kiosk | window | home_visit | ...)
    answered_by: str = ""  # query: platform | terminal (the link was down)
    can_print: bool = False  # query, verified: a certificate can be printed here and now
    can_check_now: bool = False  # query: nothing found, or a refused face: 现在认证 offered
    card_expired: bool = False  # the card has expired: the result screen asks to renew it
    match: MatchEvidence = field(default_factory=MatchEvidence)
    print_failed: str = ""  # the printer's status when the job was kept
    help_reason: str = ""
    fault_device: str = ""
    faults: tuple[str, ...] = ()  # devices known to be faulty now (the welcome screen warns)
    # this step's news (StepNews)
    wrong_card: bool = False
    card_error: str = ""
    face: FaceGuide = field(default_factory=FaceGuide)
    liveness_failed: str = ""
    staff_called: bool = False
    card_left: bool = False
    # beyond the flow
    around: Surroundings = field(default_factory=Surroundings)


def step_view(
    step: Step,
    session: Session,
    news: StepNews,
    faults: Iterable[str] = (),
) -> StepView:
    """The view of `step` for this session, what happened on the step so far and the devices
    known to be faulty."""
    s = session
    numbers = STEP_NUMBERS.get(s.service, {}) if s.service else {}
    resident = s.resident
    return StepView(
        service=s.service,
        step_no=numbers.get(step),
        step_total=max(numbers.values()) if numbers else None,
        can_go_back=step in BACK,
        more_time=s.asking_more_time,
        masked_name=resident.masked_name if resident is not None else "",
        masked_id_number=resident.masked_id_number if resident is not None else "",
        outcome=s.outcome,
        reason=s.reason,
        valid_until=s.valid_until,
        channel=s.channel,
        answered_by=s.answered_by,
        can_print=s.service is Service.QUERY
        and s.outcome is Outcome.VERIFIED
        and bool(s.certificate is not None or s.case_id),
        can_check_now=can_check_now(s),
        card_expired=s.card_expired,
        match=s.match,
        print_failed=s.print_failed,
        help_reason=s.help_reason,
        fault_device=s.fault_device,
        wrong_card=news.wrong_card,
        card_error=news.card_error,
        face=news.face,
        liveness_failed=news.liveness_failed,
        staff_called=news.staff_called,
        card_left=news.card_left,
        faults=tuple(sorted(faults)),
    )
