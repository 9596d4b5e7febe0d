"""End to end through the real controller, screens and simulated devices, offscreen.

Waits on the controller's signals (pytest-qt), never sleeps. Uses the real demo clip and a
card photo taken from it, a real embedded central platform on loopback and real SQLite files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from config import load_settings
from contract.certificates import token_in, verify_token
from devices.printer.layout import KeyValue, QrCode
from kiosk.app import KioskRuntime
from kiosk.flow import commands as cmd
from kiosk.flow.view import StepView
from kiosk.qt.headless_demo import demo_settings
from kiosk.technician.pin import hash_pin
from tests.test_case_schema import schema_problems

pytestmark = [pytest.mark.faces, pytest.mark.slow]


@pytest.fixture
def runtime(qtbot, tmp_path: Path, testdata: Path) -> Iterator[KioskRuntime]:
    rt = _runtime_with(qtbot, tmp_path)
    yield rt
    rt.shutdown()


def walk_to_consent(qtbot, rt: KioskRuntime) -> None:
    """Choose the pension check and confirm the card the simulated reader placed."""
    tap(rt, "service_pension_check")
    view = wait_for(qtbot, rt, "confirm_identity")
    assert view.masked_name == "张*英"
    tap(rt, "confirm_yes")
    wait_for(qtbot, rt, "consent")


def walk_to_result(qtbot, rt: KioskRuntime) -> StepView:
    """Consent too; the simulated camera does the rest."""
    walk_to_consent(qtbot, rt)
    tap(rt, "consent_yes")
    return wait_for(qtbot, rt, "result", timeout_ms=90_000)


def tap(rt: KioskRuntime, name: str) -> None:
    button = rt.window.current_screen().findChild(QPushButton, name)
    assert button is not None, f"no {name} on {rt.window.current_screen().step}"
    button.click()


def wait_for(qtbot, rt: KioskRuntime, step: str, timeout_ms: int = 60_000) -> StepView:
    seen: list[StepView] = []

    def reached(shown: str, view: StepView) -> bool:
        if shown == step:
            seen.append(view)
            return True
        return False

    if str(rt.controller.flow.step) == step:
        return rt.controller.flow.view()
    qtbot.waitSignal(rt.controller.screen_shown, timeout=timeout_ms, check_params_cb=reached).wait()
    return seen[-1]


def test_verified_check_prints_a_certificate_and_records_the_case(qtbot, runtime) -> None:
    rt = runtime
    view = walk_to_result(qtbot, rt)
    assert view.outcome == "verified", view
    assert view.match.distance <= view.match.threshold
    tap(rt, "result_continue")
    wait_for(qtbot, rt, "rate")
    printed = list((rt.data_dir / "printer").glob("*.bin"))
    assert len(printed) == 1
    assert b"\x1c&" in printed[0].read_bytes()  # Chinese printed in GB18030 mode
    case_id = rt.controller.flow.session.case_id
    # The sync worker was woken by the new case: it reaches the embedded platform's pull feed.
    qtbot.waitUntil(lambda: rt.store.status()["acked"] == 1, timeout=30_000)
    feed = requests.get(
        f"{rt.platform.url}/api/v1/cases", headers=rt.platform.operator_headers("feed"), timeout=10
    ).json()
    assert [item["case_id"] for item in feed["items"]] == [case_id]
    # The case as recorded (real liveness evidence, real match) is what the schema publishes.
    assert schema_problems(feed["items"][0]["payload"]) == []
    # The printed QR token verifies offline with the terminal's key and on the platform's page.
    assert rt.jobs is not None
    [job] = rt.jobs.jobs()
    [link] = [b.data for b in job.receipt.blocks if isinstance(b, QrCode)]
    assert link.startswith(f"{rt.platform.url}/verify/")  # a phone's scanner opens the page
    token = token_in(link)
    offline = verify_token(token, {rt.keys.key_id: rt.keys.public_key})
    assert offline.valid, offline.reason
    online = requests.get(f"{rt.platform.url}/api/v1/verify/{token}", timeout=10).json()
    assert online["valid"] is True
    assert online["fields"]["certificate_no"] == job.certificate_no
    tap(rt, "rate_5")
    wait_for(qtbot, rt, "thanks")
    tap(rt, "thanks_done")
    wait_for(qtbot, rt, "idle")
    assert rt.controller.flow.session.resident is None


def test_paper_out_keeps_the_job_and_calls_staff(qtbot, runtime) -> None:
    rt = runtime
    rt.controller.printer.printer.set_fault("paper_out")  # type: ignore[attr-defined]
    walk_to_result(qtbot, rt)
    with qtbot.waitSignal(rt.controller.staff_called, timeout=10_000) as blocker:
        tap(rt, "result_continue")
    assert blocker.args == ["printer_paper_out"]
    assert rt.controller.flow.view().print_failed == "paper_out"
    rt.controller.printer.printer.set_fault("none")  # type: ignore[attr-defined]
    tap(rt, "print_retry")
    wait_for(qtbot, rt, "rate")


def test_card_reader_unplugged_shows_the_fault_and_recovers(qtbot, tmp_path: Path) -> None:
    # The simulated resident waits long before placing the card: on a loaded machine the
    # default one-second placement could beat the unplug and move the flow past read_card.
    rt = _runtime_with(qtbot, tmp_path, insert_after_s=60.0)
    try:
        reader = rt.controller.card.reader
        tap(rt, "service_pension_check")
        wait_for(qtbot, rt, "read_card")
        reader.set_fault("unplugged")  # type: ignore[attr-defined]
        view = wait_for(qtbot, rt, "device_fault")
        assert view.fault_device == "card_reader"
        reader.set_fault("none")  # type: ignore[attr-defined]
        wait_for(qtbot, rt, "read_card")
    finally:
        rt.shutdown()


def test_consent_declined_goes_to_staff_and_pin_unlocks_assisted(qtbot, runtime) -> None:
    rt = runtime
    walk_to_consent(qtbot, rt)
    tap(rt, "consent_no")
    wait_for(qtbot, rt, "help")
    tap(rt, "staff_unlock")
    for digit in "246810":
        tap(rt, f"pin_{digit}")
    tap(rt, "pin_ok")
    view = wait_for(qtbot, rt, "result")
    assert view.outcome == "pending"
    assert rt.controller.flow.session.assisted_by == "staff"


def _verified_check(qtbot, rt: KioskRuntime) -> None:
    walk_to_result(qtbot, rt)
    tap(rt, "result_continue")
    wait_for(qtbot, rt, "rate")
    tap(rt, "rate_skip")
    wait_for(qtbot, rt, "thanks")
    tap(rt, "thanks_done")
    wait_for(qtbot, rt, "idle")


def test_reprint_and_query_find_the_last_certificate(qtbot, runtime) -> None:
    rt = runtime
    tap(rt, "service_reprint")
    wait_for(qtbot, rt, "confirm_identity")
    tap(rt, "confirm_yes")
    view = wait_for(qtbot, rt, "result")
    assert view.outcome == "not_found"  # nothing printed for this card yet
    tap(rt, "result_continue")
    wait_for(qtbot, rt, "rate")
    tap(rt, "rate_skip")
    wait_for(qtbot, rt, "thanks")
    tap(rt, "thanks_done")
    wait_for(qtbot, rt, "idle")

    _verified_check(qtbot, rt)
    assert rt.jobs is not None
    [job] = rt.jobs.jobs()
    assert (job.kind, job.state, job.attempts) == ("certificate", "printed", 1)

    tap(rt, "service_reprint")
    wait_for(qtbot, rt, "confirm_identity")
    tap(rt, "confirm_yes")
    wait_for(qtbot, rt, "rate")  # reprinted without a new check
    reprinted = rt.jobs.get(job.job_id)
    assert reprinted is not None and reprinted.attempts == 2
    tap(rt, "rate_skip")
    wait_for(qtbot, rt, "thanks")
    tap(rt, "thanks_done")
    wait_for(qtbot, rt, "idle")

    # The check reached the embedded platform: 查询认证结果 asks it (a signed standing).
    qtbot.waitUntil(lambda: rt.store.status()["acked"] == 1, timeout=30_000)
    tap(rt, "service_query")
    wait_for(qtbot, rt, "confirm_identity")
    tap(rt, "confirm_yes")
    view = wait_for(qtbot, rt, "result")
    assert (view.outcome, view.answered_by, view.channel) == ("verified", "platform", "kiosk")
    # the date the certificate printed, read back from its signed token
    printed = [
        b.value for b in job.receipt.blocks if isinstance(b, KeyValue) and b.key == "有效期至"
    ]
    assert [view.valid_until] == printed
    tap(rt, "query_print")  # the certificate, there and then, at the check's own time
    wait_for(qtbot, rt, "rate")
    newest = rt.jobs.jobs()[0]
    assert (newest.kind, newest.state) == ("certificate", "printed")
    assert newest.job_id != job.job_id
    tap(rt, "rate_2")
    wait_for(qtbot, rt, "rate_reason")
    tap(rt, "why_waited_long")
    wait_for(qtbot, rt, "thanks")
    qtbot.waitUntil(lambda: rt.store.status()["acked"] == 2, timeout=30_000)  # the rating


def _runtime_with(
    qtbot, tmp_path: Path, staff: tuple[str, ...] = (), **card: object
) -> KioskRuntime:
    """A started runtime on the demo settings; `card` overrides the simulated card's fields,
    `staff` lists the staff's own PINs ("number:pin_hash")."""
    base = load_settings()
    base = dataclasses.replace(base, voice=dataclasses.replace(base.voice, enabled=False))
    if staff:
        base = dataclasses.replace(
            base, technician=dataclasses.replace(base.technician, staff=staff)
        )
    settings, _ = demo_settings(base, tmp_path)
    simulated = dataclasses.replace(settings.card_reader.simulated, **card)  # type: ignore[arg-type]
    settings = dataclasses.replace(
        settings, card_reader=dataclasses.replace(settings.card_reader, simulated=simulated)
    )
    rt = KioskRuntime.build(settings)
    qtbot.addWidget(rt.window)
    rt.window.setFixedSize(1920, 1080)
    rt.window.show()
    rt.start()
    return rt


