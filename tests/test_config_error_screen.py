"""`kiosk run` with a broken config, or with terminal files it must not use (a key file open to
other users, a case store or print-job store it cannot open), shows the technician what to fix
instead of a traceback. Real files with real modes, a real second process holding the store,
the real app offscreen."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from config import ConfigError, load_settings
from kiosk.cli import main
from kiosk.records.print_jobs import DB_FILE, PrintJobStore
from offline_queue.keys import STORAGE_FILE, load_or_create
from offline_queue.migrations import LATEST
from offline_queue.runtime import open_store, store_path
from screens.config_error import ConfigErrorScreen, StartupErrorScreen
from tests.conftest import NotifySocket


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


def run_until_two_pings(
    config: Path,
    screen_type: type,
    monkeypatch: pytest.MonkeyPatch,
    notify_socket: NotifySocket,
) -> int:
    """`kiosk run --config CONFIG` under a stand-in systemd (WatchdogSec 0.2 s): hide the
    error screen once READY and two pings have arrived; return the exit code."""
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.address)
    monkeypatch.setenv("WATCHDOG_USEC", "200000")

    def close_after_two_pings() -> None:
        if notify_socket.drain() < 3:
            QTimer.singleShot(50, close_after_two_pings)
            return
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, screen_type):
                widget.hide()  # close() would also post a quit for the next loop
        QApplication.quit()

    QTimer.singleShot(50, close_after_two_pings)
    return main(["run", "--config", str(config)])


def test_config_error_screen_keeps_the_watchdog_fed(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, notify_socket: NotifySocket
) -> None:
    """Under systemd (a real unix datagram socket stands in for its notify socket) the error
    screen says it is up and pings, so WatchdogSec does not restart it every 30 s."""
    assert run_until_two_pings(broken(tmp_path), ConfigErrorScreen, monkeypatch, notify_socket) == 2
    assert notify_socket.received[0] == b"READY=1\nSTATUS=configuration error"
    assert notify_socket.received[1:3] == [b"WATCHDOG=1", b"WATCHDOG=1"]


def terminal_file(tmp_path: Path) -> Path:
    """A valid terminal file whose data folder is under tmp_path."""
    path = tmp_path / "terminal.toml"
    path.write_text(f'[terminal]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


def run_and_look(config: Path) -> tuple[int, list[StartupErrorScreen]]:
    """`kiosk run`, and the start-up error screens visible once its event loop runs."""
    shown: list[StartupErrorScreen] = []

    def look_and_close() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, StartupErrorScreen) and widget.isVisible():
                shown.append(widget)
                widget.hide()  # close() would also post a quit for the next loop
        QApplication.quit()

    QTimer.singleShot(200, look_and_close)
    return main(["run", "--config", str(config)]), shown


def stderr_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines  # one line, no traceback
    return lines[0]


def test_key_file_open_to_others_is_shown_with_its_fix_exit_3(
    qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = terminal_file(tmp_path)
    settings = load_settings(config)
    load_or_create(settings.terminal.data_dir)
    key = settings.terminal.data_dir / "keys" / STORAGE_FILE
    key.chmod(0o644)
    code, shown = run_and_look(config)
    assert code == 3
    assert len(shown) == 1
    detail = shown[0].detail.text()
    assert str(key) in detail and f"chmod 600 {key}" in detail
    assert "systemctl restart kiosk" in shown[0].advice.text()
    line = stderr_line(capsys)
    assert line.startswith("kiosk: cannot start: ") and f"chmod 600 {key}" in line
    assert not store_path(settings).exists()  # refused before anything else was opened
    assert key.stat().st_mode & 0o777 == 0o644  # left as it was, for the technician


REPO = Path(__file__).resolve().parents[1]
HOLD_STORE = """
import sys
from pathlib import Path
from config import load_settings
from offline_queue.keys import load_or_create
from offline_queue.runtime import open_store
settings = load_settings(Path(sys.argv[1]))
store = open_store(settings, load_or_create(settings.terminal.data_dir))
print("open", flush=True)
sys.stdin.read()
store.close()
"""


def test_case_store_held_by_another_process_is_shown_exit_3(
    qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = terminal_file(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_STORE, str(config)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        code, shown = run_and_look(config)
    finally:
        holder.communicate("", timeout=30)
    assert code == 3
    assert len(shown) == 1
    detail = shown[0].detail.text()
    db = store_path(load_settings(config))
    assert str(db) in detail and "another process" in detail
    assert "kiosk queue" in detail  # the fix names what may hold it
    assert "another process" in stderr_line(capsys)


def test_case_store_from_a_newer_release_is_shown_and_left_alone_exit_3(
    qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = terminal_file(tmp_path)
    settings = load_settings(config)
    open_store(settings, load_or_create(settings.terminal.data_dir)).close()
    db = store_path(settings)
    with sqlite3.connect(db) as conn:  # what a newer release's migration leaves behind
        conn.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'later')",
            [LATEST + 1],
        )
    conn.close()
    before = db.read_bytes()
    code, shown = run_and_look(config)
    assert code == 3
    assert len(shown) == 1
    detail = shown[0].detail.text()
    assert str(db) in detail and f"schema {LATEST + 1} is newer" in detail
    assert "install that release" in detail
    assert "is newer" in stderr_line(capsys)
    assert db.read_bytes() == before


def test_print_job_store_from_a_newer_release_is_shown_and_left_alone_exit_3(
    qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = terminal_file(tmp_path)
    db = load_settings(config).terminal.data_dir / DB_FILE
    PrintJobStore(db, bytes(32)).close()
    with sqlite3.connect(db) as conn:  # what a newer release's migration leaves behind
        conn.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 'later')")
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = db.read_bytes()
    code, shown = run_and_look(config)
    assert code == 3
    assert len(shown) == 1
    detail = shown[0].detail.text()
    assert str(db) in detail and "print-job store schema 99 is newer" in detail
    assert "install that release" in detail
    assert "is newer" in stderr_line(capsys)
    assert db.read_bytes() == before


def test_damaged_print_job_store_is_shown_with_its_fix_exit_3(
    qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = terminal_file(tmp_path)
    db = load_settings(config).terminal.data_dir / DB_FILE
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database" * 500)
    code, shown = run_and_look(config)
    assert code == 3
    assert len(shown) == 1
    detail = shown[0].detail.text()
    assert str(db) in detail and "database failure" in detail
    assert "Do not delete it" in detail  # it keeps the receipts for reprints
    assert "database failure" in stderr_line(capsys)
    assert db.read_bytes() == b"this is not a database" * 500


def test_start_up_error_screen_keeps_the_watchdog_fed(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, notify_socket: NotifySocket
) -> None:
    config = terminal_file(tmp_path)
    settings = load_settings(config)
    load_or_create(settings.terminal.data_dir)
    (settings.terminal.data_dir / "keys" / STORAGE_FILE).chmod(0o640)
    assert run_until_two_pings(config, StartupErrorScreen, monkeypatch, notify_socket) == 3
    assert notify_socket.received[0] == b"READY=1\nSTATUS=start-up error"
    assert notify_socket.received[1:3] == [b"WATCHDOG=1", b"WATCHDOG=1"]
