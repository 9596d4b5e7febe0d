"""One thread per device: it owns the backend, runs every call to it, and reports events.

Nothing outside this thread touches the backend. Callers post jobs (`submit`) and get a
`Future`; a backend that produces events on its own (a card arriving, a camera frame) is
polled by `idle` between jobs. Events reach the owner through the `listener` callback, which
runs on this thread: the Qt bridge turns them into queued signals.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

log = logging.getLogger(__name__)

THREAD_PREFIX = "device-"
# Every other long-lived background thread of the app (sync, analysis) is named "kiosk-...".
BACKGROUND_PREFIXES = (THREAD_PREFIX, "kiosk-")


def _nothing() -> None:
    """The job that wakes a stopping worker."""


class DeviceWorker:
    """Runs `idle()` in a loop and queued jobs in between, on one named thread."""

    def __init__(
        self,
        name: str,
        idle: Callable[[], None] | None = None,
        idle_pause_s: float = 0.05,
        thread_prefix: str = THREAD_PREFIX,
        idle_every_s: float = 0.0,
    ) -> None:
        """`idle_every_s`: run `idle` at most this often, waiting for jobs in between (a
        printer's status asked every few seconds); 0: whenever no job waits (a backend whose
        idle step blocks on its own, like a card reader's wait for an event)."""
        self.name = name
        self._idle = idle
        self._idle_pause_s = idle_pause_s
        self._idle_every_s = idle_every_s
        self._jobs: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...], Future[Any]]]
        self._jobs = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=thread_prefix + name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        if self._stopping.is_set():
            future.set_exception(RuntimeError(f"device worker {self.name} is stopped"))
            return future
        self._jobs.put((fn, args, future))
        return future

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Ask the thread to finish its current job and exit; True once it has."""
        self._stopping.set()
        self._jobs.put((_nothing, (), Future()))  # wakes a thread waiting for the next job
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        alive = self._thread.is_alive()
        if alive:
            log.error("device worker %s did not stop within %.1f s", self.name, timeout_s)
        return not alive

    def close_and_stop(self, close: Callable[[], Any], timeout_s: float = 5.0) -> bool:
        """Run `close` on the device thread (releasing the device), then stop the thread."""
        if self._thread.is_alive() and not self._stopping.is_set():
            try:
                self.submit(close).result(timeout_s)
            except Exception:  # a device that fails to close must not keep the app alive
                log.exception("device worker %s: close failed", self.name)
        return self.stop(timeout_s)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        next_idle = 0.0  # monotonic time of the next idle step (idle_every_s)
        while not self._stopping.is_set():
            pause = self._idle_pause_s if self._idle is None else 0.0
            if self._idle is not None and self._idle_every_s:
                pause = min(self._idle_every_s, max(0.0, next_idle - time.monotonic()))
            try:
                fn, args, future = self._jobs.get(timeout=pause or 0.001)
            except queue.Empty:
                if time.monotonic() >= next_idle:
                    self._run_idle()
                    next_idle = time.monotonic() + self._idle_every_s
                continue
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:  # handed to the caller through the future
                    future.set_exception(exc)
        self._drain()

    def _run_idle(self) -> None:
        if self._idle is None:
            return
        try:
            self._idle()
        except Exception:
            log.exception("device worker %s: idle step failed", self.name)
            self._stopping.wait(self._idle_pause_s)

    def _drain(self) -> None:
        while True:
            try:
                _, _, future = self._jobs.get_nowait()
            except queue.Empty:
                return
            future.cancel()
