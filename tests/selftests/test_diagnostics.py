"""`kiosk diagnostics`: the bundle a technician sends to support holds the self-test, the
configuration with secrets masked, the queue's figures and the logs, and no personal data.
Real config file, real encrypted case store with a resident's case in it, real log files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from config import load_settings
from kiosk.cli import main
from offline_queue.keys import load_or_create
from offline_queue.store import CaseStore
from selftests.conftest import WriteConfig

pytestmark = [pytest.mark.slow]

NAME, ID_NUMBER = "张秀英", "110101195001011239"  # the simulated card's holder (config)
FACE = b"\xff\xd8\xff\xe0 a face"


def a_terminal_in_use(write_config: WriteConfig) -> Path:
    config = write_config('[technician]\nstaff = ["0107:pbkdf2_sha256$1$00$11"]\n')
    data_dir = load_settings(config).terminal.data_dir
    keys = load_or_create(data_dir)
    with CaseStore.open(data_dir / "queue.db", keys) as store:
        payload = {"service": "pension_check", "resident": {"name": NAME, "id_number": ID_NUMBER}}
        store.enqueue("pension_check", payload, {"face.jpg": FACE})
    logs = data_dir / "logs"
    logs.mkdir(parents=True)
    (logs / "kiosk.log").write_text(f"10:00 INFO kiosk: started\n10:01 WARNING x: {ID_NUMBER}\n")
    (logs / "kiosk.log.1").write_text("09:00 INFO kiosk: an older day\n")
    return config


def test_the_bundle_has_what_support_needs_and_no_personal_data(
    write_config: WriteConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = a_terminal_in_use(write_config)
    out = tmp_path / "usb"
    code = main(["diagnostics", "--config", str(config), "--out", str(out), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0
    bundle = Path(answer["path"])
    assert bundle.parent == out and bundle.stat().st_mode & 0o777 == 0o600
    assert answer["log_files"] == 2
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        everything = b"".join(archive.read(name) for name in names)
        report: dict[str, Any] = json.loads(archive.read("report.json"))
    assert names == {"report.json", "logs/kiosk.log", "logs/kiosk.log.1"}
    for personal in (ID_NUMBER.encode(), NAME.encode(), FACE):
        assert personal not in everything, personal
    assert b"1101**************" in everything  # the log line, masked
    parts = {check["part"] for check in report["selftest"]["checks"]}
    assert {"card_reader", "camera", "printer", "face_models", "queue", "clock"} <= parts
    assert report["config"]["technician"]["pin_hash"] == "********"
    assert report["config"]["technician"]["staff"] == "********"
    assert report["config"]["card_reader"]["simulated"]["name"] == "张*英"
    assert report["queue"]["status"]["pending"] == 1
    assert report["registration"]["registered"] is False
    assert report["terminal_id"] == "SIM-0001" and report["version"]


def test_a_folder_that_cannot_be_written_is_exit_3(
    write_config: WriteConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    code = main(["diagnostics", "--config", str(write_config()), "--out", str(blocked)])
    assert code == 3
    assert "cannot write" in capsys.readouterr().err
