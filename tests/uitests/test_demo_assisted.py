"""`kiosk demo --headless` on a machine without the shared demo clip (a fresh clone: the clips
may not be redistributed): a separate process, the real window offscreen, simulated devices,
the embedded platform on loopback. It walks the staff-assisted check (consent declined, staff
PIN, pending) instead of the face check, and still saves every screen and the receipt.

$KIOSK_DEMO_CLIP names a file that does not exist, so `demo_clip()` finds nothing whether or
not ../shared is next to the checkout. No face data is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from central.db import PlatformDB
from config import load_settings
from offline_queue.keys import load_or_create
from offline_queue.runtime import open_store
from screens.states import STATES
from tests.uitests.test_demo_audit import SIZES, demo_process, run_demo

pytestmark = pytest.mark.slow

# The assisted walk's screens, in this order (the machine's own screens may come between).
ASSISTED_STEPS = ["idle", "confirm_identity", "consent", "help", "result", "print", "rate"]
ASSISTED_STEPS += ["thanks"]
SUMMARY_KEYS = {"ok", "error", "font", "size", "screens", "receipt", "out", "walk", "walk_reason"}


@pytest.fixture
def no_clip(tmp_path: Path) -> dict[str, str]:
    return {"KIOSK_DEMO_CLIP": str(tmp_path / "no-such-clip.mp4")}


def step_of(png: str) -> str:
    """ "07-result.png" -> "result"."""
    return png.removesuffix(".png").split("-", 1)[1]


def in_order(wanted: list[str], seen: list[str]) -> bool:
    remaining = iter(seen)
    return all(step in remaining for step in wanted)


def recorded_payloads(data_dir: Path, kind: str = "pension_check") -> list[dict[str, Any]]:
    """Every case of `kind` the demo recorded: from the embedded platform when it got there,
    else from the terminal's queue (an acked case keeps no personal data on the terminal)."""
    platform = PlatformDB(data_dir / "central.db")
    try:
        items, _cursor = platform.feed(0, 100)
    finally:
        platform.close()
    payloads = {item["case_id"]: (item["kind"], item["payload"]) for item in items}
    store = open_store(load_settings(), load_or_create(data_dir), data_dir)
    try:
        for case_id in store.case_ids("pending", "sending", "rejected"):
            envelope = store.envelope(case_id)
            payloads.setdefault(case_id, (envelope["kind"], envelope["payload"]))
        assert set(store.case_ids()) == set(payloads)  # nothing recorded went missing
    finally:
        store.close()
    return [payload for of_kind, payload in payloads.values() if of_kind == kind]


def test_without_a_clip_the_demo_walks_an_assisted_check(
    tmp_path: Path, no_clip: dict[str, str]
) -> None:
    out = tmp_path / "demo"
    code, report, err = run_demo(out, SIZES["landscape"], env=no_clip)
    assert code == 0, (report, err)
    assert set(report) == SUMMARY_KEYS
    assert report["ok"] is True and report["error"] == ""
    assert report["walk"] == "assisted"
    assert report["walk_reason"].startswith("no demo clip found: ")
    assert no_clip["KIOSK_DEMO_CLIP"] in report["walk_reason"]
    assert f"kiosk demo: assisted walk ({report['walk_reason']})" in err.splitlines()

    steps = [step_of(name) for name in report["screens"]]
    assert in_order(ASSISTED_STEPS, steps), steps
    assert "face_capture" not in steps
    for name in [*report["screens"], report["receipt"]]:
        image = QImage(str(out / name))
        assert (image.width(), image.height()) != (0, 0), name
    assert report["receipt"] == f"{len(steps) + 1:02d}-receipt.png"

    [payload] = recorded_payloads(out / "data")
    assert (payload["outcome"], payload["reason"]) == ("pending", "assisted_without_face")
    # The staff call the declined photo made: open, then answered by the staff PIN.
    calls = recorded_payloads(out / "data", "staff_call")
    assert [(c["reason"], c["outcome"]) for c in calls] == [
        ("consent_declined", "open"),
        ("consent_declined", "answered"),
    ]
    assert payload["assisted_by"] == "staff"
    assert payload["liveness"] is None and payload["match"] == {}


def test_the_assisted_walk_keeps_the_audit(tmp_path: Path, no_clip: dict[str, str]) -> None:
    out = tmp_path / "demo"
    code, report, err = run_demo(out, SIZES["portrait"], "--audit", env=no_clip)
    assert code == 0, (report, err)
    assert report["ok"] is True and report["walk"] == "assisted"
    assert [screen["name"] for screen in report["screens"]] == list(STATES)
    assert in_order(ASSISTED_STEPS, [step_of(name) for name in report["session_screens"]])
    assert report["receipt"] and (out / report["receipt"]).is_file()
    pngs = sorted(path.name for path in (out / "states").glob("*.png"))
    assert pngs == [f"{i:02d}-{name}.png" for i, name in enumerate(STATES, start=1)]


def test_a_configured_camera_source_that_is_missing_is_still_an_error(
    tmp_path: Path, no_clip: dict[str, str]
) -> None:
    missing = tmp_path / "not-here.mp4"
    config = tmp_path / "terminal.toml"
    config.write_text(f'[camera]\nsource = "{missing}"\n', encoding="utf-8")
    done = demo_process(tmp_path / "demo", SIZES["landscape"], "--config", str(config), env=no_clip)
    assert done.returncode == 3, done.stderr
    assert done.stdout == ""
    assert f"kiosk demo: demo camera clip not found: {missing} (set camera.source)" in (
        done.stderr.splitlines()
    )
    assert not list((tmp_path / "demo").glob("*.png"))
