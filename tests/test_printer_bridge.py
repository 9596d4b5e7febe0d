"""The printer service keeps every job it cannot print, and counts every reprint attempt.

Real simulated printer writing real files, real SQLite job store, the real device thread.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from config.settings import PrinterSettings
from devices.printer.simulated import SimulatedPrinter
from kiosk.qt.printer_bridge import PrinterBridge
from kiosk.records.layouts import technician_test_page
from kiosk.records.print_jobs import PrintJobStore
from kiosk.records.receipts import PrintJob


def test_kept_then_failed_reprint_then_printed(qtbot, tmp_path: Path) -> None:
    printer = SimulatedPrinter.from_settings(PrinterSettings(fault="paper_out"), tmp_path)
    jobs = PrintJobStore.in_data_dir(tmp_path, bytes(32))
    service = PrinterBridge(printer, jobs)
    service.start()
    try:
        receipt = technician_test_page(
            job_id="test-1", terminal_id="T", service_point="P", when=dt.datetime.now(dt.UTC)
        )
        with qtbot.waitSignal(service.failed, timeout=10_000) as failed:
            service.submit(PrintJob(receipt=receipt))
        assert failed.args == ["test-1", "paper_out"]
        kept = jobs.get("test-1")
        assert kept is not None and (kept.state, kept.attempts) == ("kept", 1)

        with qtbot.waitSignal(service.failed, timeout=10_000):
            service.submit(PrintJob(reprint_job_id="test-1"))
        kept = jobs.get("test-1")
        assert kept is not None and (kept.state, kept.attempts) == ("kept", 2)
        assert kept.printer_status == "paper_out"

        printer.set_fault("none")
        with qtbot.waitSignal(service.printed, timeout=10_000):
            service.submit(PrintJob(reprint_job_id="test-1"))
        done = jobs.get("test-1")
        assert done is not None and (done.state, done.attempts) == ("printed", 3)
        assert (tmp_path / "printer" / "test-1.bin").exists()
    finally:
        service.shutdown()
        jobs.close()
