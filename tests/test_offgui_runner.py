"""The off-GUI runner: a call runs on its named thread and its answer, `Done(value)` or
`Failed(error)`, arrives on the GUI thread; after shutdown nothing queued runs or answers.

Real threads, a real QApplication (offscreen) and its event loop; waits are on conditions
through pytest-qt, never sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from kiosk.qt.runner import Done, Failed, OffGuiRunner, Result

WAIT_MS = 5_000


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[OffGuiRunner]:
    runner = OffGuiRunner("runner-test")
    runner.start()
    yield runner
    runner.shutdown()


def test_a_value_comes_back_done_on_the_gui_thread(qtbot: QtBot, runner: OffGuiRunner) -> None:
    answers: list[tuple[Result[str], str]] = []

    def on_done(result: Result[str]) -> None:
        answers.append((result, threading.current_thread().name))

    runner.run(lambda: threading.current_thread().name, on_done)
    qtbot.waitUntil(lambda: len(answers) == 1, timeout=WAIT_MS)
    result, answered_on = answers[0]
    assert result == Done("kiosk-runner-test")  # the call ran on the runner's named thread
    assert answered_on == threading.main_thread().name  # the answer came on the GUI thread


def test_an_exception_comes_back_failed_with_the_error(qtbot: QtBot, runner: OffGuiRunner) -> None:
    error = OSError("disk gone")

    def broken() -> int:
        raise error

    answers: list[Result[int]] = []
    runner.run(broken, answers.append)
    runner.run(lambda: 7, answers.append)  # the thread survives a failed call
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=WAIT_MS)
    assert answers == [Failed(error), Done(7)]
    assert isinstance(answers[0], Failed) and answers[0].error is error


def test_calls_run_one_at_a_time_in_order(qtbot: QtBot, runner: OffGuiRunner) -> None:
    answers: list[Result[int]] = []
    for n in range(20):
        runner.run(lambda n=n: n, answers.append)
    qtbot.waitUntil(lambda: len(answers) == 20, timeout=WAIT_MS)
    assert answers == [Done(n) for n in range(20)]


def test_shutdown_drops_queued_calls_and_answers_none(qtbot: QtBot) -> None:
    runner = OffGuiRunner("runner-test")
    runner.start()
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []
    answers: list[Result[str]] = []

    def slow() -> str:
        started.set()
        release.wait(WAIT_MS / 1000)
        ran.append("slow")
        return "slow"

    def queued() -> str:
        ran.append("queued")
        return "queued"

    runner.run(slow, answers.append)
    runner.run(queued, answers.append)
    assert started.wait(WAIT_MS / 1000)
    # The running call is let go only once shutdown has begun: the queued one is still queued.
    stopping = runner._worker._stopping  # set by shutdown before it joins the thread

    def release_once_stopping() -> None:
        stopping.wait(WAIT_MS / 1000)
        release.set()

    releaser = threading.Thread(target=release_once_stopping)
    releaser.start()
    runner.shutdown()
    releaser.join()
    assert not runner.running
    assert "kiosk-runner-test" not in [t.name for t in threading.enumerate()]
    runner.run(queued, answers.append)  # after shutdown: neither run nor answered
    # The slow call's answer was posted to the GUI thread before the thread ended: it is
    # processed now, and dropped.
    QCoreApplication.sendPostedEvents()
    QCoreApplication.processEvents()
    assert ran == ["slow"]  # the running call finished; the queued one never ran
    assert answers == []
