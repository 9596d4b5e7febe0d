"""Decisions, standings and rosters the platform signs: what the terminal may trust, and the
documents it must refuse (unsigned, tampered, foreign, malformed, an answer to another
question)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contract.decisions import (
    DecidedBy,
    Decision,
    DecisionError,
    Reason,
    ResidentStanding,
    Standing,
    Verdict,
    read_decision,
    read_roster,
    read_standing,
    sign_decision,
    sign_roster,
    sign_standing,
)
from contract.ids import uuid7
from contract.wire import sign_platform_document

PLATFORM = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
NONCE = "5f1e0c2a9b7d4e3f8a6c1b0d2e4f6a8c"


def decision(**change: Any) -> Decision:
    fields: dict[str, Any] = {
        "case_id": uuid7(),
        "terminal_id": "GD-440106-001",
        "verdict": Verdict.VERIFIED,
        "reason": Reason.FACE_MATCH,
        "decided_at": "2026-12-04T08:16:00+00:00",
        "decided_by": DecidedBy.AUTO,
        "distance": 0.31,
        "threshold": 0.51,
    }
    fields.update(change)
    return Decision(**fields)


def test_a_signed_decision_reads_back_whole() -> None:
    made = decision()
    assert read_decision(sign_decision(PLATFORM, made), PLATFORM.public_key()) == made


def test_a_review_rejection_reads_back() -> None:
    made = decision(
        verdict=Verdict.NOT_VERIFIED,
        reason=Reason.IDENTITY_UNCONFIRMED,
        decided_by=DecidedBy.REVIEW,
        distance=None,
        threshold=None,
        test=True,
    )
    assert read_decision(sign_decision(PLATFORM, made), PLATFORM.public_key()) == made


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(verdict="not_verified"),  # changed after signing
        lambda d: d.update(signature=d["signature"][:-4] + "AAAA"),
        lambda d: d.pop("signature"),
        lambda d: d.update(format="kiosk-receipt/1"),
    ],
)
def test_a_changed_or_unsigned_decision_is_refused(damage: Any) -> None:
    document = sign_decision(PLATFORM, decision())
    damage(document)
    with pytest.raises(DecisionError):
        read_decision(document, PLATFORM.public_key())


def test_a_decision_signed_by_another_key_is_refused() -> None:
    with pytest.raises(DecisionError, match="signature"):
        read_decision(sign_decision(OTHER, decision()), PLATFORM.public_key())


@pytest.mark.parametrize(
    "change",
    [
        {"case_id": "not-a-uuid"},
        {"reason": Reason.FACE_MISMATCH},  # a rejection's reason on a verified decision
        {"decided_at": "2026-12-04T16:16:00+08:00"},  # not UTC
        {"distance": -1.0},
        {"terminal_id": ""},
    ],
)
def test_a_malformed_decision_cannot_be_made(change: dict[str, Any]) -> None:
    with pytest.raises(DecisionError, match="invalid"):
        decision(**change)


def test_a_malformed_signed_decision_is_refused_without_quoting_it() -> None:
    body = decision().body()
    body["verdict"] = "maybe 110101195001011239"
    document = sign_platform_document(PLATFORM, body)
    with pytest.raises(DecisionError) as refused:
        read_decision(document, PLATFORM.public_key())
    assert "110101195001011239" not in str(refused.value)


def PLATFORM_SIGN(body: dict[str, Any]) -> dict[str, Any]:
    from contract.wire import sign_platform_document

    return sign_platform_document(PLATFORM, body)


def test_a_standing_answers_only_the_request_it_names() -> None:
    standing = ResidentStanding(
        nonce=NONCE,
        standing=Standing.VERIFIED,
        period="2026",
        valid_until="2027-03-31",
        verified_at="2026-12-04T08:16:00+00:00",
        channel="kiosk",
        reason=Reason.REVIEWER_APPROVED,
        decision=decision(reason=Reason.REVIEWER_APPROVED, decided_by=DecidedBy.REVIEW),
    )
    document = sign_standing(PLATFORM, standing)
    assert read_standing(document, PLATFORM.public_key(), NONCE) == standing
    with pytest.raises(DecisionError, match="another request"):
        read_standing(document, PLATFORM.public_key(), "0" * 32)


def test_a_standing_whose_decision_is_foreign_is_refused() -> None:
    standing = ResidentStanding(nonce=NONCE, standing=Standing.PENDING, period="2026")
    document = sign_standing(PLATFORM, standing)
    tampered = copy.deepcopy(document)
    tampered["decision"] = sign_decision(OTHER, decision())
    with pytest.raises(DecisionError):
        read_standing(tampered, PLATFORM.public_key(), NONCE)


def test_a_refused_standing_says_why() -> None:
    with pytest.raises(DecisionError, match="reason"):
        ResidentStanding(nonce=NONCE, standing=Standing.NOT_VERIFIED, period="2026")


def test_a_roster_is_read_only_by_the_terminal_it_was_made_for() -> None:
    roster = {"format": "kiosk-face-roster", "version": 1, "templates": {"ab": [0.0] * 128}}
    document = sign_roster(
        PLATFORM, terminal_id="GD-1", issued_at="2026-12-04T00:00:00+00:00", roster=roster
    )
    issued, read = read_roster(document, PLATFORM.public_key(), "GD-1")
    assert (issued, read) == ("2026-12-04T00:00:00+00:00", roster)
    with pytest.raises(DecisionError, match="another terminal"):
        read_roster(document, PLATFORM.public_key(), "GD-2")
    with pytest.raises(DecisionError, match="signature"):
        read_roster(document, OTHER.public_key(), "GD-1")
