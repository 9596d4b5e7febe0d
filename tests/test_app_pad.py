"""A phone replay in front of the running kiosk, end to end: the real controller, screens and
face thread offscreen, the simulated camera playing each real phone replay of the tune data, the
real printer simulator, case store and embedded platform on loopback.

What must reach each far end: the resident sees and hears a neutral request and the way to
staff (no second try, no accusation); the printer prints the failure notice, never a
certificate (no QR code); the platform's reviewers get the case with the PAD scores per signal,
in the shape docs/case-schema.md documents.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtWidgets import QPushButton

from config import load_settings
from devices.printer.layout import QrCode
from kiosk.app import KioskRuntime
from kiosk.face.pad import SIGNALS
from kiosk.qt.headless_demo import demo_settings
from screens.texts import NOT_VERIFIED_NEXT, NOT_VERIFIED_TEXT
from tests.test_app_session import RecordingVoice, tap, wait_for, walk_to_result

pytestmark = [pytest.mark.faces, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
REPLAYS = [
    Path("videos") / "tune" / "antispoof_lestari_fake_phone_replay.mp4",
    Path("videos") / "tune" / "antispoof_zubair_fake_phone_replay.webm",
]
QR_COMMAND = b"\x1d(k"  # ESC/POS GS ( k: the printer's native QR code
MAX_ANALYSED_FRAMES = 600  # the check ends well before the clip has looped many times


@pytest.fixture(params=REPLAYS, ids=lambda path: path.name)
def replay_runtime(
    request: pytest.FixtureRequest, qtbot, tmp_path: Path, testdata: Path
) -> Iterator[KioskRuntime]:
    base = load_settings()
    base = dataclasses.replace(
        base,
        voice=dataclasses.replace(base.voice, enabled=False),
        camera=dataclasses.replace(base.camera, source=str(testdata / request.param)),
    )
    # The demo's settings for any clip: a blink challenge and a card photo taken from the clip
    # itself, so nothing but PAD stands between the replay and a certificate.
    settings, _ = demo_settings(base, tmp_path)
    rt = KioskRuntime.build(settings)
    qtbot.addWidget(rt.window)
    rt.window.setFixedSize(1920, 1080)
    rt.window.show()
    rt.start()
    yield rt
    rt.shutdown()


def test_a_phone_replay_ends_not_verified_with_no_certificate_and_pad_evidence(
    qtbot, replay_runtime: KioskRuntime
) -> None:
    rt = replay_runtime
    voice = RecordingVoice()
    rt.controller.voice = voice

    view = walk_to_result(qtbot, rt)

    # -- what the resident sees and hears ------------------------------------------------
    assert (view.outcome, view.reason) == ("not_verified", "presentation_attack"), view
    assert rt.controller.flow.session.capture_attempts == 1  # no second try offered
    screen = rt.window.current_screen()
    body = screen.body.raw_text()
    assert NOT_VERIFIED_TEXT["presentation_attack"] in body
    assert NOT_VERIFIED_NEXT in body  # the way to staff, in words
    call_staff = screen.findChild(QPushButton, "call_staff")
    assert call_staff is not None and call_staff.isVisible()  # and one tap away
    assert "face.retry" not in voice.played
    assert voice.played[-1] == "face.presentation_attack"

    # -- what the printer prints ---------------------------------------------------------
    tap(rt, "result_continue")
    wait_for(qtbot, rt, "rate")
    assert rt.jobs is not None
    [job] = rt.jobs.jobs()
    assert job.kind == "failure_notice" and not job.certificate_no
    assert not [block for block in job.receipt.blocks if isinstance(block, QrCode)]
    [printed] = (rt.data_dir / "printer").glob("*.bin")
    paper = printed.read_bytes()
    assert "认证未通过告知单".encode("gb18030") in paper
    assert "没有拍到您本人直接对着摄像头的画面。".encode("gb18030") in paper  # neutral: why
    assert "认证凭证".encode("gb18030") not in paper and QR_COMMAND not in paper

    # -- what the platform's reviewers get -----------------------------------------------
    case_id = rt.controller.flow.session.case_id
    qtbot.waitUntil(lambda: rt.store.status()["acked"] == 1, timeout=30_000)
    feed = requests.get(
        f"{rt.platform.url}/api/v1/cases", headers=rt.platform.operator_headers("feed"), timeout=10
    ).json()
    [item] = feed["items"]
    assert item["case_id"] == case_id
    payload = item["payload"]
    assert (payload["outcome"], payload["reason"]) == ("not_verified", "presentation_attack")
    assert "certificate" not in payload
    liveness = payload["liveness"]
    assert (liveness["passed"], liveness["reason"]) == (False, "presentation_attack")
    pad = liveness["pad"]
    assert pad["attack"] is True and pad["score"] >= rt.settings.face.pad.threshold
    assert pad["model"] == "fr_liveness"
    assert 0 < pad["frames"] <= MAX_ANALYSED_FRAMES
    assert set(pad["signals"]) == set(SIGNALS)
    assert all(0.0 <= score <= 1.0 for score in pad["signals"].values())
    assert pad["signals"]["model"] > 0.5  # the learned model saw the phone
    assert_documented(payload)


# -- the schema document and the payload agree ---------------------------------------------
SCHEMA = REPO / "docs" / "case-schema.md"


def documented_example() -> dict[str, Any]:
    """The `pension_check` payload example of docs/case-schema.md."""
    text = SCHEMA.read_text(encoding="utf-8")
    section = text.split("## Payload of `pension_check`", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block is not None, "no JSON example under the pension_check payload"
    example: dict[str, Any] = json.loads(block.group(1))
    return example


def documented_row(field: str) -> str:
    """The meaning column of the field's row in the payload table."""
    for line in SCHEMA.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| `{field}` |"):
            return line
    raise AssertionError(f"docs/case-schema.md has no row for {field}")


def assert_documented(payload: dict[str, Any]) -> None:
    example = documented_example()
    liveness, pad = payload["liveness"], payload["liveness"]["pad"]
    assert set(liveness) == set(example["liveness"])
    assert set(pad) == set(example["liveness"]["pad"])
    assert set(pad["signals"]) == set(example["liveness"]["pad"]["signals"])
    for name in liveness:
        assert f"`{name}`" in documented_row("liveness"), name
    for name in [*pad, *pad["signals"]]:
        assert f"`{name}`" in documented_row("liveness.pad"), name
    assert "`presentation_attack`" in documented_row("reason")


def test_the_schema_example_is_what_the_face_bridge_writes() -> None:
    """The example's liveness keys are the ones kiosk.qt.face_bridge.evidence makes."""
    from kiosk.face.liveness import ActionResult, LivenessUpdate
    from kiosk.face.pad import PadVerdict
    from kiosk.qt.face_bridge import evidence

    verdict = PadVerdict(False, 0.02, {name: 0.0 for name in SIGNALS}, 30, model="fr_liveness")
    update = LivenessUpdate(
        action=None,
        prompt=None,
        index=1,
        total=2,
        guidance_code=None,
        guidance=None,
        finished=True,
        passed=True,
        reason_code="passed",
        reason="",
        actions=(ActionResult("blink", True, 2.1), ActionResult("nod", True, 5.0)),
        restarts=0,
        pad=verdict,
    )
    made = json.loads(json.dumps(evidence(update)))
    example = documented_example()["liveness"]
    assert set(made) == set(example)
    assert set(made["pad"]) == set(example["pad"])
    assert set(made["pad"]["signals"]) == set(example["pad"]["signals"])
