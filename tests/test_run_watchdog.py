"""`kiosk run` tells systemd it is up and pings the watchdog from the Qt event loop.

A real unix datagram socket stands in for systemd's notify socket (the notify_socket fixture).
"""

from __future__ import annotations

import gc

from kiosk.cli.run_cmd import _systemd_watchdog
from kiosk.sdnotify import Notifier
from tests.conftest import NotifySocket

WATCHDOG_200MS = "200000"


def test_ready_then_watchdog_pings_from_the_event_loop(qtbot, notify_socket: NotifySocket) -> None:
    notifier = Notifier.from_environment(
        {"NOTIFY_SOCKET": notify_socket.address, "WATCHDOG_USEC": WATCHDOG_200MS}
    )
    timer = _systemd_watchdog(notifier)
    assert timer is not None and timer.interval() == 100
    qtbot.waitUntil(lambda: notify_socket.drain() >= 3, timeout=5_000)
    timer.stop()
    assert notify_socket.received[0].startswith(b"READY=1")
    assert notify_socket.received[1:3] == [b"WATCHDOG=1", b"WATCHDOG=1"]


def test_no_systemd_no_timer() -> None:
    assert _systemd_watchdog(Notifier.from_environment({})) is None


def test_pings_go_on_when_nobody_else_holds_the_notifier(
    qtbot, notify_socket: NotifySocket
) -> None:
    """`kiosk run` passes a fresh Notifier and keeps only the timer: the pings must not stop
    when the notifier is garbage collected (Qt holds bound methods of plain objects weakly)."""
    timer = _systemd_watchdog(
        Notifier.from_environment(
            {"NOTIFY_SOCKET": notify_socket.address, "WATCHDOG_USEC": WATCHDOG_200MS}
        )
    )
    gc.collect()
    qtbot.waitUntil(lambda: notify_socket.drain() >= 3, timeout=5_000)
    timer.stop()
    assert notify_socket.received[1:3] == [b"WATCHDOG=1", b"WATCHDOG=1"]
