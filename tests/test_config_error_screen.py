"""`kiosk run` with a broken config shows the technician what to fix instead of a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from config import ConfigError, load_settings
from kiosk.cli import main
from screens.config_error import ConfigErrorScreen


def broken(tmp_path: Path) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text('[printer]\nbackend = "thermal"\n', encoding="utf-8")
    return path


def test_screen_names_file_key_and_fix(qtbot, tmp_path: Path) -> None:
    path = broken(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    screen = ConfigErrorScreen(caught.value.message)
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    screen.show()
    text = screen.detail.text()
    assert str(path) in text and "printer.backend" in text and "'escpos'" in text
    assert "systemctl restart kiosk" in screen.advice.text()


def test_kiosk_run_shows_it_and_exits_2(qtbot, tmp_path: Path, capsys) -> None:
    shown: list[str] = []

    def look_and_close() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, ConfigErrorScreen) and widget.isVisible():
                shown.append(widget.detail.text())
                widget.hide()  # close() would also post a quit for the next loop
        QApplication.quit()

    QTimer.singleShot(200, look_and_close)
    assert main(["run", "--config", str(broken(tmp_path))]) == 2
    assert shown and "printer.backend" in shown[0]
    assert "printer.backend" in capsys.readouterr().err


def test_config_error_screen_keeps_the_watchdog_fed(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under systemd (a real unix datagram socket stands in for its notify socket) the error
    screen says it is up and pings, so WatchdogSec does not restart it every 30 s."""
    address = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    server.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    received: list[bytes] = []

    def drain() -> int:
        while True:
            try:
                received.append(server.recv(256))
            except BlockingIOError:
                return len(received)

    def close_after_two_pings() -> None:
        if drain() < 3:
            QTimer.singleShot(50, close_after_two_pings)
            return
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, ConfigErrorScreen):
                widget.hide()
        QApplication.quit()

    QTimer.singleShot(50, close_after_two_pings)
    try:
        assert main(["run", "--config", str(broken(tmp_path))]) == 2
    finally:
        server.close()
    assert received[0] == b"READY=1\nSTATUS=configuration error"
    assert received[1:3] == [b"WATCHDOG=1", b"WATCHDOG=1"]
