"""The technician panel's actions: one small object per button. Each owns whether it is running
(`busy`: its button is disabled meanwhile) and what it last said (`message`); the panel shows
the message said last, by whichever action. Anything that blocks goes to the off-GUI runner
(thread `kiosk-technician`) and comes back as Done or Failed; devices are reached only
through their services' threads.

Reprints and registration are in reprint.py and register.py; the view's reading of the disk
(`FactsReader`) is here too, as its failure is said on the panel like an action's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from contract.certificates import CHINA_TZ
from devices.card_reader.base import CardInserted, ReaderStateChanged, ReadFailed
from kiosk.qt.card_bridge import CardReaderBridge
from kiosk.qt.controller import READER_DOWN, card_failure_reason
from kiosk.qt.printer_bridge import PrinterBridge
from kiosk.qt.runner import Done, Failed, OffGuiRunner, Result
from kiosk.qt.technician.facts import Facts, SyncMark, sync_mark
from kiosk.qt.technician.view import text
from kiosk.records.layouts import technician_test_page
from kiosk.records.receipts import PrintJob
from kiosk.selftest.diagnostics import (
    DiagnosticsBundle,
    checks_beside_a_running_kiosk,
    write_bundle,
)
from kiosk.technician import status
from offline_queue.export import ExportResult, export_bundle
from offline_queue.keys import TerminalKeys
from offline_queue.registration import load_registration
from offline_queue.store import CaseStore
from offline_queue.sync import SyncWorker
from screens import technician as panel
from screens.technician import scrub
from screens.technician_view import DeviceLine

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)

SYNC_WAIT_S = 30.0
_said = itertools.count(1)  # orders what the actions said: the panel shows the newest


class Action:
    """One of the panel's buttons (`name` is its objectName), or another speaker on the panel."""

    name: ClassVar[str] = ""
    intents: ClassVar[tuple[type, ...]] = ()  # the panel's intents this action answers

    def __init__(self, changed: Callable[[], None]) -> None:
        self._changed = changed  # the panel shows the change (a no-op while it is hidden)
        self._busy = False
        self.message = ""
        self.said_at = 0  # when `message` was said, in `_said` order; 0: nothing said

    @property
    def busy(self) -> bool:
        return self._busy

    def handle(self, intent: object) -> None:
        """The technician pressed this action's button. Each action with `intents` answers
        them here; one without (FactsReader, a speaker only) is never sent any."""
        log.warning("%s does not answer %s: ignored", type(self).__name__, type(intent).__name__)

    def reset(self) -> None:
        """Technician mode was entered: nothing shows as running, nothing as said. A call
        still on the worker answers all the same."""
        self._busy = False
        self.message, self.said_at = "", 0

    def _say(self, message: str) -> None:
        self.message, self.said_at = message, next(_said)


def newest_message(actions: list[Action]) -> str:
    """What the panel says: the message said last, by whichever action."""
    speaker = max(actions, key=lambda action: action.said_at, default=None)
    return speaker.message if speaker is not None and speaker.said_at else ""


class FactsReader(Action):
    """Reads the view's slow parts (facts.py) on the worker; one reading at a time."""

    def __init__(
        self,
        changed: Callable[[], None],
        runner: OffGuiRunner,
        read: Callable[[], Facts],
        arrived: Callable[[Facts], None],
    ) -> None:
        super().__init__(changed)
        self._runner, self._read, self._arrived = runner, read, arrived
        self.facts: Facts | None = None  # the last reading; None before the first

    def start(self) -> None:
        if self._busy:
            return
        self._busy = True
        self._runner.run(self._read, self._done)

    def reset(self) -> None:
        """Unlike a button's, a reading under way is not forgotten: one at a time."""
        self.message, self.said_at = "", 0

    def _done(self, result: Result[Facts]) -> None:
        self._busy = False
        match result:
            case Failed(error):
                log.error("technician view: %s", error)
                self._say(scrub(str(error)))
            case Done(facts):
                self.facts = facts
                self._arrived(facts)
        self._changed()


