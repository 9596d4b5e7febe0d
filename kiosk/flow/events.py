"""Everything that can happen to a session: the resident's intents and the services' answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.flow.model import (
    IssuedCertificate,
    MatchEvidence,
    Outcome,
    RecordedCase,
    Resident,
    Service,
)
from kiosk.flow.view import FaceGuide


# -- the resident (screens emit these) -------------------------------------------------------
@dataclass(frozen=True)
class Touched:
    """Any touch: the resident is still there."""


@dataclass(frozen=True)
class ServiceChosen:
    service: Service


@dataclass(frozen=True)
class Confirmed:
    """是我 (True) / 不是我 (False)."""

    its_me: bool


@dataclass(frozen=True)
class ConsentAnswered:
    agreed: bool  # False: the resident asks for the staff-assisted check instead


@dataclass(frozen=True)
class Continue:
    """The main button of an informational screen (result, print failure, fault)."""


@dataclass(frozen=True)
class Retry:
    """Try the step again (card, face capture, printing)."""


@dataclass(frozen=True)
class Rated:
    score: int | None  # 1-5, None when skipped


@dataclass(frozen=True)
class RatingReasonChosen:
    """After a poor rating: what went wrong (contract.ratings.RATING_REASONS); None: skipped."""

    reason: str | None


@dataclass(frozen=True)
class StartCheck:
    """查询认证结果 found no check this period (or one to redo): do the check now."""


@dataclass(frozen=True)
class Decline:
    """ "不用了" on a query's result: no certificate printed, no check started."""


@dataclass(frozen=True)
class HelpRequested:
    reason: str = "resident"


@dataclass(frozen=True)
class HelpDismissed:
    pass


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class MoreTimeAnswered:
    more: bool


@dataclass(frozen=True)
class StaffUnlocked:
    """A staff member unlocked the assisted check (帮办) with their PIN."""

    staff_id: str


# -- devices and services (the driver emits these) ---------------------------------------
@dataclass(frozen=True)
class CardRead:
    identity: Resident
    card_expired: bool = False  # the card's validity ended before today (the driver's clock)


@dataclass(frozen=True)
class CardReadFailed:
    reason: str  # e.g. "torn_read", "invalid_card", "not_supported", "pin_required"


@dataclass(frozen=True)
class CardRemoved:
    pass


@dataclass(frozen=True)
class DeviceFailed:
    device: str  # card_reader | camera | face_models | printer
    detail: str = ""


@dataclass(frozen=True)
class DeviceRecovered:
    device: str


@dataclass(frozen=True)
class FaceProgress:
    """A liveness update while capturing: passed through to the screen."""

    guide: FaceGuide = field(default_factory=FaceGuide)


@dataclass(frozen=True)
class LivenessDone:
    """The face bridge's answer to a capture."""

    passed: bool
    reason: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)  # JSON-able, for the case record


@dataclass(frozen=True)
class MatchDone:
    """The face matcher's answer (kiosk.face.holder_match), emitted by the face bridge."""

    outcome: Outcome
    reason: str = ""
    match: MatchEvidence = field(default_factory=MatchEvidence)
    valid_until: str = ""  # ISO date a certificate issued now would be valid until


@dataclass(frozen=True)
class CaseRecorded:
    """The store kept the case; a verified one carries its certificate on to the receipt."""

    case: RecordedCase


@dataclass(frozen=True)
class CaseRecordFailed:
    reason: str


@dataclass(frozen=True)
class LookupDone:
    """The answer to "reprint" (the resident's last receipt on this terminal) or "query" (the
    resident's standing this period: the platform's signed answer when the link is up, else
    the decisions synced and the receipts kept here). Outcome.NOT_FOUND: none."""

    outcome: Outcome
    job_id: str = ""  # the kept receipt: what a reprint (or a query's print) prints again
    valid_until: str = ""  # ISO date, from a certificate's signed token or the standing
    reason: str = ""  # query: contract.decisions.Reason value (why refused, or how verified)
    channel: str = ""  # query, verified: kiosk | window | home_visit | mobile_app | other
    certificate: IssuedCertificate | None = None  # query: a certificate ready to print
    answered_by: str = ""  # query: platform | terminal (the link was down)


@dataclass(frozen=True)
class LookupFailed:
    """The records could not be read for "reprint" / "query" (their store failed): nothing is
    known about the resident's checks, so nothing may be said about them."""

    reason: str  # for the log: the error's kind


@dataclass(frozen=True)
class PrintDone:
    pass


@dataclass(frozen=True)
class PrintFailed:
    status: str  # paper_out | cover_open | offline | error


@dataclass(frozen=True)
class TimerExpired:
    name: str


Event = (
    Touched
    | ServiceChosen
    | Confirmed
    | ConsentAnswered
    | Continue
    | Retry
    | Rated
    | RatingReasonChosen
    | StartCheck
    | Decline
    | HelpRequested
    | HelpDismissed
    | Back
    | MoreTimeAnswered
    | StaffUnlocked
    | CardRead
    | CardReadFailed
    | CardRemoved
    | DeviceFailed
    | DeviceRecovered
    | FaceProgress
    | LivenessDone
    | MatchDone
    | CaseRecorded
    | CaseRecordFailed
    | LookupDone
    | LookupFailed
    | PrintDone
    | PrintFailed
    | TimerExpired
)
