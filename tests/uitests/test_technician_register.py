"""注册终端 in technician mode: the code keypad, the registration with a real platform, and the
outcome in words on the panel.

A real KioskRuntime (simulated devices, real SQLite files, offscreen) whose platform.url is a
real embedded central platform on loopback that has not registered it; or a loopback port
nobody listens on. The gesture and the PIN open the panel; waits are on signals and
conditions, never sleeps. The camera shows a drawn stand-in (no face is analysed here).
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from central.embedded import EmbeddedPlatform
from config import load_settings
from kiosk.app import KioskRuntime
from kiosk.qt.headless_demo import stand_in_frame
from kiosk.qt.technician.mode import CORNER_PX, TechnicianMode, text
from offline_queue.registration import REGISTRATION_FILE, load_registration, register
from screens.code_entry import CodeEntry

DEFAULT_PIN = "246810"  # config/default.toml's technician PIN
WAIT_MS = 30_000
TERMINAL_ID = "GD-440106-001"


@pytest.fixture
def central(tmp_path: Path) -> Iterator[EmbeddedPlatform]:
    platform = EmbeddedPlatform(tmp_path / "central.sqlite3")
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nobody listens on: the port was free a moment ago and is closed now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def build(qtbot: QtBot, tmp_path: Path, platform_url: str) -> KioskRuntime:
    frames = tmp_path / "stand-in"
    frames.mkdir()
    stand_in_frame().save(str(frames / "0001.png"))
    base = load_settings()
    settings = dataclasses.replace(
        base,
        terminal=dataclasses.replace(base.terminal, id=TERMINAL_ID, data_dir=tmp_path / "data"),
        voice=dataclasses.replace(base.voice, enabled=False),
        camera=dataclasses.replace(base.camera, source=str(frames)),
        platform=dataclasses.replace(base.platform, url=platform_url, embedded=False),
        ui=dataclasses.replace(base.ui, fullscreen=False),
    )
    rt = KioskRuntime.build(settings)
    qtbot.addWidget(rt.window)
    rt.window.setFixedSize(1920, 1080)
    rt.window.show()
    rt.start()
    return rt


@pytest.fixture
def kiosk(qtbot: QtBot, tmp_path: Path, central: EmbeddedPlatform) -> Iterator[KioskRuntime]:
    rt = build(qtbot, tmp_path, central.url)
    yield rt
    rt.shutdown()


def tech(rt: KioskRuntime) -> TechnicianMode:
    assert rt.technician is not None
    return rt.technician


def click(parent: QWidget, name: str) -> None:
    button = parent.findChild(QPushButton, name)
    assert button is not None, f"no button {name}"
    assert button.isEnabled(), f"{name} is disabled"
    button.click()


def open_panel(qtbot: QtBot, rt: KioskRuntime) -> None:
    window = rt.window
    point = QPoint(window.width() - CORNER_PX // 4, CORNER_PX // 4)
    target: QWidget = window.childAt(point) or window
    for _ in range(5):
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.mapFrom(window, point))
    entry = tech(rt).pin.entry
    assert entry is not None and window.currentWidget() is entry
    for digit in DEFAULT_PIN:
        click(entry, f"tech_pin_{digit}")
    click(entry, "tech_pin_ok")
    qtbot.waitUntil(lambda: tech(rt).active, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: tech(rt).facts is not None, timeout=WAIT_MS)


def open_keypad(rt: KioskRuntime) -> CodeEntry:
    panel = tech(rt).panel
    assert panel is not None and rt.window.currentWidget() is panel
    button = panel.buttons["register_terminal"]
    assert button.isVisibleTo(panel)  # not registered: the panel offers it
    button.click()
    entry = tech(rt).registration.entry
    assert entry is not None and rt.window.currentWidget() is entry
    return entry


def enter_code(qtbot: QtBot, rt: KioskRuntime, code: str) -> str:
    """Type `code` on the keypad (the dashes come by themselves), press OK, wait for the
    outcome; returns the panel's message."""
    entry = open_keypad(rt)
    for char in code.replace("-", ""):
        click(entry, f"tech_code_{char}")
    assert entry.code_label.text() == code
    registration = tech(rt).registration
    with qtbot.waitSignal(registration.finished, timeout=WAIT_MS) as outcome:
        click(entry, "tech_code_ok")
        # The click returned before the platform answered: the GUI thread did not wait.
        assert registration.running
        assert entry.message.text() == text("reg_running")
        assert not entry.keys["ok"].isEnabled() and not entry.cancel.isEnabled()
    panel = tech(rt).panel
    assert panel is not None and rt.window.currentWidget() is panel
    assert panel.message.text() == outcome.args[0]
    return str(outcome.args[0])


