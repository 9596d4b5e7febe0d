"""What the flow asks its driver to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.flow.model import (
    IssuedCertificate,
    MatchEvidence,
    Outcome,
    ReceiptKind,
    Resident,
    Service,
    Step,
)
from kiosk.flow.view import StepView

# Timer names
IDLE_TIMER = "idle"
MORE_TIME_TIMER = "more_time"
WAIT_TIMER = "wait"  # the machine's answer (match, record, lookup, print) is overdue
THANKS_TIMER = "thanks"
STAFF_CALL_TIMER = "staff_call"  # an open staff call nobody answered: given up


@dataclass(frozen=True)
class ShowScreen:
    step: Step
    view: StepView = field(default_factory=StepView)


@dataclass(frozen=True)
class PlayPrompt:
    prompt_id: str


@dataclass(frozen=True)
class StartTimer:
    name: str
    seconds: float


@dataclass(frozen=True)
class CancelTimer:
    name: str


@dataclass(frozen=True)
class StartCardReader:
    pass


@dataclass(frozen=True)
class StopCardReader:
    pass


@dataclass(frozen=True)
class StartFaceCapture:
    attempt: int


@dataclass(frozen=True)
class StopFaceCapture:
    pass


@dataclass(frozen=True)
class StartMatching:
    resident: Resident | None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordCase:
    service: Service
    outcome: Outcome
    resident: Resident | None
    reason: str = ""
    assisted_by: str = ""
    liveness: dict[str, Any] | None = None  # the liveness evidence (JSON-able)
    match: MatchEvidence = field(default_factory=MatchEvidence)
    valid_until: str = ""  # ISO date, when the match computed one
    card_expired: bool = False  # the card was past its validity when read (decided on as usual)


@dataclass(frozen=True)
class Lookup:
    service: Service
    resident: Resident | None


@dataclass(frozen=True)
class PrintReceipt:
    kind: ReceiptKind
    case_id: str  # REPRINT: the kept job to print again
    outcome: Outcome
    resident: Resident | None
    reason: str = ""
    certificate: IssuedCertificate | None = None  # CERTIFICATE: from the recorded case


@dataclass(frozen=True)
class RecordRating:
    """好差评: the resident's score of the service (1-5), and for a poor one what went wrong
    (contract.ratings.RATING_REASONS, or None). No personal data: recorded as its own kind."""

    service: Service
    score: int
    reason: str | None = None


@dataclass(frozen=True)
class CallStaff:
    """Open a staff call (chime, hook, record), or ring the open one again."""

    reason: str


@dataclass(frozen=True)
class EndStaffCall:
    """The open staff call ended: answered (by `staff_id`), cancelled or timed_out."""

    outcome: str
    staff_id: str = ""


@dataclass(frozen=True)
class WipeSession:
    """Forget everything personal about the visit (identity, frames, results)."""


Command = (
    ShowScreen
    | PlayPrompt
    | StartTimer
    | CancelTimer
    | StartCardReader
    | StopCardReader
    | StartFaceCapture
    | StopFaceCapture
    | StartMatching
    | RecordCase
    | Lookup
    | PrintReceipt
    | RecordRating
    | CallStaff
    | EndStaffCall
    | WipeSession
)
