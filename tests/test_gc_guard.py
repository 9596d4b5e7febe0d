"""While the kiosk runs, cyclic garbage is collected on the GUI thread only."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from kiosk.qt.gc_guard import MainThreadGarbageCollector


class Cycle(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_collection_happens_on_the_gui_thread_not_on_others(qtbot) -> None:
    guard = MainThreadGarbageCollector()
    guard.start()
    try:
        assert not gc.isenabled()
        garbage = Cycle()
        ref = weakref.ref(garbage)
        del garbage
        # Another thread allocating far past the GC threshold must not collect our Qt garbage.
        kept: list[list[int]] = []
        worker = threading.Thread(target=lambda: kept.extend([] for _ in range(5_000)))
        worker.start()
        worker.join()
        assert gc.get_count()[0] > gc.get_threshold()[0]
        assert ref() is not None
        qtbot.waitUntil(lambda: ref() is None, timeout=5_000)  # the GUI thread's timer did
    finally:
        guard.stop()
    assert gc.isenabled()