def test_someone_else_on_the_card_is_not_verified(qtbot, tmp_path: Path, testdata: Path) -> None:
    other = testdata / "faces" / "tune" / "jeff_bezos" / "1.jpg"
    rt = _runtime_with(qtbot, tmp_path, photo=str(other))
    try:
        view = walk_to_result(qtbot, rt)
        assert view.outcome == "not_verified", view
        assert view.reason == "face_mismatch"
        assert view.match.distance > view.match.threshold
        tap(rt, "result_continue")
        wait_for(qtbot, rt, "rate")
        assert rt.jobs is not None
        assert [job.kind for job in rt.jobs.jobs()] == ["failure_notice"]
    finally:
        rt.shutdown()


def test_nothing_reaches_the_flow_or_the_window_after_shutdown(qtbot, tmp_path: Path) -> None:
    # A flow timer started again after shutdown once fired during a later test, on a window
    # that test's teardown had deleted ("Internal C++ object already deleted", seen once in
    # CI). Once shut down, the controller drops timers and device signals alike.
    rt = _runtime_with(qtbot, tmp_path)
    try:
        walk_to_consent(qtbot, rt)
    finally:
        rt.shutdown()
    step, shown = rt.controller.flow.step, []
    rt.controller.screen_shown.connect(lambda name, _view: shown.append(name))
    rt.controller.timers.expired.emit(cmd.IDLE_TIMER)  # as a timer started again would
    rt.controller.records.lookup_failed.emit("late")  # as a worker's queued signal would
    qtbot.wait(50)
    assert (rt.controller.flow.step, shown) == (step, [])
    assert not rt.controller.timers.active(cmd.IDLE_TIMER)


