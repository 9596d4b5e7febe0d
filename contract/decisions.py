"""What the platform decides about a check the terminal could not decide, and how the answer
travels back: each document is signed by the platform's Ed25519 key (the one a terminal
receives at registration as `platform_signing_key`) and never trusted unsigned.

- A **decision** on one case: verified or not verified, by whom (`auto`: the platform's
  matcher; `review`: a reviewer), when, why (a code from `REASONS`), and for an automatic match
  the distance and threshold used. No personal data: the terminal knows whose case it is.
- A **standing**: the answer to a resident's "查询认证结果" at a terminal, the resident's state
  in the current period, whichever channel decided it. It echoes the nonce of the terminal's
  signed request that named the ID number, which binds the answer to that question.
- A **roster**: the reference templates of a service point's residents, for offline matching
  (the document format `kiosk.face.roster` reads, keys hashed with PBKDF2 of the ID number).

Every builder here checks its input and every reader refuses what does not parse: a
`DecisionError` names the field, never the value (it may be personal data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from contract.errors import ContractError
from contract.ids import is_uuid7
from contract.wire import WireError, sign_platform_document, verify_platform_document

DECISION_FORMAT = "kiosk-decision/1"
STANDING_FORMAT = "kiosk-standing/1"
ROSTER_FORMAT = "kiosk-roster/1"
MAX_NOTE_CHARS = 500


class DecisionError(ContractError):
    """A decision, standing or roster document that is malformed, unsigned or foreign."""


class Verdict(StrEnum):
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"


class DecidedBy(StrEnum):
    AUTO = "auto"  # the platform's matcher against its reference face
    REVIEW = "review"  # a reviewer on the staff site or `kiosk-central review decide`


class Reason(StrEnum):
    """Why: what the terminal tells the resident in plain words (`kiosk` maps each code)."""

    FACE_MATCH = "face_match"  # verified: the live face matched the platform's reference
    REVIEWER_APPROVED = "reviewer_approved"  # verified: a reviewer confirmed the resident
    FACE_MISMATCH = "face_mismatch"  # not the card holder's face
    FACE_UNUSABLE = "face_unusable"  # the live face frame cannot be judged (dark, blurred)
    PRESENTATION_ATTACK = "presentation_attack"  # a photo, screen or video was shown
    IDENTITY_UNCONFIRMED = "identity_unconfirmed"  # staff will visit or call (上门核实)
    DOCUMENTS_NEEDED = "documents_needed"  # bring documents to the service window
    NOT_ENROLLED = "not_enrolled"  # not in the pension roll


VERIFIED_REASONS = frozenset({Reason.FACE_MATCH, Reason.REVIEWER_APPROVED})
REJECTION_REASONS = tuple(r for r in Reason if r not in VERIFIED_REASONS)


class Standing(StrEnum):
    VERIFIED = "verified"  # verified this period (valid_until says until when)
    PENDING = "pending"  # a check awaits its decision
    NOT_VERIFIED = "not_verified"  # the latest decision refused; `reason` says why
    NONE = "none"  # no check this period that the platform knows of


@dataclass(frozen=True)
class Decision:
    case_id: str
    terminal_id: str
    verdict: Verdict
    reason: Reason
    decided_at: str  # ISO 8601, UTC
    decided_by: DecidedBy
    distance: float | None = None  # automatic decisions: the match's distance and threshold
    threshold: float | None = None
    test: bool = False  # a test case (`kiosk queue fill-demo`): never a resident's answer

    def __post_init__(self) -> None:
        _require(is_uuid7(self.case_id), "case_id")
        _require(_text(self.terminal_id, 64), "terminal_id")
        _require(isinstance(self.verdict, Verdict), "verdict")
        _require(isinstance(self.reason, Reason), "reason")
        _require((self.reason in VERIFIED_REASONS) == (self.verdict is Verdict.VERIFIED), "reason")
        _require(_utc_time(self.decided_at), "decided_at")
        _require(isinstance(self.decided_by, DecidedBy), "decided_by")
        for name in ("distance", "threshold"):
            value = getattr(self, name)
            _require(value is None or (type(value) is float and value >= 0), name)
        _require(type(self.test) is bool, "test")

    def body(self) -> dict[str, Any]:
        return {"format": DECISION_FORMAT, **asdict(self)}


def sign_decision(signing_key: Ed25519PrivateKey, decision: Decision) -> dict[str, Any]:
    return sign_platform_document(signing_key, decision.body())


def read_decision(document: Any, platform_key: Ed25519PublicKey) -> Decision:
    """The decision in a signed document; DecisionError for anything else."""
    body = _verified(document, platform_key, DECISION_FORMAT)
    try:
        return Decision(
            case_id=body["case_id"],
            terminal_id=body["terminal_id"],
            verdict=Verdict(body["verdict"]),
            reason=Reason(body["reason"]),
            decided_at=body["decided_at"],
            decided_by=DecidedBy(body["decided_by"]),
            distance=_float_or_none(body.get("distance")),
            threshold=_float_or_none(body.get("threshold")),
            test=body.get("test", False),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise DecisionError(f"{DECISION_FORMAT}: malformed ({_field_of(exc)})") from None


@dataclass(frozen=True)
class ResidentStanding:
    nonce: str  # the nonce of the terminal's signed lookup request
    standing: Standing
    period: str  # the check's year, e.g. "2026"
    valid_until: str | None = None  # ISO date, with VERIFIED
    verified_at: str | None = None  # ISO 8601 UTC, with VERIFIED: the certificate's time
    channel: str | None = None  # kiosk | window | home_visit | ... (who verified)
    reason: Reason | None = None  # with NOT_VERIFIED (and VERIFIED: how)
    decision: Decision | None = None  # the decision on a case of the asking terminal, if any

    def __post_init__(self) -> None:
        _require(_text(self.nonce, 64) and len(self.nonce) >= 16, "nonce")
        _require(isinstance(self.standing, Standing), "standing")
        _require(_text(self.period, 16), "period")
        verified = self.standing is Standing.VERIFIED
        _require((self.valid_until is not None) == verified, "valid_until")
        _require((self.verified_at is not None) == verified, "verified_at")
        if self.valid_until is not None:
            _require(_iso_date(self.valid_until), "valid_until")
        if self.verified_at is not None:
            _require(_utc_time(self.verified_at), "verified_at")
        _require(self.channel is None or _text(self.channel, 32), "channel")
        _require(self.reason is None or isinstance(self.reason, Reason), "reason")
        _require(self.standing is not Standing.NOT_VERIFIED or self.reason is not None, "reason")

    def body(self, signing_key: Ed25519PrivateKey) -> dict[str, Any]:
        fields = asdict(self)
        fields["decision"] = (
            None if self.decision is None else sign_decision(signing_key, self.decision)
        )
        return {"format": STANDING_FORMAT, **fields}


def sign_standing(signing_key: Ed25519PrivateKey, standing: ResidentStanding) -> dict[str, Any]:
    return sign_platform_document(signing_key, standing.body(signing_key))


def read_standing(document: Any, platform_key: Ed25519PublicKey, nonce: str) -> ResidentStanding:
    """The answer to the lookup sent with `nonce`; DecisionError for anything else, an answer
    to another question included."""
    body = _verified(document, platform_key, STANDING_FORMAT)
    try:
        decision = body.get("decision")
        reason = body.get("reason")
        standing = ResidentStanding(
            nonce=body["nonce"],
            standing=Standing(body["standing"]),
            period=body["period"],
            valid_until=body.get("valid_until"),
            verified_at=body.get("verified_at"),
            channel=body.get("channel"),
            reason=None if reason is None else Reason(reason),
            decision=None if decision is None else read_decision(decision, platform_key),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise DecisionError(f"{STANDING_FORMAT}: malformed ({_field_of(exc)})") from None
    if standing.nonce != nonce:
        raise DecisionError(f"{STANDING_FORMAT}: the answer to another request")
    return standing


def sign_roster(
    signing_key: Ed25519PrivateKey,
    *,
    terminal_id: str,
    issued_at: str,
    roster: Mapping[str, Any],
) -> dict[str, Any]:
    """`roster`: the document `kiosk.face.roster` reads (format, version, salt, iterations,
    templates keyed by PBKDF2 of the ID number)."""
    _require(_text(terminal_id, 64), "terminal_id")
    _require(_utc_time(issued_at), "issued_at")
    _require(isinstance(roster, Mapping) and isinstance(roster.get("templates"), Mapping), "roster")
    body = {
        "format": ROSTER_FORMAT,
        "terminal_id": terminal_id,
        "issued_at": issued_at,
        "roster": dict(roster),
    }
    return sign_platform_document(signing_key, body)


def read_roster(
    document: Any, platform_key: Ed25519PublicKey, terminal_id: str
) -> tuple[str, dict[str, Any]]:
    """(issued_at, roster document) of a roster signed for `terminal_id`."""
    body = _verified(document, platform_key, ROSTER_FORMAT)
    if body.get("terminal_id") != terminal_id:
        raise DecisionError(f"{ROSTER_FORMAT}: made for another terminal")
    issued_at, roster = body.get("issued_at"), body.get("roster")
    if not _utc_time(issued_at) or not isinstance(roster, dict):
        raise DecisionError(f"{ROSTER_FORMAT}: malformed (issued_at or roster)")
    return str(issued_at), roster


# --- checks -------------------------------------------------------------------------------


def _verified(document: Any, platform_key: Ed25519PublicKey, fmt: str) -> dict[str, Any]:
    try:
        return verify_platform_document(document, platform_key, fmt)
    except WireError as exc:
        raise DecisionError(str(exc)) from None


def _require(condition: bool, field_name: str) -> None:
    if not condition:
        raise DecisionError(f"invalid {field_name}")


def _text(value: Any, max_chars: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= max_chars and value.isprintable()


def _utc_time(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.utcoffset() == dt.timedelta(0)


def _iso_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _float_or_none(value: Any) -> float | None:
    if value is None:
        return None
    if type(value) not in (int, float):
        raise TypeError("distance")
    return float(value)


def _field_of(exc: BaseException) -> str:
    """Which field failed, never its value (it may be personal data)."""
    return f"missing {exc.args[0]!r}" if isinstance(exc, KeyError) else type(exc).__name__
