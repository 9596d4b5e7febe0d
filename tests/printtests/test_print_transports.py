"""Printing through tcp:// (a real socket endpoint in this process) and file:// targets:
what goes on the wire, DLE EOT status, paper out, refused connections, kept jobs, reprint."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contract.certificates import sign_certificate
from contract.keys import key_id_of
from devices.printer.base import PrinterError, PrinterNotReady, PrinterStatus
from devices.printer.escpos_backend import EscposPrinter
from devices.printer.escpos_render import CHINESE_OFF, CHINESE_ON, RenderOptions
from devices.printer.target import parse_target
from kiosk.records.certificate import Certificate
from kiosk.records.layouts import (
    certificate_receipt,
    failure_notice_receipt,
    pending_slip_receipt,
    technician_test_page,
)
from kiosk.records.print_jobs import PrintJobStore, keep_unprinted, print_or_keep, reprint
from printtests.fake_printer import FakeNetworkPrinter

NOW = dt.datetime(2026, 11, 24, 2, 30, tzinfo=dt.UTC)
KEY = bytes(range(32))  # the terminal's storage key, which seals the kept receipts


def make_printer(target: str, **options: object) -> EscposPrinter:
    return EscposPrinter(
        parse_target(target),
        RenderOptions(**options),  # type: ignore[arg-type]
        timeout_s=2.0,
        status_timeout_s=0.3,
    )


def token_for(cert: Certificate, key: Ed25519PrivateKey) -> str:
    return sign_certificate(cert.token_fields(), key, key_id_of(key.public_key()))


def wait_for(fake: FakeNetworkPrinter, needle: bytes, timeout_s: float = 3.0) -> bytes:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if needle in fake.received:
            return fake.received
        time.sleep(0.01)
    return fake.received


def all_receipts(cert: Certificate, token: str) -> list:
    common = {
        "masked_name": cert.masked_name,
        "masked_id_number": cert.masked_id_number,
        "when": NOW,
        "terminal_id": "SIM-0001",
    }
    return [
        certificate_receipt(cert, token),
        failure_notice_receipt(
            "face_mismatch", job_id="fail-1", service_point="示范村便民服务站", **common
        ),
        pending_slip_receipt(
            "P-261124-0007",
            job_id="slip-1",
            check_after=dt.date(2026, 12, 1),
            where="示范村便民服务站",
            **common,
        ),
        technician_test_page(
            job_id="test-1", terminal_id="SIM-0001", service_point="示范村便民服务站", when=NOW
        ),
    ]


def test_certificate_goes_over_tcp_with_framed_name_native_qr_and_cut(
    network_printer: FakeNetworkPrinter, certificate: Certificate, signing_key: Ed25519PrivateKey
) -> None:
    token = token_for(certificate, signing_key)
    printer = make_printer(network_printer.target)
    printer.open()
    try:
        assert printer.status() is PrinterStatus.READY
        sent = printer.print_receipt(certificate_receipt(certificate, token))
    finally:
        printer.close()
    wire = wait_for(network_printer, b"\x1dV\x00")
    assert sent in wire  # the whole job arrived, in order
    # 姓名 ... 张*英: one line inside FS & ... FS ., the name in GB18030
    name_line = CHINESE_ON + "姓名".encode("gb18030")
    assert name_line in wire
    line_end = wire.index(b"\n", wire.index(name_line))
    assert wire[:line_end].endswith("张*英".encode("gb18030") + CHINESE_OFF)
    assert b"\x1d(k" + (len(token) + 3).to_bytes(2, "little") + b"1P0" + token.encode() in wire
    assert wire.rstrip(b"\x10\x04\x01\x02\x04").endswith(b"\x1dV\x00")
    assert b"\x10\x04\x01" in wire  # DLE EOT was asked before printing


def test_raster_mode_over_tcp_sends_an_image(
    network_printer: FakeNetworkPrinter, certificate: Certificate, signing_key: Ed25519PrivateKey
) -> None:
    printer = make_printer(network_printer.target, text_mode="raster")
    printer.open()
    try:
        sent = printer.print_receipt(
            certificate_receipt(certificate, token_for(certificate, signing_key))
        )
    finally:
        printer.close()
    wire = wait_for(network_printer, sent[-8:])
    assert b"\x1dv0" in wire
    assert CHINESE_ON not in sent


@pytest.mark.parametrize(
    "state",
    [
        PrinterStatus.PAPER_OUT,
        PrinterStatus.COVER_OPEN,
        PrinterStatus.PAPER_LOW,
        PrinterStatus.OFFLINE,
    ],
)
def test_status_is_read_from_dle_eot_replies(
    network_printer: FakeNetworkPrinter, state: PrinterStatus
) -> None:
    network_printer.state = state
    printer = make_printer(network_printer.target)
    printer.open()
    try:
        assert printer.status() is state
    finally:
        printer.close()


def test_paper_out_keeps_the_job_and_reprint_works_after_refill(
    network_printer: FakeNetworkPrinter,
    certificate: Certificate,
    signing_key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    token = token_for(certificate, signing_key)
    store = PrintJobStore.in_data_dir(tmp_path, KEY)
    network_printer.state = PrinterStatus.PAPER_OUT
    printer = make_printer(network_printer.target)
    printer.open()
    try:
        outcome = print_or_keep(
            printer,
            store,
            certificate_receipt(certificate, token),
            certificate_no=certificate.certificate_no,
        )
        assert not outcome.printed
        assert outcome.status is PrinterStatus.PAPER_OUT
        assert outcome.notice is not None and "工作人员" in outcome.notice.next_step
        assert token.encode() not in network_printer.received  # nothing but status requests
        kept = store.jobs("kept")
        assert [job.job_id for job in kept] == [certificate.job_id]
        assert kept[0].printer_status == "paper_out"

        network_printer.state = PrinterStatus.READY  # the technician refills the paper
        again = reprint(printer, store, certificate.job_id)
    finally:
        printer.close()
        store.close()
    assert again.printed and again.bytes_sent > 0
    assert token.encode() in wait_for(network_printer, token.encode())
    reopened = PrintJobStore.in_data_dir(tmp_path, KEY)  # the state survived on disk
    try:
        job = reopened.get(certificate.job_id)
        assert job is not None and job.state == "printed" and job.attempts == 2
        assert reopened.jobs("kept") == []
    finally:
        reopened.close()


def test_paper_running_out_mid_job_keeps_the_job_and_reprint_prints_it_whole(
    network_printer: FakeNetworkPrinter,
    certificate: Certificate,
    signing_key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    token = token_for(certificate, signing_key)
    receipt = certificate_receipt(certificate, token)
    name = certificate.masked_name.encode("gb18030") + CHINESE_OFF  # 姓名 ... 张*英, framed
    store = PrintJobStore.in_data_dir(tmp_path, KEY)
    printer = make_printer(network_printer.target)
    printer.open()
    try:
        assert printer.status() is PrinterStatus.READY  # the roll is there when the job starts
        network_printer.run_out_of_paper_after(200)  # ... and ends a few lines into it
        outcome = print_or_keep(printer, store, receipt, certificate_no=certificate.certificate_no)
        assert not outcome.printed and outcome.status is PrinterStatus.PAPER_OUT
        assert "during the job" in outcome.reason
        assert outcome.notice is not None and "补打" in outcome.notice.next_step
        assert name in wait_for(network_printer, name)  # the job had started printing
        kept = store.jobs("kept")
        assert [job.job_id for job in kept] == [certificate.job_id]
        assert (kept[0].printer_status, kept[0].attempts) == ("paper_out", 1)

        network_printer.run_out_of_paper_after(None)  # the technician loads a new roll
        network_printer.state = PrinterStatus.READY
        network_printer.clear()
        again = reprint(printer, store, certificate.job_id)
    finally:
        printer.close()
        store.close()
    assert again.printed and again.bytes_sent > 0
    reprinted = wait_for(network_printer, b"\x1dV\x00")
    assert name in reprinted and token.encode() in reprinted and b"\x1dV\x00" in reprinted
    reopened = PrintJobStore.in_data_dir(tmp_path, KEY)
    try:
        job = reopened.get(certificate.job_id)
        assert job is not None and (job.state, job.attempts) == ("printed", 2)
    finally:
        reopened.close()


def test_refused_connection_is_offline_and_the_job_is_kept_until_the_printer_is_back(
    refused_port: int, certificate: Certificate, signing_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    receipt = certificate_receipt(certificate, token_for(certificate, signing_key))
    store = PrintJobStore.in_data_dir(tmp_path, KEY)
    printer = make_printer(f"tcp://127.0.0.1:{refused_port}")
    with pytest.raises(PrinterNotReady) as refused:
        printer.open()
    assert refused.value.status is PrinterStatus.OFFLINE
    assert printer.status() is PrinterStatus.OFFLINE
    outcome = keep_unprinted(store, receipt, refused.value)
    assert not outcome.printed and store.jobs("kept")[0].job_id == receipt.job_id

    back = FakeNetworkPrinter()  # the printer is switched on (a new address: DHCP)
    try:
        later = make_printer(back.target)
        later.open()
        try:
            assert reprint(later, store, receipt.job_id).printed
        finally:
            later.close()
        assert wait_for(back, b"\x1dV\x00").count(b"\x1dV\x00") == 1
    finally:
        back.stop()
        store.close()


def test_a_silent_printer_reads_unknown_without_blocking_and_still_prints(
    certificate: Certificate, signing_key: Ed25519PrivateKey
) -> None:
    silent = FakeNetworkPrinter(answers=False)
    try:
        printer = make_printer(silent.target)
        printer.open()
        try:
            started = time.monotonic()
            assert printer.status() is PrinterStatus.UNKNOWN
            assert time.monotonic() - started < 2.0  # bounded by status_timeout_s (0.3 s)
            sent = printer.print_receipt(
                certificate_receipt(certificate, token_for(certificate, signing_key))
            )
        finally:
            printer.close()
        assert sent in wait_for(silent, sent[-16:])
    finally:
        silent.stop()


def test_a_dropped_connection_reads_offline_then_reconnects(
    network_printer: FakeNetworkPrinter, certificate: Certificate, signing_key: Ed25519PrivateKey
) -> None:
    printer = make_printer(network_printer.target)
    printer.open()
    try:
        network_printer.drop_connection()
        deadline = time.monotonic() + 3
        state = printer.status()
        while state is not PrinterStatus.OFFLINE and time.monotonic() < deadline:
            time.sleep(0.05)
            state = printer.status()
        assert state is PrinterStatus.OFFLINE
        sent = printer.print_receipt(
            certificate_receipt(  # reconnects once
                certificate, token_for(certificate, signing_key)
            )
        )
    finally:
        printer.close()
    assert sent in wait_for(network_printer, sent[-16:])


def test_print_before_open_is_an_error(
    network_printer: FakeNetworkPrinter, certificate: Certificate
) -> None:
    with pytest.raises(PrinterError):
        make_printer(network_printer.target).print_receipt(certificate_receipt(certificate, "t"))


def test_every_receipt_kind_prints_through_tcp_and_file(
    network_printer: FakeNetworkPrinter,
    certificate: Certificate,
    signing_key: Ed25519PrivateKey,
    tmp_path: Path,
) -> None:
    receipts = all_receipts(certificate, token_for(certificate, signing_key))
    device = tmp_path / "lp0"
    device.touch()  # the device node of a USB printer (usblp) is a file that exists
    for target in (network_printer.target, f"file://{device}"):
        printer = make_printer(target)
        printer.open()
        try:
            if target.startswith("file"):
                assert printer.status() is PrinterStatus.UNKNOWN  # no replies over a file
            sent = [printer.print_receipt(receipt) for receipt in receipts]
        finally:
            printer.close()
        wire = (
            device.read_bytes()
            if target.startswith("file")
            else wait_for(network_printer, sent[-1][-16:])
        )
        for job in sent:
            assert job in wire
        assert wire.count(b"\x1dV\x00") == len(receipts)


def test_a_missing_device_file_is_offline(tmp_path: Path) -> None:
    printer = make_printer(f"file://{tmp_path / 'usb' / 'lp0'}")
    with pytest.raises(PrinterNotReady) as missing:
        printer.open()
    assert missing.value.status is PrinterStatus.OFFLINE
    assert not (tmp_path / "usb").exists()