def test_no_reference_face_reachable_is_pending(qtbot, tmp_path: Path, testdata: Path) -> None:
    # A card without a decodable photo, and a platform with no reference face for it.
    rt = _runtime_with(qtbot, tmp_path, photo="")
    try:
        view = walk_to_result(qtbot, rt)
        assert view.outcome == "pending", view
        tap(rt, "result_continue")
        wait_for(qtbot, rt, "rate")
        assert rt.jobs is not None
        assert [job.kind for job in rt.jobs.jobs()] == ["pending_slip"]
    finally:
        rt.shutdown()


def test_platform_link_down_is_pending_and_the_case_is_kept(
    qtbot, tmp_path: Path, testdata: Path
) -> None:
    # A card without a decodable photo: the reference face must come from the platform, and
    # the platform is down (stopped: its port refuses) when the check is matched.
    rt = _runtime_with(qtbot, tmp_path, photo="")
    try:
        rt.platform.stop()
        view = walk_to_result(qtbot, rt)
        assert (view.outcome, view.reason) == ("pending", "platform_unreachable"), view
        # When and where to ask: the configured service point, the date the slip prints.
        body = rt.window.current_screen().body.raw_text()
        assert view.around.check_after in body
        assert rt.settings.terminal.service_point in body
        tap(rt, "result_continue")
        wait_for(qtbot, rt, "rate")
        assert rt.jobs is not None
        assert [job.kind for job in rt.jobs.jobs()] == ["pending_slip"]
        case_id = rt.controller.flow.session.case_id
        # Kept in the queue for the platform, not sent (nothing to send it to).
        assert rt.store.case_info(case_id)["status"] in {"pending", "sending"}
        assert rt.store.case_ids("acked") == []
        payload = rt.store.envelope(case_id)["payload"]
        assert (payload["outcome"], payload["reason"]) == ("pending", "platform_unreachable")
    finally:
        rt.shutdown()


