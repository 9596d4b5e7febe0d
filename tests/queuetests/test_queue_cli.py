"""`kiosk register` / `kiosk queue ...` against a real `kiosk-central serve` process, and no
clear-text personal data in the database file, the logs or the export bundle.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from contract import wire
from kiosk.cli import main as kiosk_main
from offline_queue.keys import load
from offline_queue.store import CaseStore
from tests.queuetests.conftest import (
    ID_NUMBER,
    NAME,
    REPO_ROOT,
    Terminal,
    case_payload,
    make_worker,
)

STATUS_KEYS = {"pending", "sending", "acked", "rejected", "oldest_pending_age_s", "last_sync"}


def central(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "central.cli", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    db = tmp_path / "central.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "central.cli", "serve", "--db", str(db), "--port", "0"],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = ""
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r"kiosk-central on (http://\S+)", line)
        if found:
            url = found.group(1)
            break
    assert url, "kiosk-central serve did not start"
    yield url, db, proc
    proc.terminate()
    proc.communicate(timeout=15)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = kiosk_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_register_fill_status_export_sync_and_failures(
    served: tuple[str, Path, subprocess.Popen[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url, db, server = served
    data = str(tmp_path / "kiosk")
    added = central("terminals", "add", "VILLAGE-9", "--db", str(db))
    assert added.returncode == 0
    code_line = added.stdout.strip().splitlines()[-1]

    assert (
        run(
            capsys,
            "register",
            "--platform",
            url,
            "--code",
            "WRONG-CODE",
            "--terminal-id",
            "VILLAGE-9",
            "--data-dir",
            data,
        )[0]
        == 3
    )
    assert run(capsys, "register", "--code", code_line, "--data-dir", data)[0] == 2  # no URL
    code, out, _ = run(
        capsys,
        "register",
        "--platform",
        url,
        "--code",
        code_line,
        "--terminal-id",
        "VILLAGE-9",
        "--data-dir",
        data,
    )
    assert code == 0 and "VILLAGE-9" in out

    assert run(capsys, "queue", "fill-demo", "--count", "6", "--data-dir", data)[0] == 0
    code, out, _ = run(capsys, "queue", "status", "--json", "--data-dir", data)
    status = json.loads(out)
    assert code == 0 and set(status) == STATUS_KEYS
    assert status["pending"] == 6 and status["last_sync"] is None

    usb = tmp_path / "usb"
    code, out, _ = run(capsys, "queue", "export", str(usb), "--data-dir", data)
    assert code == 0 and "exported 6" in out
    bundle_bytes = next(usb.iterdir()).read_bytes()

    code, out, _ = run(capsys, "queue", "sync", "--until-empty", "--data-dir", data)
    assert code == 0, out
    status = json.loads(run(capsys, "queue", "status", "--json", "--data-dir", data)[1])
    assert (status["pending"], status["acked"]) == (0, 6) and status["last_sync"]

    # The feed is closed without a token; an operator makes a feed-only one with the CLI.
    assert requests.get(f"{url}/api/v1/cases", timeout=5).status_code == 401
    token = central("tokens", "add", "pull", "--scope", "feed", "--db", str(db)).stdout
    token = token.strip().splitlines()[-1]
    reader = {"Authorization": f"Bearer {token}"}
    feed = requests.get(f"{url}/api/v1/cases", headers=reader, timeout=5).json()["items"]
    assert len(feed) == 6 and all(item["test"] for item in feed)
    assert all(len(item["attachments"]["face.jpg"]["sha256"]) == 64 for item in feed)
    secrets = [item["payload"]["resident"]["name"] for item in feed]
    secrets += [item["payload"]["resident"]["id_number"] for item in feed]

    # the link goes down: sync fails with a reason and exit 3; the new case stays
    assert run(capsys, "queue", "fill-demo", "--count", "1", "--data-dir", data)[0] == 0
    server.terminate()
    server.communicate(timeout=15)
    code, _, err = run(capsys, "queue", "sync", "--data-dir", data)
    assert code == 3 and "ConnectionError" in err
    code, _, err = run(
        capsys,
        "queue",
        "sync",
        "--until-empty",
        "--timeout",
        "1",
        "--data-dir",
        data,
        "--platform",
        url,
    )
    assert code == 3 and err.strip()
    assert (
        json.loads(run(capsys, "queue", "status", "--json", "--data-dir", data)[1])["pending"] == 1
    )
    secrets += [case["payload"]["resident"]["name"] for case in _pending_payloads(Path(data))]

    # nothing personal in clear: database file (and WAL), logs, the bundle
    database = (Path(data) / "queue.db").read_bytes()
    wal = Path(data) / "queue.db-wal"
    database += wal.read_bytes() if wal.exists() else b""
    logs = caplog.text + capsys.readouterr().err
    for secret in secrets:
        assert secret.encode() not in database
        assert secret not in logs
        assert secret.encode() not in bundle_bytes


def _pending_payloads(data_dir: Path) -> list[dict[str, object]]:
    store = CaseStore.open(data_dir / "queue.db", load(data_dir))
    try:
        return [store.envelope(case_id) for case_id in store.case_ids("pending")]
    finally:
        store.close()


def test_sync_without_registration_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "fresh")
    assert run(capsys, "queue", "fill-demo", "--count", "1", "--data-dir", data)[0] == 0
    code, _, err = run(capsys, "queue", "sync", "--data-dir", data)
    assert code == 3 and "kiosk register" in err
    assert run(capsys, "queue", "fill-demo", "--count", "0", "--data-dir", data)[0] == 2


def test_a_terminal_without_a_link_is_acknowledged_by_the_import_receipt(
    served: tuple[str, Path, subprocess.Popen[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, db, _server = served
    data = str(tmp_path / "kiosk")
    code_line = central("terminals", "add", "FAR-1", "--db", str(db)).stdout.splitlines()[-1]
    assert (
        run(
            capsys,
            "register",
            "--platform",
            url,
            "--code",
            code_line,
            "--terminal-id",
            "FAR-1",
            "--data-dir",
            data,
        )[0]
        == 0
    )
    assert run(capsys, "queue", "fill-demo", "--count", "3", "--data-dir", data)[0] == 0
    usb = tmp_path / "usb"
    assert run(capsys, "queue", "export", str(usb), "--data-dir", data)[0] == 0
    bundle = next(usb.iterdir())
    # one more case after the export: the receipt must not acknowledge it
    assert run(capsys, "queue", "fill-demo", "--count", "1", "--data-dir", data)[0] == 0

    imported = central("import", str(bundle), "--db", str(db))
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(imported.stdout)
    assert (summary["accepted"], summary["rejected"]) == (3, 0)
    receipt = Path(summary["receipt"])

    forged = tmp_path / "forged.json"
    table = json.loads(receipt.read_text())
    table["cases"]["01a20000-0000-7000-8000-000000000000"] = "0" * 64
    forged.write_text(json.dumps(table))
    code, _, err = run(capsys, "queue", "ack", str(forged), "--data-dir", data)
    assert code == 3 and "signature" in err

    code, out, _ = run(capsys, "queue", "ack", str(receipt), "--data-dir", data)
    assert code == 0 and "acknowledged 3" in out
    status = json.loads(run(capsys, "queue", "status", "--json", "--data-dir", data)[1])
    assert (status["pending"], status["acked"]) == (1, 3)
    # importing the same bundle again changes nothing on the platform
    again = json.loads(central("import", str(bundle), "--db", str(db)).stdout)
    assert (again["accepted"], again["duplicate"]) == (0, 3)


def test_plain_http_to_another_machine_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "kiosk")
    assert run(capsys, "queue", "fill-demo", "--count", "1", "--data-dir", data)[0] == 0
    for argv in (
        ("queue", "sync", "--data-dir", data, "--platform", "http://192.0.2.10:8080"),
        ("register", "--data-dir", data, "--platform", "http://192.0.2.10", "--code", "AB-CD"),
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "plain http" in err and "https://" in err
        assert len(err.strip().splitlines()) == 1
    assert (
        json.loads(run(capsys, "queue", "status", "--json", "--data-dir", data)[1])["pending"] == 1
    )  # nothing was lost or sent


def test_rejected_lists_dead_letters_with_the_platforms_reason(
    terminal: Terminal, capsys: pytest.CaptureFixture[str]
) -> None:
    good = terminal.store.enqueue("pension_check", case_payload(0), {})
    bad = terminal.store.enqueue("pension_check", case_payload(1), {"face.jpg": b"\xff\xd8"})
    with terminal.store._db.atomic():  # a signature the platform cannot verify
        terminal.store._db.execute(
            "UPDATE cases SET signature = ? WHERE id = ?", [wire.b64e(b"\0" * 64), bad]
        )
    worker = make_worker(terminal.store, terminal.keys, terminal.url)
    assert worker.drain(20).rejected_ids == [bad]
    worker.client.close()
    data = str(terminal.data_dir)

    code, out, _ = run(capsys, "queue", "rejected", "--data-dir", data, "--json")
    assert code == 0
    listed = json.loads(out)
    assert [case["case_id"] for case in listed] == [bad]
    case = listed[0]
    assert set(case) == {"case_id", "kind", "created_at", "attempts", "reason", "rejected_at"}
    assert case["kind"] == "pension_check" and case["attempts"] == 1
    assert case["created_at"] == terminal.store.case_info(bad)["created_at"]
    assert case["reason"] == "invalid: case signature does not verify"  # the platform's words
    assert NAME not in out and ID_NUMBER not in out

    code, text, _ = run(capsys, "queue", "rejected", "--data-dir", data)
    assert code == 0 and bad in text and "signature does not verify" in text
    assert good not in text
    # the status contract is unchanged: same keys, the dead letter counted
    status = json.loads(run(capsys, "queue", "status", "--json", "--data-dir", data)[1])
    assert set(status) == STATUS_KEYS and status["rejected"] == 1 and status["acked"] == 1


def test_rejected_never_shows_an_id_number_a_reason_might_echo(
    terminal: Terminal, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = terminal.store.enqueue("pension_check", case_payload(0), {})
    terminal.store.claim_batch(1)
    terminal.store.mark_rejected(case_id, f"invalid: resident {ID_NUMBER} is not enrolled")
    code, out, _ = run(capsys, "queue", "rejected", "--data-dir", str(terminal.data_dir), "--json")
    assert code == 0 and ID_NUMBER not in out
    assert json.loads(out)[0]["reason"] == "invalid: resident [ID number] is not enrolled"
    empty = str(tmp_path / "empty")
    assert run(capsys, "queue", "rejected", "--data-dir", empty, "--json")[1].strip() == "[]"
    assert run(capsys, "queue", "rejected", "--data-dir", empty)[1].strip() == "no rejected cases"