class CardReadAction(Action):
    """测试读卡: the next card (or the one lying there) is read and shown, masked."""

    name = "test_card_read"
    intents = (panel.TestCardRead,)

    def __init__(self, changed: Callable[[], None], card: CardReaderBridge) -> None:
        super().__init__(changed)
        self._card = card
        self.watching = False

    def handle(self, intent: object) -> None:
        self.watching = True
        self._say(text("card_waiting"))
        self._card.start_watching()  # replays a card already on the reader

    def release(self) -> None:
        """The panel is leaving: the reader is the resident's again."""
        if self.watching:
            self.watching = False
            self._card.stop_watching()

    def on_card_event(self, event: object) -> None:
        if not self.watching:
            return
        if isinstance(event, CardInserted):
            identity = event.identity  # masked only: the panel is a public screen
            self._say(
                text("card_read", name=identity.masked_name, id_number=identity.masked_id_number)
            )
        elif isinstance(event, ReadFailed):
            self._say(text("card_failed", reason=card_failure_reason(event.error)))
        elif isinstance(event, ReaderStateChanged) and event.state in READER_DOWN:
            self._say(text("card_failed", reason=str(event.state)))
        else:
            return  # a card lifted, a card present: the reader's state line shows it
        self._changed()


class TestPrintAction(Action):
    """测试打印: a test page through the printer service; busy until it printed or failed."""

    __test__ = False  # not a pytest test class, despite the name
    name = "test_print"
    intents = (panel.TestPrint,)

    def __init__(
        self, changed: Callable[[], None], settings: Settings, printer: PrinterBridge, version: str
    ) -> None:
        super().__init__(changed)
        self._settings, self._printer, self._version = settings, printer, version
        self.job_id = ""  # the test page in flight

    def handle(self, intent: object) -> None:
        now = dt.datetime.now(CHINA_TZ)
        terminal = self._settings.terminal
        self.job_id = f"test-{now:%Y%m%d%H%M%S%f}"
        page = technician_test_page(
            job_id=self.job_id,
            terminal_id=terminal.id,
            service_point=terminal.service_point,
            when=now,
            settings_lines=(("打印机", self._settings.printer.backend), ("版本", self._version)),
        )
        self._busy = True
        self._say(text("print_sent"))
        self._printer.submit(PrintJob(receipt=page))

    def on_print_result(self, job_id: str, failed_status: str) -> None:
        if not job_id or job_id != self.job_id:
            return  # a resident's receipt: the device states note the printer's state
        self.job_id = ""
        self._busy = False
        if failed_status:
            self._say(text("print_failed", status=failed_status))
        else:
            self._say(text("print_done"))
        self._changed()


