"""`kiosk run` tells systemd it is up and pings the watchdog from the Qt event loop.

A real unix datagram socket stands in for systemd's notify socket.
"""

from __future__ import annotations

import gc
import socket
from pathlib import Path

from kiosk.cli.run_cmd import _systemd_watchdog
from kiosk.sdnotify import Notifier


def test_ready_then_watchdog_pings_from_the_event_loop(qtbot, tmp_path: Path) -> None:
    address = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    server.setblocking(False)
    received: list[bytes] = []

    def drain() -> int:
        while True:
            try:
                received.append(server.recv(256))
            except BlockingIOError:
                return len(received)

    try:
        notifier = Notifier.from_environment({"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "200000"})
        timer = _systemd_watchdog(notifier)
        assert timer is not None and timer.interval() == 100
        qtbot.waitUntil(lambda: drain() >= 3, timeout=5_000)
        timer.stop()
    finally:
        server.close()
    assert received[0].startswith(b"READY=1")
    assert received[1:3] == [b"WATCHDOG=1", b"WATCHDOG=1"]


def test_no_systemd_no_timer() -> None:
    assert _systemd_watchdog(Notifier.from_environment({})) is None


def test_pings_go_on_when_nobody_else_holds_the_notifier(qtbot, tmp_path: Path) -> None:
    """`kiosk run` passes a fresh Notifier and keeps only the timer: the pings must not stop
    when the notifier is garbage collected (Qt holds bound methods of plain objects weakly)."""
    address = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    server.setblocking(False)
    received: list[bytes] = []

    def drain() -> int:
        while True:
            try:
                received.append(server.recv(256))
            except BlockingIOError:
                return len(received)

    try:
        timer = _systemd_watchdog(
            Notifier.from_environment({"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "200000"})
        )
        gc.collect()
        qtbot.waitUntil(lambda: drain() >= 3, timeout=5_000)
        timer.stop()
    finally:
        server.close()
    assert received[1:3] == [b"WATCHDOG=1", b"WATCHDOG=1"]
