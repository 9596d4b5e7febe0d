"""The self-test's runner and its platform and queue checks, against real parts: a real
uvicorn platform on loopback, real registration files and keys, a real SQLite case store."""

from __future__ import annotations

import dataclasses
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.embedded import EmbeddedPlatform
from config import load_settings
from config.settings import PlatformSettings, QueueSettings, Settings, TerminalSettings
from kiosk import release
from kiosk.face.pad.model import BACKENDS, FR_LIVENESS, MODELS_DIR, OnnxLivenessModel
from kiosk.selftest import Check, CheckFailed, run_checks
from kiosk.selftest.local import PAD_MODEL, QUEUE
from kiosk.selftest.platform import CLOCK, PLATFORM, REGISTRATION
from offline_queue.keys import load_or_create
from offline_queue.registration import register_local_terminal
from offline_queue.store import CaseStore

TERMINAL_ID = "TEST-0042"
LINK = (PLATFORM, REGISTRATION, CLOCK)


def settings_for(data_dir: Path, url: str = "", terminal_id: str = TERMINAL_ID) -> Settings:
    base = load_settings(None)
    return dataclasses.replace(
        base,
        terminal=TerminalSettings(id=terminal_id, data_dir=data_dir),
        platform=PlatformSettings(url=url, embedded=not url, timeout_s=2.0),
    )


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[EmbeddedPlatform]:
    running = EmbeddedPlatform(tmp_path / "central.sqlite3")
    running.start()
    yield running
    running.stop()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- the runner ---------------------------------------------------------------------------


def test_a_check_that_hangs_is_reported_as_not_answering(tmp_path: Path) -> None:
    release = threading.Event()
    hanging = Check("printer", lambda s: str(release.wait(30)), lambda s: 0.3, "replug it")
    started = time.monotonic()
    try:
        report = run_checks(settings_for(tmp_path), [hanging])
    finally:
        release.set()
    took = time.monotonic() - started
    (result,) = report.checks
    assert 0.25 < took < 2.0
    assert not result.ok
    assert result.required
    assert "打印机没有响应" in result.detail
    assert "did not answer within" in result.detail
    assert result.advice == "replug it"
    assert report.ok is False


def test_an_unexpected_error_is_the_parts_failure_not_a_crash(tmp_path: Path) -> None:
    def broken(settings: Settings) -> str:
        raise OSError(5, "Input/output error")

    report = run_checks(settings_for(tmp_path), [Check("camera", broken, lambda s: 2, "a")])

    (result,) = report.checks
    assert not result.ok
    assert "摄像头检查出错" in result.detail
    assert "OSError" in result.detail


def test_a_failure_marked_not_required_does_not_fail_the_report(tmp_path: Path) -> None:
    def unmeasurable(settings: Settings) -> str:
        raise CheckFailed("本机时间无法核对 / clock: cannot measure", required=False)

    report = run_checks(settings_for(tmp_path), [Check("clock", unmeasurable, lambda s: 2, "")])

    assert report.checks[0].ok is False
    assert report.checks[0].required is False
    assert report.ok is True


# --- the platform link ----------------------------------------------------------------------


def test_a_registered_terminal_with_its_platform_reachable_passes(
    platform: EmbeddedPlatform, tmp_path: Path
) -> None:
    data_dir = tmp_path / "kiosk"
    register_local_terminal(platform, data_dir, TERMINAL_ID)

    report = run_checks(settings_for(data_dir, platform.url), LINK)

    checks = {check.part: check for check in report.checks}
    assert report.ok, report
    assert checks["platform"].required is False  # a terminal works offline
    assert "reachable" in checks["platform"].detail
    assert TERMINAL_ID in checks["registration"].detail
    assert "from the platform's clock" in checks["clock"].detail


def test_an_unreachable_platform_warns_but_does_not_fail(tmp_path: Path) -> None:
    platform = EmbeddedPlatform(tmp_path / "central.sqlite3")
    platform.start()
    data_dir = tmp_path / "kiosk"
    register_local_terminal(platform, data_dir, TERMINAL_ID)
    url = platform.url
    platform.stop()

    report = run_checks(settings_for(data_dir, url), LINK)

    checks = {check.part: check for check in report.checks}
    assert not checks["platform"].ok
    assert "服务平台连接不上" in checks["platform"].detail
    assert checks["platform"].advice
    assert checks["registration"].ok
    assert not checks["clock"].ok
    assert checks["clock"].required is False
    assert report.ok is True


def test_an_unregistered_terminal_fails(platform: EmbeddedPlatform, tmp_path: Path) -> None:
    report = run_checks(settings_for(tmp_path / "fresh", platform.url), LINK)

    checks = {check.part: check for check in report.checks}
    assert not checks["registration"].ok
    assert checks["registration"].required
    assert "终端登记还没有登记" in checks["registration"].detail
    assert "kiosk register" in checks["registration"].advice
    assert report.ok is False


def test_a_registration_for_another_terminal_id_fails(
    platform: EmbeddedPlatform, tmp_path: Path
) -> None:
    data_dir = tmp_path / "kiosk"
    register_local_terminal(platform, data_dir, TERMINAL_ID)

    report = run_checks(settings_for(data_dir, platform.url, "TEST-0099"), [REGISTRATION])

    assert not report.ok
    assert f"registered as {TERMINAL_ID}, configured as TEST-0099" in report.checks[0].detail


