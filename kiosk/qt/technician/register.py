"""Registering the terminal from the technician panel (注册终端).

The technician types the one-time code on `screens.code_entry.CodeEntry`; the registration
itself is `offline_queue.registration.register`, the call `kiosk register` makes, with the
same settings (terminal.id, platform CA bundle and timeout). It runs on the technician's worker
thread (`kiosk-technician`): the GUI thread never waits on the platform. `finished` carries
the outcome in words for the panel. The code is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from kiosk.qt.runner import Done, Failed, OffGuiRunner, Result
from kiosk.qt.technician.actions import Action
from kiosk.qt.technician.view import text
from offline_queue.errors import (
    InvalidPlatformURL,
    PlatformBusy,
    PlatformRefused,
    PlatformUnreachable,
)
from offline_queue.registration import RegisteredTerminal, register
from screens import technician as panel
from screens.code_entry import CodeEntry
from screens.technician import scrub
from screens.window import KioskWindow

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)

# How the reference platform words its refusals (central/db.py RegistrationRefused) and how
# offline_queue.registration words a reply for another key: each gets its own advice.
WRONG_CODE_MARKS = ("registration code",)
OTHER_KEY_MARKS = ("another terminal", "different key")


def outcome_text(result: Result[RegisteredTerminal], terminal_id: str, platform_url: str) -> str:
    """The registration's outcome for the technician: where it registered, or why not."""
    if isinstance(result, Done):
        done = result.value.registration
        return text("reg_done", terminal=done.terminal_id, platform=done.platform_url)
    error = result.error
    reason = scrub(str(error))
    if isinstance(error, InvalidPlatformURL):
        return text("reg_bad_platform", reason=reason)
    if isinstance(error, PlatformUnreachable | PlatformBusy):
        return text("reg_unreachable", platform=platform_url, reason=reason)
    if isinstance(error, PlatformRefused):
        return _refusal_text(reason, terminal_id)
    return text("reg_failed", reason=reason)


def _refusal_text(reason: str, terminal_id: str) -> str:
    if any(mark in reason for mark in OTHER_KEY_MARKS):
        return text("reg_other_key", reason=reason)
    if any(mark in reason for mark in WRONG_CODE_MARKS):
        return text("reg_wrong_code", terminal=terminal_id, reason=reason)
    return text("reg_refused", reason=reason)


class TechnicianRegistration(QObject):
    """The code keypad in the window's stack and the registration behind it."""

    finished = Signal(str)  # the outcome in words; "" when the technician cancelled

    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        platform_url: str,
        window: KioskWindow,
        worker: OffGuiRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings, self.data_dir, self.platform_url = settings, data_dir, platform_url
        self.window, self._worker = window, worker
        self.entry: CodeEntry | None = None
        self.showing = False  # the keypad is (or should be) the current screen
        self.running = False  # a registration is with the platform

    @property
    def terminal_id(self) -> str:
        return self.settings.terminal.id

    def open(self) -> str:
        """Show the keypad; returns the reason instead when there is nowhere to register."""
        if not self.platform_url:
            return text("reg_no_platform")
        entry = self._entry()
        if not self.running:
            entry.reset(text("reg_target", terminal=self.terminal_id, platform=self.platform_url))
        self.showing = True
        self.window.setCurrentWidget(entry)
        return ""

    def hide(self) -> None:
        """The panel is leaving: a running registration still reports on `finished`."""
        self.showing = False

    def _entry(self) -> CodeEntry:
        if self.entry is None:
            self.entry = CodeEntry()
            self.entry.submitted.connect(self._submit)
            self.entry.cancelled.connect(self._cancel)
            self.window.addWidget(self.entry)
        return self.entry

    def _cancel(self) -> None:
        if not self.running:
            self.showing = False
            self.finished.emit("")

    def _submit(self, code: str) -> None:
        if self.running:
            return
        entry = self._entry()
        entry.set_busy(True)
        entry.show_message(text("reg_running"))
        self.running = True
        data_dir, url, terminal_id = self.data_dir, self.platform_url, self.terminal_id
        platform = self.settings.platform
        log.info("technician registers terminal %s with %s", terminal_id, url)

        def run() -> RegisteredTerminal:
            return register(
                data_dir,
                url,
                terminal_id,
                code,
                ca_bundle=platform.ca_bundle,
                timeout_s=platform.timeout_s,
            )

        self._worker.run(run, self._done)

    def _done(self, result: Result[RegisteredTerminal]) -> None:
        self.running = False
        message = outcome_text(result, self.terminal_id, self.platform_url)
        if isinstance(result, Failed):
            log.warning("technician registration failed: %s", scrub(str(result.error)))
        else:
            log.info("terminal %s registered with %s", self.terminal_id, self.platform_url)
        if self.entry is not None:
            self.entry.set_busy(False)
        self.showing = False
        self.finished.emit(message)


class RegisterAction(Action):
    """注册终端: opens the code keypad; the registration's outcome is said on the panel.

    It never shows as busy: the keypad shows the registration running (its keys disabled),
    and the panel's button stays usable so that a technician who left and came back reopens
    the keypad and sees it still running."""

    name = "register_terminal"
    intents = (panel.RegisterTerminal,)

    def __init__(
        self,
        changed: Callable[[], None],
        registration: TechnicianRegistration,
        finished: Callable[[], None],
    ) -> None:
        super().__init__(changed)
        self.registration = registration
        self._finished = finished  # back to the panel, which reads the registration again
        registration.finished.connect(self._on_finished)

    def handle(self, intent: object) -> None:
        self._say(self.registration.open())  # "" once the keypad is up: the old word goes

    def _on_finished(self, message: str) -> None:
        if message:  # "" when the technician cancelled
            self._say(message)
        self._finished()
