"""The technician panel's actions on their own: whether each shows as busy and what it says,
before, during and after its work; and the view's reading of the disk as typed facts.

Real parts: the off-GUI runner on its thread, a simulated printer behind the real printer
service and its device thread, real SQLite case and print-job stores, real terminal keys and
a real embedded platform on loopback for the registration the export needs. Waits are on
conditions through pytest-qt, never sleeps.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from central.embedded import EmbeddedPlatform
from config.settings import PrinterSettings, Settings, TerminalSettings
from devices.printer.base import PrinterNotReady, PrinterStatus
from devices.printer.simulated import SimulatedPrinter
from kiosk.qt.printer_bridge import PrinterBridge
from kiosk.qt.runner import OffGuiRunner
from kiosk.qt.technician.actions import (
    DiagnosticsAction,
    ExportAction,
    FactsReader,
    SyncNowAction,
    TestPrintAction,
    newest_message,
)
from kiosk.qt.technician.facts import Facts, collect
from kiosk.qt.technician.reprint import ReprintAction
from kiosk.qt.technician.view import text
from kiosk.records.layouts import technician_test_page
from kiosk.records.print_jobs import PrintJobStore, keep_unprinted
from offline_queue.errors import StoreError
from offline_queue.keys import TerminalKeys, load_or_create
from offline_queue.registration import register_local_terminal
from offline_queue.sample_cases import demo_payload, face_jpeg
from offline_queue.store import CaseStore
from screens.technician import ExportBundle, ExportDiagnostics, ReprintAll, SyncNow, TestPrint
from screens.technician_view import DeviceLine

WAIT_MS = 30_000
ID_NUMBER = "110101195001011239"


class Renders:
    """Counts the actions' calls for the panel to show a change."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[OffGuiRunner]:
    runner = OffGuiRunner("technician")
    runner.start()
    yield runner
    runner.shutdown()


@pytest.fixture
def keys(tmp_path: Path) -> TerminalKeys:
    return load_or_create(tmp_path / "data")


@pytest.fixture
def store(tmp_path: Path, keys: TerminalKeys) -> Iterator[CaseStore]:
    store = CaseStore.open(tmp_path / "data" / "queue.sqlite3", keys)
    yield store
    store.close()


@pytest.fixture
def jobs(tmp_path: Path, keys: TerminalKeys) -> Iterator[PrintJobStore]:
    jobs = PrintJobStore.in_data_dir(tmp_path / "data", keys.storage_key)
    yield jobs
    jobs.close()


@pytest.fixture
def printer_service(
    tmp_path: Path, jobs: PrintJobStore
) -> Iterator[tuple[PrinterBridge, SimulatedPrinter]]:
    printer = SimulatedPrinter.from_settings(PrinterSettings(), tmp_path / "data")
    service = PrinterBridge(printer, jobs)
    service.start()
    yield service, printer
    service.shutdown()


def _enqueue_case(store: CaseStore) -> str:
    payload = demo_payload(random.Random(7), "SIM-0001")
    return store.enqueue("pension_check", payload, {"best_frame.jpg": face_jpeg(7)}, test=True)


def test_test_print_is_busy_until_its_page_printed_or_failed(
    qtbot: QtBot, tmp_path: Path, printer_service: tuple[PrinterBridge, SimulatedPrinter]
) -> None:
    service, printer = printer_service
    renders = Renders()
    action = TestPrintAction(renders, Settings(), service, "0.1.0")
    service.printed.connect(lambda job_id: action.on_print_result(job_id, ""))
    service.failed.connect(action.on_print_result)
    assert (action.busy, action.message) == (False, "")

    action.handle(TestPrint())
    assert (action.busy, action.message) == (True, text("print_sent"))
    page = action.job_id
    action.on_print_result("certificate-261124-7KQ2M", "")  # a resident's receipt, not ours
    assert (action.busy, action.message) == (True, text("print_sent"))
    qtbot.waitUntil(lambda: not action.busy, timeout=WAIT_MS)
    assert action.message == text("print_done")
    assert (tmp_path / "data" / "printer" / f"{page}.bin").stat().st_size > 500
    assert renders.count == 1

    printer.set_fault("paper_out")
    action.handle(TestPrint())
    assert (action.busy, action.message) == (True, text("print_sent"))
    qtbot.waitUntil(lambda: not action.busy, timeout=WAIT_MS)
    assert action.message == text("print_failed", status="paper_out")


def test_export_is_busy_then_says_why_not_or_where_it_wrote(
    qtbot: QtBot, tmp_path: Path, runner: OffGuiRunner, store: CaseStore, keys: TerminalKeys
) -> None:
    data_dir = tmp_path / "data"
    _enqueue_case(store)
    renders = Renders()
    action = ExportAction(renders, runner, data_dir, store, keys)

    action.handle(ExportBundle())  # not registered yet: the bundle could not be signed for it
    assert (action.busy, action.message) == (True, "")
    qtbot.waitUntil(lambda: not action.busy, timeout=WAIT_MS)
    reason = f"no registration in {data_dir}: run `kiosk register`"
    assert action.message == text("export_failed", error=reason)
    assert not (data_dir / "exports").exists()

    platform = EmbeddedPlatform(tmp_path / "central.sqlite3")
    platform.start()
    try:
        register_local_terminal(platform, data_dir, "SIM-0001")
    finally:
        platform.stop()
    action.handle(ExportBundle())
    assert action.busy
    qtbot.waitUntil(lambda: not action.busy, timeout=WAIT_MS)
    bundles = list((data_dir / "exports").glob("*.kbundle.json"))
    assert len(bundles) == 1
    assert action.message == text("export_done", n=1, path=bundles[0])
    assert renders.count == 2