def wait_view(
    qtbot, rt: KioskRuntime, step: str, has: Callable[[StepView], object], timeout_ms: int = 30_000
) -> StepView:
    """The next view of `step` for which `has` is true."""
    seen: list[StepView] = []

    def reached(shown: str, view: StepView) -> bool:
        if shown == step and has(view):
            seen.append(view)
            return True
        return False

    qtbot.waitSignal(rt.controller.screen_shown, timeout=timeout_ms, check_params_cb=reached).wait()
    return seen[-1]


def test_a_bad_card_read_asks_to_place_it_again_and_the_retry_reads(
    qtbot, tmp_path: Path, testdata: Path
) -> None:
    # The reader works, the card does not read (the simulated reader's torn-read knob).
    rt = _runtime_with(qtbot, tmp_path, fault="unreadable")
    try:
        tap(rt, "service_pension_check")
        view = wait_view(qtbot, rt, "read_card", lambda view: view.card_error)
        assert view.card_error == "torn_read"
        # The reader itself is fine, and the screen says so (the controller follows its state).
        assert view.around.reader_state == "ready"
        assert rt.window.current_screen().status.raw_text() == "读卡器准备好了"
        body = rt.window.current_screen().body.raw_text()
        assert body == "没有读到卡片。请把卡拿起来，再重新放好。"
        rt.controller.card.reader.set_fault("none")  # type: ignore[attr-defined]
        view = wait_for(qtbot, rt, "confirm_identity")  # placed again: it reads
        assert view.masked_name == "张*英"
    finally:
        rt.shutdown()


