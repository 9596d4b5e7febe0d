"""`kiosk print-test` and `kiosk certificate demo|verify|jobs|reprint`, run in-process in a
fresh working directory (data_dir "var" is relative to it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contract.keys import public_key_text
from devices.printer.base import PrinterStatus
from kiosk.cli import main
from offline_queue import keys as terminal_keys
from printtests.fake_printer import FakeNetworkPrinter


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_prints_a_certificate_whose_token_verify_accepts(
    workdir: Path, capsys: pytest.CaptureFixture[str], network_printer: FakeNetworkPrinter
) -> None:
    code, out, _ = run(capsys, "certificate", "demo", "--printer", network_printer.target, "--json")
    assert code == 0
    demo = json.loads(out)
    assert set(demo) == {"certificate_no", "token", "bytes"}
    assert 0 < demo["bytes"] <= 6 * 1024
    assert len(demo["token"]) < 300

    code, out, _ = run(capsys, "certificate", "verify", demo["token"], "--json")
    assert code == 0
    verdict = json.loads(out)
    assert verdict["valid"] is True
    assert verdict["fields"]["certificate_no"] == demo["certificate_no"]
    assert verdict["fields"]["name"] == "张*英"


def test_verify_with_a_key_file_and_rejections(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "certificate", "demo", "--printer", "simulated", "--json")
    assert code == 0
    token = json.loads(out)["token"]
    assert list((workdir / "var" / "printer").glob("cert-*.png"))  # the simulated paper
    own = terminal_keys.load(workdir / "var")
    keys = workdir / "keys.json"
    keys.write_text(json.dumps({own.key_id: public_key_text(own.public_key)}))
    code, out, _ = run(capsys, "certificate", "verify", token, "--keys", str(keys), "--json")
    assert code == 0 and json.loads(out)["valid"]

    code, out, err = run(capsys, "certificate", "verify", token[:-3], "--json")
    assert code == 3
    assert json.loads(out) == {"valid": False, "reason": json.loads(out)["reason"], "fields": {}}
    assert err.count("\n") == 1 and "rejected" in err

    keys.write_text(json.dumps({"other": public_key_text(own.public_key)}))
    code, out, _ = run(capsys, "certificate", "verify", token, "--keys", str(keys), "--json")
    assert code == 3 and "unknown key id" in json.loads(out)["reason"]

    code, _, err = run(
        capsys, "certificate", "verify", token, "--keys", str(workdir / "missing.json")
    )
    assert code == 2 and "missing.json" in err


def test_verify_without_any_key_is_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "certificate", "verify", "a.b.c")
    assert code == 2 and "--keys" in err


def test_print_test_reports_the_printer_state_and_exits_3(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    network_printer: FakeNetworkPrinter,
    refused_port: int,
) -> None:
    code, out, _ = run(capsys, "print-test", "--printer", network_printer.target)
    assert code == 0 and "printed" in out

    network_printer.state = PrinterStatus.COVER_OPEN
    code, _, err = run(capsys, "print-test", "--printer", network_printer.target)
    assert code == 3 and "cover_open" in err and err.count("\n") == 1

    code, _, err = run(capsys, "print-test", "--printer", f"tcp://127.0.0.1:{refused_port}")
    assert code == 3 and "offline" in err

    code, _, err = run(capsys, "print-test", "--printer", "lpt://1")
    assert code == 2 and "scheme" in err


def test_a_kept_demo_certificate_is_listed_and_reprinted(
    workdir: Path, capsys: pytest.CaptureFixture[str], network_printer: FakeNetworkPrinter
) -> None:
    network_printer.state = PrinterStatus.PAPER_OUT
    code, out, err = run(
        capsys, "certificate", "demo", "--printer", network_printer.target, "--json"
    )
    assert code == 3 and "paper_out" in err and "kept" in err
    demo = json.loads(out)
    assert demo["bytes"] == 0

    code, out, _ = run(capsys, "certificate", "jobs", "--kept", "--json")
    kept = json.loads(out)
    assert [job["certificate_no"] for job in kept] == [demo["certificate_no"]]

    network_printer.state = PrinterStatus.READY
    code, out, _ = run(
        capsys,
        "certificate",
        "reprint",
        kept[0]["job_id"],
        "--printer",
        network_printer.target,
        "--json",
    )
    assert code == 0 and json.loads(out)["printed"] is True
    code, out, _ = run(capsys, "certificate", "jobs", "--kept", "--json")
    assert json.loads(out) == []
    code, _, err = run(capsys, "certificate", "reprint", "cert-nope", "--printer", "simulated")
    assert code == 2 and "no print job" in err


def test_previews_are_written_for_every_kind(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(capsys, "certificate", "previews", "--out", str(workdir / "png"))
    assert code == 0
    names = sorted(p.name for p in (workdir / "png").iterdir())
    assert names == ["certificate.png", "failure_notice.png", "pending_slip.png", "test_page.png"]


def test_a_reprint_the_printer_cannot_start_is_recorded_as_an_attempt(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    network_printer: FakeNetworkPrinter,
    refused_port: int,
) -> None:
    network_printer.state = PrinterStatus.PAPER_OUT
    demo = json.loads(
        run(capsys, "certificate", "demo", "--printer", network_printer.target, "--json")[1]
    )
    (kept,) = json.loads(run(capsys, "certificate", "jobs", "--kept", "--json")[1])
    assert kept["certificate_no"] == demo["certificate_no"] and kept["attempts"] == 1

    offline = f"tcp://127.0.0.1:{refused_port}"  # the printer is switched off: open() fails
    code, out, err = run(
        capsys, "certificate", "reprint", kept["job_id"], "--printer", offline, "--json"
    )
    assert code == 3 and "offline" in err and "still kept" in err and err.count("\n") == 1
    assert json.loads(out) == {
        "job_id": kept["job_id"],
        "printed": False,
        "status": "offline",
        "bytes": 0,
    }
    (again,) = json.loads(run(capsys, "certificate", "jobs", "--kept", "--json")[1])
    assert again["attempts"] == 2 and again["printer_status"] == "offline"

    code, _, err = run(capsys, "certificate", "reprint", "cert-nope", "--printer", offline)
    assert code == 2 and "no print job" in err
    network_printer.state = PrinterStatus.READY  # back: the same job prints
    code, out, _ = run(
        capsys,
        "certificate",
        "reprint",
        kept["job_id"],
        "--printer",
        network_printer.target,
        "--json",
    )
    assert code == 0 and json.loads(out)["printed"] is True


def test_an_independent_jose_library_verifies_the_printed_token_without_warnings(
    workdir: Path, capsys: pytest.CaptureFixture[str], network_printer: FakeNetworkPrinter
) -> None:
    """joserfc (not our verifier) checks the token exactly as it reached the printer."""
    import warnings

    from joserfc import jws
    from joserfc.jwk import OKPKey

    code, out, _ = run(capsys, "certificate", "demo", "--printer", network_printer.target, "--json")
    assert code == 0
    token = json.loads(out)["token"]
    assert token.encode() in network_printer.received  # the QR code's data, as sent to paper
    own = terminal_keys.load(workdir / "var")
    jwk = OKPKey.import_key(
        {"kty": "OKP", "crv": "Ed25519", "x": public_key_text(own.public_key), "kid": own.key_id}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        verified = jws.deserialize_compact(token, jwk, algorithms=["Ed25519"])
    assert caught == [], [str(w.message) for w in caught]
    assert verified.protected == {"alg": "Ed25519", "kid": own.key_id}
    assert json.loads(verified.payload)[1] == json.loads(out)["certificate_no"]
    with pytest.raises(Exception, match="signature"):
        jws.deserialize_compact(token[:-4] + "AAAA", jwk, algorithms=["Ed25519"])
