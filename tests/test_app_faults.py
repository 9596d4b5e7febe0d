"""What the kiosk tells about its own faults, end to end through the real controller, screens,
technician panel and simulated devices, offscreen (as test_app_session.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import load_settings
from contract import face_templates
from kiosk.app import KioskRuntime
from kiosk.face.engine import ModelPaths
from kiosk.flow import Step
from kiosk.qt.headless_demo import demo_settings
from kiosk.selftest import run_checks
from kiosk.selftest.local import FACE_MODELS
from tests.test_app_session import _runtime_with, tap, wait_for

pytestmark = [pytest.mark.faces, pytest.mark.slow]


@pytest.fixture
def broken_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelPaths:
    """The face model files as a damaged install leaves them: there, but not dlib models.
    (The packaged files cannot be damaged in place here: their location is replaced.)"""
    folder = tmp_path / "models"
    folder.mkdir()
    paths = ModelPaths(
        landmarks68=folder / "shape_predictor_68_face_landmarks.dat",
        landmarks5=folder / "shape_predictor_5_face_landmarks.dat",
        encoder=folder / "dlib_face_recognition_resnet_model_v1.dat",
    )
    for path in (paths.landmarks68, paths.landmarks5, paths.encoder):
        path.write_bytes(b"not a model\n" * 64)
    # The engine (contract.face_templates) and the self-test both find the models here.
    monkeypatch.setattr(face_templates.ModelPaths, "from_package", classmethod(lambda _cls: paths))
    return paths


@pytest.fixture
def runtime_without_models(
    qtbot, tmp_path: Path, testdata: Path, broken_models: ModelPaths
) -> Iterator[KioskRuntime]:
    rt = _runtime_with(qtbot, tmp_path / "kiosk")
    yield rt
    rt.shutdown()


def test_face_models_that_cannot_load_reach_the_fault_screen_panel_and_self_test(
    qtbot, runtime_without_models: KioskRuntime
) -> None:
    rt = runtime_without_models
    qtbot.waitUntil(lambda: "face_models" in rt.controller.flow.faults, timeout=30_000)
    tap(rt, "service_pension_check")
    wait_for(qtbot, rt, "confirm_identity")
    tap(rt, "confirm_yes")
    wait_for(qtbot, rt, "consent")
    with qtbot.waitSignal(rt.controller.staff_called, timeout=10_000) as called:
        tap(rt, "consent_yes")
    assert called.args == ["face_models_fault"]
    view = wait_for(qtbot, rt, "device_fault")
    assert view.fault_device == "face_models"
    screen = rt.window.current_screen()
    assert "人脸识别暂时不能使用" in screen.body.raw_text()
    # Try anyway: the models are loaded once more, fail once more, and the fault comes back.
    tap(rt, "fault_retry")
    wait_for(qtbot, rt, "face_capture")
    wait_for(qtbot, rt, "device_fault")
    tap(rt, "fault_end")
    wait_for(qtbot, rt, "idle")
    # No check recorded against the resident (the staff calls it made are recorded, as calls).
    kinds = {rt.store.case_info(case_id)["kind"] for case_id in rt.store.case_ids()}
    assert kinds <= {"staff_call"}
    # The technician panel names the part; so does the self-test.
    assert rt.technician is not None
    line = rt.technician.view().devices["face_models"]
    assert (line.state, line.ok) == ("error", False)
    report = run_checks(rt.settings, (FACE_MODELS,))
    [check] = report.checks
    assert not check.ok and check.part == "face_models" and "缺失或损坏" in check.detail


@pytest.fixture
def runtime(qtbot, tmp_path: Path, testdata: Path) -> Iterator[KioskRuntime]:
    rt = _runtime_with(qtbot, tmp_path / "kiosk")
    yield rt
    rt.shutdown()


@pytest.mark.parametrize("service", ["service_reprint", "service_query"])
def test_a_store_error_during_lookup_calls_staff_and_says_nothing_untrue(
    qtbot, runtime: KioskRuntime, service: str
) -> None:
    rt = runtime
    assert rt.jobs is not None
    rt.jobs.close()  # the print-job store fails every read from now on (PrintStoreBroken)
    tap(rt, service)
    wait_for(qtbot, rt, "confirm_identity")
    with qtbot.waitSignal(rt.controller.staff_called, timeout=10_000) as called:
        tap(rt, "confirm_yes")
        view = wait_for(qtbot, rt, "help")
    assert called.args == ["lookup_failed"]
    assert view.help_reason == "lookup_failed" and view.outcome is None
    said = rt.window.current_screen().body.raw_text()
    assert "查不到" in said
    for untrue in ("已经保存", "会自动提交", "没有找到您的认证记录", "审核"):
        assert untrue not in said


def test_paper_out_reaches_the_welcome_screen_and_the_panel_without_a_print_job(
    qtbot, tmp_path: Path, testdata: Path
) -> None:
    base = load_settings()
    base = dataclasses.replace(base, voice=dataclasses.replace(base.voice, enabled=False))
    settings, _ = demo_settings(base, tmp_path)
    printer = dataclasses.replace(settings.printer, watch_interval_s=0.2)
    rt = KioskRuntime.build(dataclasses.replace(settings, printer=printer))
    qtbot.addWidget(rt.window)
    rt.window.setFixedSize(1920, 1080)
    rt.window.show()
    rt.start()
    try:
        welcome = rt.window.screens[Step.IDLE]
        assert not welcome.status.isVisibleTo(rt.window)
        with qtbot.waitSignal(rt.controller.staff_called, timeout=10_000) as called:
            rt.controller.printer.printer.set_fault("paper_out")  # type: ignore[attr-defined]
        assert called.args == ["printer_fault"]
        qtbot.waitUntil(lambda: welcome.status.isVisibleTo(rt.window), timeout=10_000)
        assert "打印机暂时不能打印" in welcome.status.raw_text()
        assert rt.technician is not None
        assert rt.technician.view().devices["printer"].state == "paper_out"
        assert rt.jobs is not None and rt.jobs.jobs() == []  # nobody printed anything
        rt.controller.printer.printer.set_fault("none")  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: not welcome.status.isVisibleTo(rt.window), timeout=10_000)
        assert rt.technician.view().devices["printer"].state == "ready"
    finally:
        rt.shutdown()
