"""sd_notify against a real Unix datagram socket, as systemd listens for it."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.sdnotify import Notifier


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2.0)
    yield sock, str(path)
    sock.close()


def test_ready_watchdog_and_stopping_reach_the_socket(
    listener: tuple[socket.socket, str],
) -> None:
    sock, path = listener
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "20000000"})
    assert notifier is not None

    assert notifier.ready("kiosk window up")
    assert sock.recv(256) == b"READY=1\nSTATUS=kiosk window up"
    assert notifier.watchdog()
    assert sock.recv(256) == b"WATCHDOG=1"
    assert notifier.stopping()
    assert sock.recv(256) == b"STOPPING=1"
    assert notifier.watchdog_enabled
    assert notifier.ping_interval_s == 10.0


def test_an_abstract_socket_name_is_understood() -> None:
    name = f"@kiosk-test-notify-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name[1:])
        sock.settimeout(2.0)
        notifier = Notifier.from_environment({"NOTIFY_SOCKET": name})
        assert notifier is not None
        assert notifier.ready()
        assert sock.recv(64) == b"READY=1"
        assert not notifier.watchdog_enabled
        assert notifier.ping_interval_s == 0.0


def test_outside_systemd_there_is_no_notifier() -> None:
    assert Notifier.from_environment({}) is None
    assert Notifier.from_environment({"NOTIFY_SOCKET": "relative/path"}) is None


def test_a_vanished_socket_is_reported_not_raised(tmp_path: Path) -> None:
    notifier = Notifier(str(tmp_path / "gone"), watchdog_usec=1_000_000)
    assert notifier.watchdog() is False
