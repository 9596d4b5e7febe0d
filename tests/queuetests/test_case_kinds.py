"""Each case kind's payload checked at ingest on a real `kiosk-central serve`: a pension check
whose fields the platform acts on are of the wrong type is rejected naming the field (never
the value), the others in its batch are stored; an unknown kind is carried as it is."""

from __future__ import annotations

from pathlib import Path

from tests.queuetests.decide_helpers import OPERATOR_ENV, RESIDENT_A, enrol, follow_feed
from tests.queuetests.platform_proc import serving

SECRET = "110101195001011234-SECRET"


def test_pension_checks_are_checked_by_kind(tmp_path: Path, platform_db: str) -> None:
    db = platform_db
    with serving(db, env=OPERATOR_ENV) as url:
        kiosk = enrol(db, url, tmp_path / "k", "GD0106-017")
        good = kiosk.case({"service": "pension_check", "outcome": "verified", "extra": 1})
        bad = [
            kiosk.case({"outcome": "probably"}),
            kiosk.case({"outcome": "pending", "resident": {"id_number": SECRET}}),
            kiosk.case({"outcome": "pending", "liveness": {"passed": "yes"}}),
            kiosk.case({"outcome": "pending", "assisted_by": 7}),
        ]
        other = kiosk.case({"anything": [1, 2]}, kind="social_assistance_check")
        unmarked = kiosk.case({"n": 0.5})  # no outcome: stored, nothing to decide
        results = kiosk.send(good, *bad, other, unmarked)
        statuses = [r["status"] for r in results]
        assert statuses == ["accepted", *["rejected"] * 4, "accepted", "accepted"]
        reasons = [r["reason"] for r in results[1:5]]
        for reason, field in zip(
            reasons, ("outcome", "resident.id_number", "liveness.passed", "assisted_by"),
            strict=True,
        ):  # fmt: skip
            assert f"payload.{field}" in reason and SECRET not in reason
        items, _ = follow_feed(url)
        states = {i["case_id"]: i["state"] for i in items}
        assert states == {
            good["case_id"]: "terminal_decided",
            other["case_id"]: None,
            unmarked["case_id"]: None,
        }
        assert RESIDENT_A not in str(results)
