"""The device worker thread: jobs run on its thread, close runs before it stops."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from devices.worker import DeviceWorker


def test_jobs_run_on_the_device_thread_and_close_runs_before_stop() -> None:
    seen: list[str] = []
    worker = DeviceWorker("probe")
    worker.start()
    name = worker.submit(lambda: threading.current_thread().name).result(2)
    assert name == "device-probe"
    assert worker.close_and_stop(lambda: seen.append(threading.current_thread().name))
    assert seen == ["device-probe"]
    assert not worker.running


def test_a_failing_job_reaches_the_caller_and_the_thread_goes_on() -> None:
    worker = DeviceWorker("probe")
    worker.start()

    def boom() -> None:
        raise OSError("unplugged")

    with pytest.raises(OSError, match="unplugged"):
        worker.submit(boom).result(2)
    assert worker.submit(lambda: 41 + 1).result(2) == 42
    assert worker.stop()


def test_idle_step_runs_between_jobs_and_survives_errors() -> None:
    calls = threading.Semaphore(0)
    state = {"n": 0}

    def idle() -> None:
        state["n"] += 1
        calls.release()
        if state["n"] == 1:
            raise RuntimeError("first poll fails")

    worker = DeviceWorker("poller", idle=idle, idle_pause_s=0.01)
    worker.start()
    for _ in range(3):
        assert calls.acquire(timeout=2)
    assert worker.stop()


def test_submit_after_stop_fails_cleanly() -> None:
    worker = DeviceWorker("probe")
    worker.start()
    worker.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        worker.submit(lambda: None).result(1)


def test_an_idle_step_with_a_period_runs_no_more_often_and_jobs_still_run() -> None:
    ran: list[float] = []
    worker = DeviceWorker("watcher", idle=lambda: ran.append(time.monotonic()), idle_every_s=0.2)
    worker.start()
    try:
        assert worker.submit(lambda: "done").result(5) == "done"
        deadline = time.monotonic() + 10
        while len(ran) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        assert worker.stop()
    gaps = [later - earlier for earlier, later in itertools.pairwise(ran)]
    assert len(ran) >= 3 and min(gaps) >= 0.2  # once a period, not once a millisecond