def test_a_card_that_never_reads_calls_staff(qtbot, tmp_path: Path, testdata: Path) -> None:
    rt = _runtime_with(qtbot, tmp_path, fault="unreadable")
    try:
        with qtbot.waitSignal(rt.controller.staff_called, timeout=30_000) as called:
            tap(rt, "service_pension_check")
        assert called.args == ["card_unreadable"]
        view = rt.controller.flow.view()
        assert (str(rt.controller.flow.step), view.help_reason) == ("help", "card_unreadable")
    finally:
        rt.shutdown()


def test_the_stored_assisted_case_records_who_assisted(
    qtbot, tmp_path: Path, testdata: Path
) -> None:
    rt = _runtime_with(qtbot, tmp_path, staff=(f"0107:{hash_pin('135790')}",))
    try:
        # The link is down, so the case stays in the queue (an acked case keeps no payload).
        rt.platform.stop()
        walk_to_consent(qtbot, rt)
        tap(rt, "consent_no")
        wait_for(qtbot, rt, "help")
        tap(rt, "staff_unlock")
        for digit in "135790":
            tap(rt, f"pin_{digit}")
        tap(rt, "pin_ok")
        view = wait_for(qtbot, rt, "result")
        assert view.outcome == "pending" and rt.controller.flow.session.assisted_by == "0107"
        case_id = rt.controller.flow.session.case_id
        assert case_id
        # The case as stored (encrypted at rest), decrypted through the store.
        assert rt.store.case_ids("acked") == []
        payload = rt.store.envelope(case_id)["payload"]
        assert payload["assisted_by"] == "0107"
        assert schema_problems(payload) == []
        assert (payload["outcome"], payload["reason"]) == ("pending", "assisted_without_face")
    finally:
        rt.shutdown()


def test_camera_unplugged_during_capture_and_back(qtbot, runtime) -> None:
    rt = runtime
    walk_to_consent(qtbot, rt)
    rt.controller.camera.camera.set_fault("unplugged")  # type: ignore[attr-defined]
    tap(rt, "consent_yes")
    view = wait_for(qtbot, rt, "device_fault")
    assert view.fault_device == "camera"
    rt.controller.camera.camera.set_fault("none")  # type: ignore[attr-defined]
    tap(rt, "fault_retry")
    wait_for(qtbot, rt, "face_capture")
    wait_for(qtbot, rt, "result", timeout_ms=90_000)


def test_retry_on_a_camera_still_unplugged_shows_the_fault_again_at_once(qtbot, runtime) -> None:
    rt = runtime
    camera = rt.controller.camera
    walk_to_consent(qtbot, rt)
    camera.camera.set_fault("unplugged")  # type: ignore[attr-defined]
    tap(rt, "consent_yes")
    assert wait_for(qtbot, rt, "device_fault").fault_device == "camera"
    # Each Retry on the still unplugged camera is answered by the fault screen well inside
    # face capture's own time limit (a quarter of it), not by that limit running out.
    soon_ms = rt.settings.flow.face_capture_s * 1000 // 4
    for _ in range(2):
        tap(rt, "fault_retry")
        assert str(rt.controller.flow.step) == "face_capture"
        view = wait_for(qtbot, rt, "device_fault", timeout_ms=soon_ms)
        assert view.fault_device == "camera"
        assert "camera" in rt.controller.flow.faults
    # Plugged back in: the next Retry captures, the camera reports its recovery.
    camera.camera.set_fault("none")  # type: ignore[attr-defined]
    with qtbot.waitSignal(camera.recovered, timeout=soon_ms):
        tap(rt, "fault_retry")
    assert "camera" not in rt.controller.flow.faults
    wait_for(qtbot, rt, "result", timeout_ms=90_000)


