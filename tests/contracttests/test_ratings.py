"""A rating (好差评) as both sides make and check it: score, what and where, an optional
pictogram reason for a poor score, and nothing else (no personal data, no free text)."""

from __future__ import annotations

from typing import Any

import pytest

from contract.ratings import RATING_REASONS, Rating, RatingError, check_rating, rating_payload

GOOD: dict[str, Any] = {
    "service": "pension_check",
    "score": 2,
    "service_point": "示范村便民服务站",
    "terminal_id": "GD0106-017",
    "rated_at": "2026-12-04T16:16:00+08:00",
    "reason": "waited_long",
}


def test_a_rating_reads_back_and_knows_when_it_is_poor() -> None:
    rating = check_rating(dict(GOOD))
    assert rating == Rating(**GOOD) and rating.poor
    assert rating_payload(**GOOD) == GOOD
    assert not check_rating({**GOOD, "score": 3, "reason": None}).poor
    assert check_rating({k: v for k, v in GOOD.items() if k != "reason"}).reason is None
    assert set(RATING_REASONS) >= {"waited_long", "other"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": True}, "score"),
        ({"score": "5"}, "score"),
        ({"score": 4}, "reason"),  # a reason goes with a poor score only
        ({"reason": "他们态度很差 13800000000"}, "reason"),  # no free text
        ({"rated_at": "2026-12-04T16:16:00"}, "rated_at"),  # a time with its offset
        ({"terminal_id": ""}, "terminal_id"),
        ({"name": "张秀英"}, "payload"),  # nothing beyond a rating's fields
        ({"id_number": "110101195001011239"}, "payload"),
    ],
)
def test_a_wrong_rating_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(RatingError) as refused:
        check_rating({**GOOD, **change})
    assert field in str(refused.value)
    for value in change.values():
        if isinstance(value, str) and value:
            assert value not in str(refused.value)


def test_a_missing_field_is_named() -> None:
    with pytest.raises(RatingError, match=r"payload\.rated_at: missing"):
        check_rating({k: v for k, v in GOOD.items() if k != "rated_at"})
    with pytest.raises(RatingError, match="not an object"):
        check_rating(["score", 5])
