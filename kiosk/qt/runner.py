"""Short blocking calls (a PIN's PBKDF2, a store query, a file read, an export, a registration)
off the GUI thread, answered on the GUI thread as `Done(value)` or `Failed(error)`.

    runner = OffGuiRunner("technician", parent)   # thread kiosk-technician
    runner.start()
    runner.run(lambda: store.status(), on_status)  # on_status(Done(...) | Failed(...))
    runner.shutdown()                              # nothing is answered after this

The callable runs on one named `DeviceWorker` thread, one call at a time, in order. Its answer
travels back through a queued Qt signal, so `on_done` always runs on the GUI thread. After
`shutdown` the calls still queued are dropped and no answer is delivered: the objects that
asked are being torn down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from PySide6.QtCore import QObject, Signal

from devices.worker import DeviceWorker

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """The call returned `value`."""

    value: T


@dataclass(frozen=True)
class Failed:
    """The call raised `error`; the GUI side decides what to show."""

    error: Exception


Result: TypeAlias = Done[T] | Failed


class OffGuiRunner(QObject):
    """Runs `fn()` on thread `kiosk-<name>`; `on_done(Done | Failed)` on the GUI thread."""

    _finished = Signal(object, object)  # on_done, result: queued from the worker to the GUI

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = DeviceWorker(name, thread_prefix="kiosk-")
        self._stopped = False
        self._finished.connect(self._deliver)

    def start(self) -> None:
        self._worker.start()

    def run(self, fn: Callable[[], T], on_done: Callable[[Result[T]], None]) -> None:
        if self._stopped:
            log.debug("runner %s is shut down: call dropped", self._worker.name)
            return
        self._worker.submit(self._call, fn, on_done)

    def shutdown(self) -> None:
        """Finish the running call, drop the queued ones, answer none of them."""
        self._stopped = True
        self._worker.stop()

    @property
    def running(self) -> bool:
        return self._worker.running

    def _call(self, fn: Callable[[], Any], on_done: Callable[[Result[Any]], None]) -> None:
        result: Result[Any]
        try:
            result = Done(fn())
        except Exception as exc:  # handed to the GUI side, which decides what to show
            result = Failed(exc)
        self._finished.emit(on_done, result)

    def _deliver(self, on_done: Callable[[Result[Any]], None], result: Result[Any]) -> None:
        if not self._stopped:
            on_done(result)
