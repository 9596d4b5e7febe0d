"""The staff call desk on the terminal: the deployer's hook runs with the reason, off the GUI
thread; a hook that fails, hangs or is missing is logged and never holds up the call, its
records or the staff PIN; the call is recorded "open" at once and again when it ends, in a
real case store. (No audio here: tests/uitests/test_staff_call_audio.py hears the chime.)"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from contract.staff_calls import check_staff_call
from kiosk.qt.runner import OffGuiRunner
from kiosk.qt.staff_call import StaffCallDesk
from kiosk.records.staff_calls import HookFailed, StaffCallRecorder, run_hook
from offline_queue.keys import load_or_create
from offline_queue.store import CaseStore

WRITE_ARGS = "import sys; open(sys.argv[1], 'w').write(' '.join(sys.argv[2:]))"


def writer(out: Path) -> tuple[str, ...]:
    return (sys.executable, "-c", WRITE_ARGS, str(out))


# -- the hook on its own -------------------------------------------------------------------------
def test_the_hook_gets_the_reason_as_its_last_argument(tmp_path: Path) -> None:
    run_hook(writer(tmp_path / "said"), "printer_paper_out", 5.0)
    assert (tmp_path / "said").read_text() == "printer_paper_out"


def test_a_failing_hook_says_how(tmp_path: Path) -> None:
    failing = ("sh", "-c", "echo the light is unplugged >&2; exit 3", "hook")
    with pytest.raises(HookFailed, match="exited with 3: the light is unplugged"):
        run_hook(failing, "resident", 5.0)
    with pytest.raises(HookFailed, match="cannot run"):
        run_hook((str(tmp_path / "no-such-program"),), "resident", 5.0)


def test_a_hanging_hook_is_killed_with_what_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # The shell starts a child of its own that would outlive a kill of the shell alone.
    hanging = ("sh", "-c", f"sleep 30 & echo $! > {pid_file}; wait", "hook")
    started = time.monotonic()
    with pytest.raises(HookFailed, match=r"still running after 0\.5 s"):
        run_hook(hanging, "resident", 0.5)
    assert time.monotonic() - started < 3.0
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 3
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # reaped by init once killed
    status = Path(f"/proc/{child}/status")
    assert not status.exists() or "zombie" in status.read_text()


# -- the desk: hook, records, notified -----------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaseStore]:
    opened = CaseStore.open(tmp_path / "queue.db", load_or_create(tmp_path / "keys"))
    yield opened
    opened.close()


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[OffGuiRunner]:
    background = OffGuiRunner("background")
    background.start()
    yield background
    background.shutdown()


def make_desk(store: CaseStore, runner: OffGuiRunner, hook: tuple[str, ...], timeout_s: float):
    recorder = StaffCallRecorder(store.enqueue, "GD0106-017", "示范村便民服务站")
    desk = StaffCallDesk(recorder, None, runner, hook=hook, hook_timeout_s=timeout_s)
    desk.start()
    return desk


def payloads(store: CaseStore) -> list[dict]:  # type: ignore[type-arg]
    ids = store.case_ids("pending")
    return [store.envelope(case_id)["payload"] for case_id in ids]


def test_the_call_runs_the_hook_and_is_recorded_open_then_answered(
    qtbot: QtBot, store: CaseStore, runner: OffGuiRunner, tmp_path: Path
) -> None:
    desk = make_desk(store, runner, writer(tmp_path / "said"), 5.0)
    try:
        with qtbot.waitSignal(desk.recorded, timeout=5000) as opened:
            desk.call("resident")
        assert desk.notified  # the hook is wired and has not failed
        assert opened.args[0] == "open"
        qtbot.waitUntil((tmp_path / "said").exists, timeout=5000)
        assert (tmp_path / "said").read_text() == "resident"
        with qtbot.waitSignal(desk.recorded, timeout=5000) as ended:
            desk.end("answered", "0107")
        assert ended.args[0] == "answered" and not desk.notified
        first, last = (check_staff_call(p) for p in payloads(store))
        assert first.call_id == last.call_id and first.outcome == "open"
        assert (last.outcome, last.answered_by) == ("answered", "0107")
        assert last.seconds_to_answer is not None and last.seconds_to_answer >= 0
    finally:
        desk.shutdown()


@pytest.mark.parametrize("hook", [("sh", "-c", "sleep 30", "hook"), ("sh", "-c", "exit 1", "h")])
def test_a_hook_that_hangs_or_fails_holds_nothing_up(
    qtbot: QtBot,
    store: CaseStore,
    runner: OffGuiRunner,
    hook: tuple[str, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="kiosk.qt.staff_call")
    desk = make_desk(store, runner, hook, 1.0)
    try:
        started = time.monotonic()
        with qtbot.waitSignal(desk.recorded, timeout=5000):
            desk.call("resident")
            assert time.monotonic() - started < 0.1  # the GUI thread did not wait
        recorded_after = time.monotonic() - started
        assert recorded_after < 0.9  # recorded before a hanging hook's timeout
        # Another blocking call on the background thread (a staff PIN check) is not held up.
        answers: list[object] = []
        runner.run(lambda: "checked", answers.append)
        qtbot.waitUntil(lambda: bool(answers), timeout=900)
        # The hook's failure: staff were not told by it (no chime here either).
        qtbot.waitUntil(lambda: not desk.notified, timeout=5000)
        assert "staff call hook failed" in caplog.text
        with qtbot.waitSignal(desk.recorded, timeout=5000) as ended:
            desk.end("cancelled")
        assert ended.args[0] == "cancelled"
        assert [p["outcome"] for p in payloads(store)] == ["open", "cancelled"]
    finally:
        desk.shutdown()


def test_a_call_rung_again_is_one_call(
    qtbot: QtBot, store: CaseStore, runner: OffGuiRunner, tmp_path: Path
) -> None:
    desk = make_desk(store, runner, (), 1.0)
    try:
        assert not desk.notified  # no chime, no hook: nothing could tell staff
        with qtbot.waitSignal(desk.recorded, timeout=5000):
            desk.call("card_reader_fault")
        desk.call("card_reader_fault")  # a resident meets the fault: rung again
        with qtbot.waitSignal(desk.recorded, timeout=5000):
            desk.end("timed_out")
        calls = [check_staff_call(p) for p in payloads(store)]
        assert [c.outcome for c in calls] == ["open", "timed_out"]
        assert len({c.call_id for c in calls}) == 1 and calls[1].cancelled_at
    finally:
        desk.shutdown()


def test_a_call_open_when_the_kiosk_stops_is_closed_as_timed_out(
    qtbot: QtBot, store: CaseStore, runner: OffGuiRunner
) -> None:
    desk = make_desk(store, runner, (), 1.0)
    with qtbot.waitSignal(desk.recorded, timeout=5000):
        desk.call("resident")
    desk.shutdown()
    assert [p["outcome"] for p in payloads(store)] == ["open", "timed_out"]


def test_a_reason_the_contract_refuses_is_logged_and_the_call_still_rings(
    qtbot: QtBot, store: CaseStore, runner: OffGuiRunner, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="kiosk.qt.staff_call")
    desk = make_desk(store, runner, (), 1.0)
    try:
        desk.call("Printer Fault!")  # not a reason code: never raised into the GUI thread
        assert desk.call_open is not None
        qtbot.waitUntil(lambda: "could not be recorded" in caplog.text, timeout=5000)
        assert payloads(store) == []
    finally:
        desk.shutdown()