def test_reprint_all_is_busy_while_the_kept_list_is_read(
    qtbot: QtBot,
    runner: OffGuiRunner,
    jobs: PrintJobStore,
    printer_service: tuple[PrinterBridge, SimulatedPrinter],
) -> None:
    service, _printer = printer_service
    nothing_to_read = ReprintAction(Renders(), runner, None, service)
    nothing_to_read.handle(ReprintAll())
    assert (nothing_to_read.busy, nothing_to_read.message) == (False, text("reprint_none"))

    action = ReprintAction(Renders(), runner, jobs, service)
    action.handle(ReprintAll())
    assert (action.busy, action.message) == (True, "")
    qtbot.waitUntil(lambda: not action.busy, timeout=WAIT_MS)
    assert action.message == text("reprint_none")  # the store keeps nothing


def test_the_panel_says_what_was_said_last(
    runner: OffGuiRunner,
    store: CaseStore,
    printer_service: tuple[PrinterBridge, SimulatedPrinter],
) -> None:
    sync = SyncNowAction(Renders(), None, store, runner)
    reprint = ReprintAction(Renders(), runner, None, printer_service[0])
    assert newest_message([sync, reprint]) == ""
    sync.handle(SyncNow())  # no platform configured
    assert (sync.busy, sync.message) == (False, text("sync_off"))
    reprint.handle(ReprintAll())
    assert newest_message([sync, reprint]) == text("reprint_none")
    sync.handle(SyncNow())
    assert newest_message([sync, reprint]) == text("sync_off")
    for action in (sync, reprint):
        action.reset()  # technician mode entered again
    assert newest_message([sync, reprint]) == ""


def test_a_failed_reading_is_said_scrubbed_and_keeps_the_last_facts(
    qtbot: QtBot, runner: OffGuiRunner
) -> None:
    readings: list[object] = [StoreError(f"database disk image is malformed near {ID_NUMBER}")]
    arrived: list[Facts] = []

    def read() -> Facts:
        reading = readings.pop(0)
        if isinstance(reading, Exception):
            raise reading
        assert isinstance(reading, Facts)
        return reading

    renders = Renders()
    reader = FactsReader(renders, runner, read, arrived.append)
    reader.start()
    assert reader.busy
    reader.start()  # one reading at a time: this one is not queued
    qtbot.waitUntil(lambda: not reader.busy, timeout=WAIT_MS)
    assert reader.facts is None and arrived == []
    assert reader.message == "database disk image is malformed near 1101**************"
    facts = Facts(kept_count=2)
    readings.append(facts)
    reader.start()
    qtbot.waitUntil(lambda: not reader.busy, timeout=WAIT_MS)
    assert reader.facts is facts and arrived == [facts]
    assert renders.count == 2


def test_collect_reads_the_stores_and_the_log_as_typed_facts(
    tmp_path: Path, store: CaseStore, jobs: PrintJobStore
) -> None:
    data_dir = tmp_path / "data"
    _enqueue_case(store)
    page = technician_test_page(
        job_id="test-1", terminal_id="T", service_point="P", when=dt.datetime.now(dt.UTC)
    )
    keep_unprinted(jobs, page, PrinterNotReady("no paper", PrinterStatus.PAPER_OUT))
    log = data_dir / "logs" / "kiosk.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"09:30:01 INFO kiosk.sync: 3 cases sent\n09:31:00 WARNING x: {ID_NUMBER}\n")

    facts = collect(store, jobs, data_dir, "logs/kiosk.log")
    assert facts.queue.pending == 1 and facts.queue.failed == 0
    assert facts.queue.oldest_pending_age_s is not None
    assert facts.last_sync is None and facts.last_sync_error == ""
    assert facts.registered is False
    assert len(facts.backlog) == 7 and facts.backlog[-1][1] == 1  # today's point: the case
    assert facts.logs == (
        "09:30:01 INFO kiosk.sync: 3 cases sent",
        "09:31:00 WARNING x: 1101**************",
    )
    assert facts.kept_count == 1 and facts.last_printer_status == "paper_out"
    (row,) = facts.kept_list
    assert (row.job_id, row.kind, row.printer_status, row.attempts) == (
        "test-1",
        "test_page",
        "paper_out",
        1,
    )
    assert collect(store, None, data_dir, "logs/kiosk.log").kept_count == 0


def test_the_diagnostics_bundle_goes_out_with_the_panels_device_states(
    qtbot: QtBot, tmp_path: Path, runner: OffGuiRunner
) -> None:
    data_dir = tmp_path / "data"
    settings = Settings(terminal=TerminalSettings(data_dir=data_dir))
    renders = Renders()
    states = {"printer": DeviceLine("paper_out", False, "待补打 1 张")}
    action = DiagnosticsAction(renders, runner, settings, lambda: states)
    action.handle(ExportDiagnostics())
    assert action.busy and action.message == text("diagnostics_running")
    qtbot.waitUntil(lambda: not action.busy, timeout=WAIT_MS)
    [bundle] = (data_dir / "exports").glob("kiosk-diagnostics-*.zip")
    assert action.message == text("diagnostics_done", path=bundle)
    with zipfile.ZipFile(bundle) as archive:
        report = json.loads(archive.read("report.json"))
    assert report["devices"]["printer"]["state"] == "paper_out"
    parts = {check["part"] for check in report["selftest"]["checks"]}
    # What the running kiosk holds is not opened a second time: its states come from the panel.
    assert parts and not parts & {"card_reader", "camera", "printer", "face_models"}
    assert renders.count == 1