def test_retry_on_a_reader_still_unplugged_shows_the_fault_again_at_once(
    qtbot, tmp_path: Path, testdata: Path
) -> None:
    rt = _runtime_with(qtbot, tmp_path, fault="unplugged")  # no reader from boot on
    try:
        qtbot.waitUntil(lambda: "card_reader" in rt.controller.flow.faults, timeout=10_000)
        tap(rt, "service_pension_check")
        assert wait_for(qtbot, rt, "device_fault").fault_device == "card_reader"
        # Retry while it is still unplugged: the fault screen again, well inside the
        # place-your-card screen's time limit (a quarter of it).
        soon_ms = rt.settings.flow.read_card_s * 1000 // 4
        tap(rt, "fault_retry")
        assert str(rt.controller.flow.step) == "read_card"
        view = wait_for(qtbot, rt, "device_fault", timeout_ms=soon_ms)
        assert view.fault_device == "card_reader"
        # Plugged back in: the reader's recovery brings the resident back by itself.
        rt.controller.card.reader.set_fault("none")  # type: ignore[attr-defined]
        wait_for(qtbot, rt, "read_card", timeout_ms=soon_ms)
        assert "card_reader" not in rt.controller.flow.faults
        assert wait_for(qtbot, rt, "confirm_identity").masked_name == "张*英"
    finally:
        rt.shutdown()


def test_nobody_answers_more_time_and_the_session_is_wiped(qtbot, runtime) -> None:
    rt = runtime
    rt.controller.timers.scale = 0.01  # 90 s of no touch -> 0.9 s; the flow's logic is the same
    tap(rt, "service_pension_check")
    wait_for(qtbot, rt, "confirm_identity")
    qtbot.waitUntil(lambda: rt.controller.flow.view().more_time, timeout=10_000)
    assert rt.window.current_screen().more_time.isVisible()
    wait_for(qtbot, rt, "idle", timeout_ms=10_000)
    assert rt.controller.flow.session.resident is None


def test_call_staff_and_come_back(qtbot, runtime) -> None:
    rt = runtime
    walk_to_consent(qtbot, rt)
    with qtbot.waitSignal(rt.controller.staff_called, timeout=5_000) as called:
        tap(rt, "call_staff")
    assert called.args == ["resident"]
    wait_for(qtbot, rt, "help")
    tap(rt, "help_dismiss")
    wait_for(qtbot, rt, "consent")


class RecordingVoice:
    """Stands in for the prompt player (the audio path has its own null-sink tests)."""

    def __init__(self) -> None:
        self.played: list[str] = []

    def play(self, prompt_id: str) -> None:
        self.played.append(prompt_id)

    def replay(self) -> None:
        self.played.append("<replay>")

    def stop(self) -> None:
        """Nothing to stop."""

    def can_play(self, prompt_id: str) -> bool:
        return True


def test_a_touch_anywhere_greets_on_welcome_and_keeps_the_session_alive(qtbot, runtime) -> None:
    rt = runtime
    voice = RecordingVoice()
    rt.controller.voice = voice
    qtbot.mouseClick(rt.window.current_screen().title, Qt.MouseButton.LeftButton)
    assert voice.played == ["screen.idle"]
    walk_to_consent(qtbot, rt)
    # The idle timeout shrunk to 3 s (the flow's logic is the same). Each time a third of it
    # has gone by, a touch on the text (not a button) starts it again from the top.
    timers = rt.controller.timers
    timers.scale = 3.0 / rt.settings.flow.consent_s
    timers.start("idle", rt.settings.flow.consent_s)
    for _ in range(3):
        qtbot.waitUntil(lambda: (timers.remaining_s("idle") or 3.0) < 2.0, timeout=5_000)
        qtbot.mouseClick(rt.window.current_screen().body, Qt.MouseButton.LeftButton)
        assert (timers.remaining_s("idle") or 0.0) > 2.5  # restarted by the touch
        assert not rt.controller.flow.view().more_time
    qtbot.waitUntil(lambda: rt.controller.flow.view().more_time, timeout=10_000)
