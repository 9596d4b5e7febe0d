"""`kiosk selftest` end to end: real simulated devices, real face models, the real embedded
platform; faults injected only through the terminal file, as a technician would see them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main
from kiosk.face.demo_clip import DEMO_CLIP
from selftests.conftest import WriteConfig

pytestmark = [pytest.mark.faces, pytest.mark.slow]

PARTS = [
    "config",
    "card_reader",
    "camera",
    "printer",
    "face_models",
    "pad_model",
    "queue",
    "answers",
    "platform",
    "registration",
    "clock",
]
CHECK_KEYS = {"part", "ok", "required", "detail", "advice"}


def selftest_json(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any], str]:
    code = main(["selftest", "--config", str(config), "--json"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def by_part(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["part"]: check for check in report["checks"]}


def test_default_configuration_with_simulated_devices_is_fine(
    write_config: WriteConfig, testdata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No camera.source: the simulated camera plays the demo clip from the shared test data.
    code, report, err = selftest_json(write_config(), capsys)

    assert code == 0, report
    assert set(report) == {"ok", "checks", "version", "build"}
    assert report["ok"] is True
    assert [check["part"] for check in report["checks"]] == PARTS
    for check in report["checks"]:
        assert set(check) == CHECK_KEYS
        assert check["ok"] is True, check
        assert check["advice"] == ""
    assert DEMO_CLIP.name in by_part(report)["camera"]["detail"]
    assert report["version"]
    assert err == ""


@pytest.mark.parametrize(
    ("extra", "part", "words"),
    [
        ('[card_reader.simulated]\nfault = "unplugged"\n', "card_reader", "读卡器"),
        ('[printer]\nfault = "offline"\n', "printer", "打印机"),
        ('[printer]\nfault = "paper_out"\n', "printer", "缺纸"),
        ('[camera]\nsource = "/nonexistent/clip.mp4"\n', "camera", "摄像头"),
    ],
    ids=["reader-unplugged", "printer-offline", "printer-paper-out", "camera-no-source"],
)
def test_an_injected_fault_fails_its_part_and_the_command(
    write_config: WriteConfig,
    testdata: Path,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    part: str,
    words: str,
) -> None:
    code, report, err = selftest_json(write_config(extra), capsys)

    assert code == 3
    assert report["ok"] is False
    failed = [check for check in report["checks"] if not check["ok"]]
    assert [check["part"] for check in failed] == [part]
    assert failed[0]["required"] is True
    assert words in failed[0]["detail"]
    assert failed[0]["advice"]
    assert f"FAILED {failed[0]['detail']}" in err


def test_text_output_names_the_faulty_part_and_what_to_do(
    write_config: WriteConfig, testdata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config('[card_reader.simulated]\nfault = "pcscd_gone"\n')

    code = main(["selftest", "--config", str(config)])

    out = capsys.readouterr().out
    assert code == 3
    fail_lines = [line for line in out.splitlines() if line.startswith("[FAIL]")]
    assert len(fail_lines) == 1
    assert "读卡器" in fail_lines[0]
    assert "card reader" in fail_lines[0]
    assert "pcscd" in out.split(fail_lines[0])[1].splitlines()[1]  # the advice line under it
    assert out.rstrip().endswith("有故障 / FAULTS FOUND")


def test_an_invalid_configuration_exits_2_and_checks_nothing_else(
    write_config: WriteConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = selftest_json(write_config('[camera]\nbackend = "webcam"\n'), capsys)

    assert code == 2
    checks = by_part(report)
    assert list(checks) == PARTS
    assert checks["config"]["ok"] is False
    assert "camera.backend" in checks["config"]["detail"]
    assert all("not checked" in checks[part]["detail"] for part in PARTS[1:])


def test_without_the_demo_clip_the_simulated_camera_shows_a_drawn_stand_in(
    write_config: WriteConfig, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bundle built outside the checkout, or a fresh clone: no clip anywhere. The headless
    # demo falls back to the drawn stand-in; the self-test does the same, and passes.
    monkeypatch.setenv("KIOSK_DEMO_CLIP", "/nonexistent/clip.webm")
    code, report, _err = selftest_json(write_config(), capsys)
    assert code == 0, report
    camera = by_part(report)["camera"]
    assert camera["ok"] is True and "drawn stand-in" in camera["detail"]
    assert "640x480" in camera["detail"]
