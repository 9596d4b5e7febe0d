"""`kiosk demo --headless --audit --json` as a deployer runs it: a separate process, the real
window, simulated devices playing the shared demo clip, the embedded platform on loopback.

Checks the issue's contract (the JSON shape, one PNG per screen state) and its targets in both
orientations: text >= 32 px, touch targets >= 120 px, contrast >= 7:1, nothing clipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from kiosk.qt.headless_demo import audit_shortfalls
from kiosk.release import demo_clip
from screens.audit import TARGET_CONTRAST, TARGET_FONT_PX, TARGET_TOUCH_PX
from screens.states import STATES

REPO = Path(__file__).resolve().parents[2]
SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
SCREEN_KEYS = {"name", "min_font_px", "min_target_px", "min_contrast", "clipped"}
# States a good session never shows: the audit must render them all the same.
MUST_HAVE = {
    "help",
    "device_fault",
    "more_time",
    "result_not_verified",
    "result_pending",
    "print_paper_out",
}
RUN_TIMEOUT_S = 240


def demo_process(
    out: Path, size: tuple[int, int], *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`kiosk demo --headless --json` in its own process; `env` adds to this one's environment."""
    command = [sys.executable, "-m", "kiosk", "demo", "--headless", "--json"]
    command += ["--out", str(out), "--size", f"{size[0]}x{size[1]}", *extra]
    return subprocess.run(
        command,
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def run_demo(
    out: Path, size: tuple[int, int], *extra: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    done = demo_process(out, size, *extra, env=env)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"stdout is not JSON (exit {done.returncode}): {done.stdout!r} {done.stderr}")
    return done.returncode, report, done.stderr


@pytest.fixture(scope="module", params=list(SIZES))
def audited(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[tuple[int, int], Path, int, dict[str, Any]]:
    if demo_clip() is None:
        pytest.skip("the demo clip (../shared/testdata or $KIOSK_DEMO_CLIP) is not there")
    size = SIZES[request.param]
    out = tmp_path_factory.mktemp(f"demo-{request.param}")
    code, report, _err = run_demo(out, size, "--audit")
    return size, out, code, report


@pytest.mark.faces
@pytest.mark.slow
def test_the_session_passes_and_the_exit_code_says_so(audited: Any) -> None:
    size, out, code, report = audited
    assert code == 0, report
    assert report["ok"] is True and report["error"] == ""
    assert report["walk"] == "face", report["walk_reason"]
    assert report["size"] == f"{size[0]}x{size[1]}"
    assert report["receipt"] and (out / report["receipt"]).is_file()
    assert "01-idle.png" in report["session_screens"]
    assert all((out / name).is_file() for name in report["session_screens"])


@pytest.mark.faces
@pytest.mark.slow
def test_every_screen_state_is_reported_in_the_contract_shape(audited: Any) -> None:
    _size, _out, _code, report = audited
    screens = report["screens"]
    assert [screen["name"] for screen in screens] == list(STATES)
    assert len(screens) >= 10
    assert set(STATES) >= MUST_HAVE
    for screen in screens:
        assert set(screen) == SCREEN_KEYS, screen
        assert isinstance(screen["min_font_px"], int), screen
        assert isinstance(screen["min_target_px"], int), screen
        assert isinstance(screen["min_contrast"], float), screen
        assert isinstance(screen["clipped"], list), screen


@pytest.mark.faces
@pytest.mark.slow
def test_every_state_is_saved_as_a_png_at_the_panel_size(audited: Any) -> None:
    size, out, _code, report = audited
    pngs = sorted((out / "states").glob("*.png"))
    expected = [f"{i:02d}-{name}.png" for i, name in enumerate(STATES, start=1)]
    assert [png.name for png in pngs] == expected
    assert report["states_dir"] == str(out / "states")
    for png in pngs:
        image = QImage(str(png))
        assert (image.width(), image.height()) == size, png.name


@pytest.mark.faces
@pytest.mark.slow
def test_every_screen_meets_the_targets(audited: Any) -> None:
    _size, _out, _code, report = audited
    assert report["targets"] == {
        "min_font_px": TARGET_FONT_PX,
        "min_target_px": TARGET_TOUCH_PX,
        "min_contrast": TARGET_CONTRAST,
        "clipped": [],
    }
    for screen in report["screens"]:
        assert screen["min_font_px"] >= TARGET_FONT_PX, screen
        assert screen["min_target_px"] >= TARGET_TOUCH_PX, screen
        assert screen["min_contrast"] >= TARGET_CONTRAST, screen
        assert screen["clipped"] == [], screen
    assert report["shortfalls"] == {}
    assert report["targets_met"] is True


@pytest.mark.faces
@pytest.mark.slow
def test_without_audit_the_json_is_unchanged(tmp_path: Path, testdata: Path) -> None:
    code, report, _err = run_demo(tmp_path, SIZES["landscape"])
    assert code == 0, report
    assert set(report) == {
        *("ok", "error", "font", "size", "screens", "receipt", "out"),
        *("walk", "walk_reason"),
    }
    assert report["walk"] == "face"
    assert any(name.endswith("-face_capture.png") for name in report["screens"])
    assert report["screens"][0] == "01-idle.png"
    assert all((tmp_path / name).is_file() for name in report["screens"])
    assert not (tmp_path / "states").exists()


def test_shortfalls_name_each_missed_target() -> None:
    good = {"name": "ok", "min_font_px": 36, "min_target_px": 150, "min_contrast": 8.1}
    bad = {"name": "bad", "min_font_px": 20, "min_target_px": 90, "min_contrast": 4.5}
    misses = audit_shortfalls([{**good, "clipped": []}, {**bad, "clipped": ["请稍等"]}])
    assert list(misses) == ["bad"]
    assert misses["bad"] == [
        "text 20 px < 32 px",
        "touch target 90 px < 120 px",
        "contrast 4.5:1 < 7.0:1",
        "clipped: 请稍等",
    ]
