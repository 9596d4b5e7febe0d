"""What the flow knows: its steps, the services, the session's data and its limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Step(StrEnum):
    IDLE = "idle"  # welcome / attract screen
    READ_CARD = "read_card"
    CONFIRM_IDENTITY = "confirm_identity"
    CONSENT = "consent"
    FACE_CAPTURE = "face_capture"
    MATCHING = "matching"
    LOOKUP = "lookup"  # reprint / query: asking the store and platform for the last check
    RESULT = "result"
    PRINT = "print"
    RATE = "rate"
    RATE_REASON = "rate_reason"  # after a poor rating: what went wrong (optional pictograms)
    THANKS = "thanks"
    HELP = "help"  # call staff; the resident can always come back
    DEVICE_FAULT = "device_fault"


class Service(StrEnum):
    PENSION_CHECK = "pension_check"  # 养老金资格认证
    REPRINT = "reprint"  # 补打认证凭证
    QUERY = "query"  # 查询认证结果


class Outcome(StrEnum):
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"
    PENDING = "pending"  # reference or platform out of reach: decided later
    NOT_FOUND = "not_found"  # reprint/query: no check on record


class ReceiptKind(StrEnum):
    """The papers the kiosk prints; the print-job store keeps a receipt's kind as its value."""

    CERTIFICATE = "certificate"  # 认证凭证 (verified)
    FAILURE_NOTICE = "failure_notice"  # 认证未通过告知单 (not verified)
    PENDING_SLIP = "pending_slip"  # 受理回执 (decided later)
    REPRINT = "reprint"  # a kept receipt printed again: the kept one keeps its own kind
    TEST_PAGE = "test_page"  # 打印测试页 (technician)


class Resident(Protocol):
    """What the flow and the screens may see of a card holder: masked values only.

    The card's `Identity` is one; the records side, which stores the full identity, narrows
    it to its fuller `kiosk.records.holder.CardHolder`.
    """

    @property
    def masked_name(self) -> str: ...

    @property
    def masked_id_number(self) -> str: ...


class IssuedCertificate(Protocol):
    """The certificate issued and signed for a verified case (kiosk.records.certificate's
    SignedCertificate). The flow only carries it from the recorded case to the receipt."""

    @property
    def certificate_no(self) -> str: ...


@dataclass(frozen=True)
class RecordedCase:
    """A case the store has kept, as the recorder reports it: its id, and the certificate
    issued for it (a verified check whose token could be signed; None otherwise)."""

    case_id: str
    certificate: IssuedCertificate | None = None


@dataclass(frozen=True)
class MatchEvidence:
    """What comparing the live face with the holder's reference found, for the case record
    and the result screen. Unset (None, ''): not compared, or no reference reached."""

    distance: float | None = None
    threshold: float | None = None
    reference: str = ""  # card_photo | roster | platform


# Where "back" leads; steps not listed have no back.
BACK = {
    Step.READ_CARD: Step.IDLE,
    Step.CONFIRM_IDENTITY: Step.READ_CARD,
    Step.CONSENT: Step.CONFIRM_IDENTITY,
    Step.FACE_CAPTURE: Step.CONSENT,
}

# The resident-visible step number for "第 N 步，共 M 步".
STEP_NUMBERS = {
    Service.PENSION_CHECK: {
        Step.READ_CARD: 1,
        Step.CONFIRM_IDENTITY: 2,
        Step.CONSENT: 3,
        Step.FACE_CAPTURE: 4,
        Step.MATCHING: 4,
        Step.RESULT: 5,
        Step.PRINT: 5,
    },
    Service.REPRINT: {Step.READ_CARD: 1, Step.CONFIRM_IDENTITY: 2, Step.LOOKUP: 3, Step.PRINT: 3},
    Service.QUERY: {
        Step.READ_CARD: 1,
        Step.CONFIRM_IDENTITY: 2,
        Step.LOOKUP: 3,
        Step.RESULT: 3,
        Step.PRINT: 3,  # the certificate of a check approved, printed there and then
    },
}