class SyncNowAction(Action):
    """立即同步: the sync worker sends now; busy until the view reads an attempt made after the
    press (or SYNC_WAIT_S pass)."""

    name = "sync_now"
    intents = (panel.SyncNow,)

    def __init__(
        self,
        changed: Callable[[], None],
        sync: SyncWorker | None,
        store: CaseStore,
        runner: OffGuiRunner,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(changed)
        self._sync, self._store, self._runner, self._clock = sync, store, runner, clock
        self._mark: SyncMark | None = None  # the last attempt before the press
        self._deadline = 0.0

    def handle(self, intent: object) -> None:
        if self._sync is None:
            self._say(text("sync_off"))
            return
        self._busy = True
        self._say(text("sync_requested"))
        store = self._store
        self._runner.run(lambda: sync_mark(store), self._marked)

    def _marked(self, result: Result[SyncMark]) -> None:
        # The mark is read first so that only an attempt after the press ends the wait.
        match result:
            case Failed(error):
                self._busy = False
                self._say(text("sync_failed", error=scrub(str(error))))
                self._changed()
            case Done(mark):
                self._mark = mark
                self._deadline = self._clock() + SYNC_WAIT_S
                if self._sync is not None:
                    self._sync.sync_now(force=True)  # the technician means now, backoff or not

    def check(self, facts: Facts) -> None:
        """A new reading of the disk: did an attempt end since the press?"""
        if not self._busy or self._mark is None:
            return
        error = facts.last_sync_error
        if facts.sync_mark != self._mark:
            done = text("sync_done", n=facts.queue.pending)
            self._say(text("sync_failed", error=scrub(error)) if error else done)
        elif self._clock() > self._deadline:
            self._say(text("sync_failed", error=scrub(error) or "timeout"))
        else:
            return
        self._busy = False
        self._mark = None


class ExportAction(Action):
    """导出待同步数据: the unsynced cases, signed, to a USB stick (or the data folder)."""

    name = "export_bundle"
    intents = (panel.ExportBundle,)

    def __init__(
        self,
        changed: Callable[[], None],
        runner: OffGuiRunner,
        data_dir: Path,
        store: CaseStore,
        keys: TerminalKeys,
    ) -> None:
        super().__init__(changed)
        self._runner = runner
        self._data_dir, self._store, self._keys = data_dir, store, keys

    def handle(self, intent: object) -> None:
        self._busy = True
        data_dir, store, keys = self._data_dir, self._store, self._keys

        def export() -> ExportResult:
            registration = load_registration(data_dir)
            return export_bundle(store, keys, registration, status.export_folder(data_dir))

        self._runner.run(export, self._done)

    def _done(self, result: Result[ExportResult]) -> None:
        self._busy = False
        match result:
            case Failed(error):
                log.warning("technician export failed: %s", error)
                self._say(text("export_failed", error=scrub(str(error))))
            case Done(bundle):
                log.info("technician exported %d case(s) to %s", bundle.count, bundle.path)
                self._say(text("export_done", n=bundle.count, path=bundle.path))
        self._changed()


class DiagnosticsAction(Action):
    """导出诊断包: the bundle for support (kiosk.selftest.diagnostics), to a USB stick (or the
    data folder): the self-test's checks that do not open what the kiosk holds, and the
    device states this panel shows for the rest."""

    name = "export_diagnostics"
    intents = (panel.ExportDiagnostics,)

    def __init__(
        self,
        changed: Callable[[], None],
        runner: OffGuiRunner,
        settings: Settings,
        devices: Callable[[], Mapping[str, DeviceLine]],
    ) -> None:
        super().__init__(changed)
        self._runner, self._settings, self._devices = runner, settings, devices

    def handle(self, intent: object) -> None:
        if self._busy:
            return
        self._busy = True
        self._say(text("diagnostics_running"))
        settings = self._settings
        devices = {name: dataclasses.asdict(line) for name, line in self._devices().items()}

        def write() -> DiagnosticsBundle:
            folder = status.export_folder(settings.terminal.data_dir)
            return write_bundle(
                settings, folder, checks=checks_beside_a_running_kiosk(), devices=devices
            )

        self._runner.run(write, self._done)

    def _done(self, result: Result[DiagnosticsBundle]) -> None:
        self._busy = False
        match result:
            case Failed(error):
                log.warning("technician diagnostics bundle failed: %s", error)
                self._say(text("diagnostics_failed", error=scrub(str(error))))
            case Done(bundle):
                self._say(text("diagnostics_done", path=bundle.path))
        self._changed()


class LeaveAction(Action):
    """返回服务界面: back to the resident's welcome screen."""

    name = "leave_technician"
    intents = (panel.LeaveTechnician,)

    def __init__(self, changed: Callable[[], None], leave: Callable[[], None]) -> None:
        super().__init__(changed)
        self._leave = leave

    def handle(self, intent: object) -> None:
        self._leave()


class ExitAction(Action):
    """退出到桌面: the kiosk app closes (for maintenance on the desktop)."""

    name = "exit_to_desktop"
    intents = (panel.ExitToDesktop,)

    def __init__(
        self, changed: Callable[[], None], leave: Callable[[], None], quit_app: Callable[[], None]
    ) -> None:
        super().__init__(changed)
        self._leave = leave
        self.quit_app = quit_app

    def handle(self, intent: object) -> None:
        log.warning("technician closed the kiosk app (exit to the desktop)")
        self._leave()
        self.quit_app()