def test_no_platform_and_no_embedded_one_fails(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        settings_for(tmp_path), platform=PlatformSettings(url="", embedded=False)
    )

    report = run_checks(settings, [PLATFORM])

    assert not report.ok
    assert "no platform.url" in report.checks[0].detail


def test_a_closed_port_is_unreachable(tmp_path: Path) -> None:
    report = run_checks(settings_for(tmp_path, closed_port_url()), [PLATFORM])

    assert not report.checks[0].ok
    assert report.checks[0].required is False


def test_a_missing_ca_bundle_is_named_and_fails(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "https://platform.example.invalid/")
    missing = tmp_path / "platform-ca.pem"
    settings = dataclasses.replace(
        settings, platform=dataclasses.replace(settings.platform, ca_bundle=str(missing))
    )

    report = run_checks(settings, [PLATFORM, CLOCK])

    checks = {check.part: check for check in report.checks}
    assert f"platform.ca_bundle {missing} does not exist" in checks["platform"].detail
    assert checks["platform"].required is True
    assert checks["clock"].required is False
    assert report.ok is False


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_depth_is_read_while_the_store_is_open(tmp_path: Path) -> None:
    data_dir = tmp_path / "kiosk"
    keys = load_or_create(data_dir)
    with CaseStore.open(data_dir / "queue.db", keys) as store:
        store.enqueue("pension_check", {"outcome": "verified"}, {})
        store.enqueue("pension_check", {"outcome": "verified"}, {})
        # The kiosk holds the writer lock: the self-test reads beside it.
        report = run_checks(settings_for(data_dir), [QUEUE])

    assert report.ok
    assert "2 waiting to send, oldest 0.0 h, 0 rejected" in report.checks[0].detail


def test_a_damaged_queue_database_fails(tmp_path: Path) -> None:
    data_dir = tmp_path / "kiosk"
    data_dir.mkdir()
    (data_dir / "queue.db").write_bytes(b"this is not a database" * 100)

    report = run_checks(settings_for(data_dir), [QUEUE])

    assert not report.ok
    assert "本机业务记录数据库打不开" in report.checks[0].detail
    assert "queue.db" in report.checks[0].advice


def test_too_little_disk_for_the_queue_reserve_fails(tmp_path: Path) -> None:
    # The reserve is configuration: ask for more than this disk has.
    settings = dataclasses.replace(settings_for(tmp_path), queue=QueueSettings(min_free_mb=100_000))
    free_mb = shutil.disk_usage(tmp_path).free // (1024 * 1024)
    if free_mb >= 200_000:
        pytest.skip("this disk has more free space than the largest reserve")

    report = run_checks(settings, [QUEUE])

    assert not report.ok
    assert "磁盘空间不足" in report.checks[0].detail


# --- what is running ------------------------------------------------------------------------


def test_the_baked_build_info_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    baked = tmp_path / "_build.json"
    baked.write_text('{"version": "0.1.0", "build": "abc1234-20261124T0800Z"}')
    monkeypatch.setattr(release, "BUILD_FILE", baked)

    assert release.version() == "0.1.0"
    assert release.build_id() == "abc1234-20261124T0800Z"


def test_a_checkout_reports_a_dev_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(release, "BUILD_FILE", tmp_path / "missing.json")

    assert release.build_id() == "dev"
    assert release.version()


def test_the_demo_clip_can_be_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00")
    monkeypatch.setenv(release.DEMO_CLIP_ENV, str(clip))
    assert release.demo_clip() == clip
    monkeypatch.setenv(release.DEMO_CLIP_ENV, str(tmp_path / "gone.mp4"))
    assert release.demo_clip() is None


# --- the presentation-attack (PAD) model ------------------------------------------------------


def test_the_pad_model_loads_and_its_sha256_is_checked(tmp_path: Path) -> None:
    [result] = run_checks(settings_for(tmp_path), [PAD_MODEL]).checks
    assert (result.part, result.ok, result.required) == ("pad_model", True, True)
    assert "fr_liveness" in result.detail and "sha256 checked" in result.detail


def altered_model_folder(tmp_path: Path) -> Path:
    """A copy of the shipped PAD model with four bytes changed."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(MODELS_DIR / FR_LIVENESS.file, folder / FR_LIVENESS.file)
    with (folder / FR_LIVENESS.file).open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02\x03")
    return folder


@pytest.mark.parametrize("damage", ["altered", "missing"])
def test_a_damaged_pad_model_fails_the_selftest_and_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    # The backend reads the real loader from another folder: the file as a damaged install
    # would leave it (changed bytes, or no file at all).
    folder = altered_model_folder(tmp_path) if damage == "altered" else tmp_path / "none"
    monkeypatch.setitem(
        BACKENDS,
        "fr_liveness",
        lambda: OnnxLivenessModel.load("fr_liveness", FR_LIVENESS, folder),
    )
    report = run_checks(settings_for(tmp_path), [PAD_MODEL])
    [result] = report.checks
    assert report.ok is False and result.required
    assert result.detail.startswith("防翻拍模型缺失或损坏 / anti-spoofing model")
    assert FR_LIVENESS.file in result.detail
    assert ("sha256" if damage == "altered" else "missing") in result.detail
    assert "install the bundle again" in result.as_dict()["advice"]


def test_pad_switched_off_in_config_is_reported_not_failed(tmp_path: Path) -> None:
    base = settings_for(tmp_path)
    face = dataclasses.replace(base.face, pad=dataclasses.replace(base.face.pad, enabled=False))
    [result] = run_checks(dataclasses.replace(base, face=face), [PAD_MODEL]).checks
    assert result.ok and "off in config" in result.detail