def test_a_valid_code_registers_the_terminal(
    qtbot: QtBot, kiosk: KioskRuntime, central: EmbeddedPlatform
) -> None:
    rt = kiosk
    registration_file = rt.data_dir / REGISTRATION_FILE
    assert not registration_file.exists()
    code = central.add_terminal(TERMINAL_ID)  # as `kiosk-central terminals add` prints it
    open_panel(qtbot, rt)
    entry = open_keypad(rt)
    assert entry.target.text() == text("reg_target", terminal=TERMINAL_ID, platform=central.url)
    click(entry, "tech_code_cancel")  # cancel first: back to the panel, nothing sent
    assert rt.window.currentWidget() is tech(rt).panel
    assert not registration_file.exists()

    message = enter_code(qtbot, rt, code)
    assert message == text("reg_done", terminal=TERMINAL_ID, platform=central.url)
    saved = load_registration(rt.data_dir)
    assert saved.terminal_id == TERMINAL_ID and saved.key_id == rt.keys.key_id
    assert saved.platform_url == central.url
    assert central.db is not None
    known = central.db.terminal_by_key(rt.keys.key_id)  # the platform knows this kiosk's key
    assert known is not None and known.terminal_id == TERMINAL_ID
    panel = tech(rt).panel
    assert panel is not None
    # The next view reads the registration: 注册终端 is no longer offered.
    qtbot.waitUntil(lambda: tech(rt).view().registered is True, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not panel.buttons["register_terminal"].isVisibleTo(panel))


def test_a_wrong_code_shows_the_platforms_refusal_and_the_right_one_still_works(
    qtbot: QtBot, kiosk: KioskRuntime, central: EmbeddedPlatform
) -> None:
    rt = kiosk
    code = central.add_terminal(TERMINAL_ID)
    wrong = ("1111" if code.startswith("0000") else "0000") + code[4:]  # first group changed
    open_panel(qtbot, rt)
    message = enter_code(qtbot, rt, wrong)
    refusal = "platform refused (403): unknown registration code for this terminal"
    assert message == text("reg_wrong_code", terminal=TERMINAL_ID, reason=refusal)
    assert not (rt.data_dir / REGISTRATION_FILE).exists()
    message = enter_code(qtbot, rt, code)  # the refusal spent nothing
    assert message == text("reg_done", terminal=TERMINAL_ID, platform=central.url)


def test_a_key_registered_to_another_terminal_is_refused_in_words(
    qtbot: QtBot, kiosk: KioskRuntime, central: EmbeddedPlatform
) -> None:
    """A data folder copied from another terminal: its key is that terminal's already."""
    rt = kiosk
    register(rt.data_dir, central.url, "GD-440106-002", central.add_terminal("GD-440106-002"))
    (rt.data_dir / REGISTRATION_FILE).unlink()  # as if this kiosk had never registered
    code = central.add_terminal(TERMINAL_ID)
    open_panel(qtbot, rt)
    message = enter_code(qtbot, rt, code)
    refusal = "platform refused (403): this key belongs to another terminal"
    assert message == text("reg_other_key", reason=refusal)
    assert not (rt.data_dir / REGISTRATION_FILE).exists()


def test_an_unreachable_platform_is_said_so(
    qtbot: QtBot, tmp_path: Path, closed_port_url: str
) -> None:
    rt = build(qtbot, tmp_path, closed_port_url)
    try:
        open_panel(qtbot, rt)
        message = enter_code(qtbot, rt, "A1B2-C3D4-E5F6-0789")
        said = text("reg_unreachable", platform=closed_port_url, reason="\0").split("\0")[0]
        assert message.startswith(said)
        assert "ConnectionError" in message  # the client's reason, as `kiosk register` says it
        assert not (rt.data_dir / REGISTRATION_FILE).exists()
    finally:
        rt.shutdown()


def test_the_keypad_formats_and_checks_the_code(qtbot: QtBot) -> None:
    entry = CodeEntry()
    qtbot.addWidget(entry)
    submitted: list[str] = []
    entry.submitted.connect(submitted.append)
    assert entry.code_label.text() == "____-____-____-____"
    for char in "A1B":
        click(entry, f"tech_code_{char}")
    assert entry.code_label.text() == "A1B_-____-____-____"
    click(entry, "tech_code_ok")  # incomplete: said, not sent
    assert submitted == [] and entry.message.text() == text("reg_incomplete")
    click(entry, "tech_code_del")
    for char in "2C3D4E5F60789FF":  # one more than fits: ignored
        click(entry, f"tech_code_{char}")
    assert entry.code_label.text() == "A12C-3D4E-5F60-789F"
    assert entry.message.text() == ""
    click(entry, "tech_code_ok")
    assert submitted == ["A12C-3D4E-5F60-789F"]
