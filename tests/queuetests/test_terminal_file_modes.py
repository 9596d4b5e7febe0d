"""Everything the terminal writes is its own: the data folder 0700, files 0600 (registration,
simulated paper, export bundles, logs, the PIN gate's state), whatever the umask.

The print-job store is left out here: its SQLite layer is being rewritten elsewhere.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.embedded import EmbeddedPlatform
from config import load_settings
from config.settings import PrinterSettings
from devices.printer.simulated import SimulatedPrinter
from kiosk.app import data_dir_of, setup_file_logging
from kiosk.cli import main as kiosk_main
from kiosk.records.layouts import technician_test_page
from kiosk.technician.gate import PinGate
from kiosk.technician.pin import hash_pin
from offline_queue.export import export_bundle
from offline_queue.registration import load_registration, register_local_terminal
from offline_queue.store import CaseStore
from tests.queuetests.conftest import case_payload


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def lax_umask() -> Iterator[None]:
    """A umask that would leave files 0644: only explicit modes can pass these tests."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_registration_bundle_and_simulated_paper_are_private(
    platform: EmbeddedPlatform, tmp_path: Path
) -> None:
    data_dir = tmp_path / "new" / "kiosk"
    keys = register_local_terminal(platform, data_dir, "MODES-1", "示范村便民服务站")
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "platform.json") == 0o600

    store = CaseStore.open(data_dir / "queue.db", keys)
    try:
        store.enqueue("pension_check", case_payload(0), {"face.jpg": b"\xff\xd8face"})
        result = export_bundle(store, keys, load_registration(data_dir), tmp_path / "usb")
    finally:
        store.close()
    assert mode(result.path) == 0o600

    printer = SimulatedPrinter.from_settings(PrinterSettings(), data_dir)
    printer.open()
    receipt = technician_test_page(
        job_id="test-1",
        terminal_id="MODES-1",
        service_point="示范村便民服务站",
        when=dt.datetime.now(dt.UTC),
    )
    printer.print_receipt(receipt)
    printer.close()
    assert mode(data_dir / "printer") == 0o700
    printed = sorted((data_dir / "printer").iterdir())
    assert [p.suffix for p in printed] == [".bin", ".png"]
    assert all(mode(p) == 0o600 for p in printed)


def test_logs_and_the_pin_gate_state_are_private(tmp_path: Path) -> None:
    settings = load_settings()
    data_dir = tmp_path / "kiosk"
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)  # an older release, or made by hand
    settings = settings.__class__(
        **{
            **settings.__dict__,
            "terminal": settings.terminal.__class__(
                **{**settings.terminal.__dict__, "data_dir": data_dir}
            ),
            "logging": settings.logging.__class__(
                **{**settings.logging.__dict__, "max_bytes": 200, "backups": 2}
            ),
        }
    )
    assert data_dir_of(settings) == data_dir.resolve() and mode(data_dir) == 0o700
    root = logging.getLogger()
    before = list(root.handlers)
    setup_file_logging(settings, data_dir)
    try:
        for index in range(20):  # past max_bytes: the file rotates
            logging.getLogger("kiosk.test").warning("line %d of the log", index)
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
    logs = sorted(p for p in data_dir.rglob("*") if p.is_file())
    assert len(logs) >= 2, logs  # the current log and a rotated one
    assert all(mode(p) == 0o600 for p in logs), [(p.name, oct(mode(p))) for p in logs]

    state = data_dir / "technician-gate.json"
    gate = PinGate(hash_pin("246810"), max_attempts=3, lockout_s=60, state_file=state)
    assert gate.check("000000") is False
    assert mode(state) == 0o600


def test_the_kiosk_command_writes_private_files_whatever_the_umask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "var"
    assert kiosk_main(["queue", "fill-demo", "--count", "1", "--data-dir", str(data)]) == 0
    capsys.readouterr()
    written = [p for p in data.rglob("*")]
    assert written and all(mode(p) == (0o700 if p.is_dir() else 0o600) for p in written), [
        (str(p.relative_to(data)), oct(mode(p))) for p in written
    ]
    assert os.umask(0o022) == 0o022  # restored for the caller
