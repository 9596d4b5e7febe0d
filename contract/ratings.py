"""好差评: the resident's rating of one service, recorded as its own case kind ("rating").

A rating travels like a case (signed by the terminal, through the outbox) with no attachment
and no personal data: the score, what was rated and where, and for a poor rating an optional
reason the resident picked from a few pictograms.

    payload = rating_payload(score=2, service="pension_check", service_point="示范村便民服务站",
                             terminal_id="GD0106-017", rated_at=now_utc_iso, reason="waited_long")
    check_rating(payload)            # what the platform checks at ingest (RatingError)

Scores: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意 (the national 好差评 scale).
A score of 1 or 2 is poor: the platform opens a follow-up (回访) for it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from contract.errors import ContractError
from contract.record_fields import aware_time, printable_text, record_from

RATING_KIND = "rating"
POOR_AT_MOST = 2
MIN_SCORE, MAX_SCORE = 1, 5
# The pictograms a resident may pick after a poor rating (and nothing else: no free text,
# which could carry personal data).
RATING_REASONS = (
    "waited_long",  # 等待时间长
    "hard_to_use",  # 操作太难
    "not_done",  # 事情没办成
    "staff_attitude",  # 工作人员态度不好
    "other",  # 其他
)
PAYLOAD_FIELDS = frozenset(
    {"service", "score", "service_point", "terminal_id", "rated_at", "reason"}
)


OPTIONAL_FIELDS = frozenset({"reason"})


class RatingError(ContractError):
    """A rating payload that is malformed (the message names the field, never the value)."""


@dataclass(frozen=True)
class Rating:
    service: str
    score: int
    service_point: str
    terminal_id: str
    rated_at: str  # ISO 8601 with its offset
    reason: str | None = None  # one of RATING_REASONS, only with a poor score

    def __post_init__(self) -> None:
        _require(printable_text(self.service, 64), "service")
        _require(type(self.score) is int and MIN_SCORE <= self.score <= MAX_SCORE, "score")
        _require(printable_text(self.service_point, 64, allow_empty=True), "service_point")
        _require(printable_text(self.terminal_id, 64), "terminal_id")
        _require(aware_time(self.rated_at) is not None, "rated_at")
        _require(self.reason is None or self.reason in RATING_REASONS, "reason")
        _require(self.reason is None or self.poor, "reason")

    @property
    def poor(self) -> bool:
        return self.score <= POOR_AT_MOST

    def payload(self) -> dict[str, Any]:
        return asdict(self)


def rating_payload(**fields: Any) -> dict[str, Any]:
    """A checked rating payload (RatingError when a field is wrong)."""
    return Rating(**fields).payload()


def check_rating(payload: Any) -> Rating:
    """The rating in a case payload; RatingError names the first field that is wrong."""
    return record_from(payload, Rating, PAYLOAD_FIELDS, OPTIONAL_FIELDS, RatingError, "rating")


def _require(condition: bool, field_name: str) -> None:
    if not condition:
        raise RatingError(f"payload.{field_name}: invalid")
