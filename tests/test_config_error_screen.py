"""`kiosk run` with a broken config shows the technician what to fix instead of a traceback."""

from __future__ import annotations

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
