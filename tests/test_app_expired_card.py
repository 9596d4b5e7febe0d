"""An expired card end to end: the simulated reader places a card whose validity ended in
2020; the real controller, screens, face check, case store and platform do the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.test_app_session import _runtime_with, tap, wait_for, walk_to_result
from tests.test_case_schema import schema_problems

pytestmark = [pytest.mark.faces, pytest.mark.slow]


def test_an_expired_card_is_checked_as_usual_recorded_and_the_resident_told(
    qtbot, tmp_path: Path, testdata: Path
) -> None:
    rt = _runtime_with(qtbot, tmp_path, valid_to="2020-06-30")
    try:
        view = walk_to_result(qtbot, rt)
        assert view.outcome == "verified" and view.card_expired  # the face decides
        status = rt.window.current_screen().status
        assert status.isVisibleTo(rt.window) and "证件已过期" in status.raw_text()
        # Passed on to whoever decides: the platform's pull feed has it.
        case_id = rt.controller.flow.session.case_id
        qtbot.waitUntil(lambda: rt.store.status()["acked"] == 1, timeout=30_000)
        feed = requests.get(
            f"{rt.platform.url}/api/v1/cases",
            headers=rt.platform.operator_headers("feed"),
            timeout=10,
        ).json()
        [item] = [item for item in feed["items"] if item["case_id"] == case_id]
        resident = item["payload"]["resident"]
        assert (resident["card_valid_to"], resident["card_expired"]) == ("2020-06-30", True)
        assert schema_problems(item["payload"]) == []
        tap(rt, "result_continue")
        wait_for(qtbot, rt, "rate")
    finally:
        rt.shutdown()