# Each step's time limit, seconds (config: `[flow] <step>_s`). Steps that wait on the resident:
# no touch this long -> "还需要更多时间吗?". Steps where the machine works (matching, lookup, a
# print job in flight): no answer this long -> the way on, never a dead end. Thanks: then welcome.
DEFAULT_TIMEOUTS_S: dict[Step, float] = {
    Step.READ_CARD: 90.0,
    Step.CONFIRM_IDENTITY: 90.0,
    Step.CONSENT: 90.0,
    Step.FACE_CAPTURE: 90.0,
    Step.MATCHING: 60.0,
    Step.LOOKUP: 30.0,
    Step.RESULT: 90.0,
    Step.PRINT: 60.0,
    Step.RATE: 60.0,
    Step.THANKS: 8.0,
    Step.HELP: 300.0,  # staff take a while to come
    Step.DEVICE_FAULT: 300.0,
}

# Steps that run another step's time limit (no config key of their own).
SAME_TIME_AS = {Step.RATE_REASON: Step.RATE}


@dataclass(frozen=True)
class FlowConfig:
    timeouts_s: Mapping[Step, float] = field(default_factory=lambda: dict(DEFAULT_TIMEOUTS_S))
    more_time_answer_s: float = 30.0  # no answer -> back to welcome
    max_card_attempts: int = 3
    max_capture_attempts: int = 3
    staff_call_s: float = 300.0  # an open staff call nobody answers is given up (timed_out)

    @classmethod
    def from_limits(cls, limits: Any, **others: Any) -> FlowConfig:
        """From an object with a `<step>_s` attribute per timed step and `more_time_answer_s`
        (config's `[flow]` table; duck-typed so the flow never imports config)."""
        timeouts = {step: float(getattr(limits, f"{step}_s")) for step in DEFAULT_TIMEOUTS_S}
        return cls(timeouts, float(limits.more_time_answer_s), **others)

    def timeout_of(self, step: Step) -> float:
        step = SAME_TIME_AS.get(step, step)
        return self.timeouts_s.get(step, DEFAULT_TIMEOUTS_S[step])


@dataclass
class Session:
    """One resident's visit. Wiped (replaced by a fresh one) when the visit ends."""

    service: Service | None = None
    resident: Resident | None = None  # the card's identity; only masked fields reach screens
    card_attempts: int = 0
    capture_attempts: int = 0
    outcome: Outcome | None = None
    reason: str = ""  # a reason code for not_verified / help
    case_id: str = ""
    certificate: IssuedCertificate | None = None  # issued with the recorded case, to print
    print_failed: str = ""  # printer status when the job was kept
    printing: bool = False  # a print job is in flight: the machine, not the resident, is waited on
    rating: int | None = None  # the score given (1-5), recorded once (rating_recorded)
    rating_recorded: bool = False
    channel: str = ""  # query: who verified (kiosk | window | home_visit | ...)
    answered_by: str = ""  # query: platform (the link was up) | terminal (what it holds)
    assisted_by: str = ""
    fault_device: str = ""
    fault_return: Step | None = None
    help_return: Step | None = None
    help_reason: str = ""
    asking_more_time: bool = False
    liveness: dict[str, Any] | None = None  # the liveness evidence, for the case record
    match: MatchEvidence = field(default_factory=MatchEvidence)
    valid_until: str = ""  # ISO date: the certificate's validity (matched, or looked up)
    card_expired: bool = False  # the card read has expired: recorded, and the resident told


# A query's refusals the resident may mend with another try now (the face, not the person, was
# the problem: contract.decisions.Reason values); the others need staff, a visit or documents.
RETRYABLE_REFUSALS = frozenset({"face_mismatch", "face_unusable"})


def can_check_now(session: Session) -> bool:
    """A query's result offers "现在认证": nothing found, or a refusal another try may mend."""
    if session.service is not Service.QUERY or session.resident is None:
        return False
    if session.outcome is Outcome.NOT_FOUND:
        return True
    return session.outcome is Outcome.NOT_VERIFIED and session.reason in RETRYABLE_REFUSALS
