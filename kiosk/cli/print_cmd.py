"""`kiosk print-test`, `kiosk certificate demo|verify|jobs|reprint`.

`--printer TARGET` overrides the configured printer: a target URL (tcp://host:9100,
file:///dev/usb/lp0, usb://VID:PID, serial:///dev/ttyUSB0?baud=115200, cups://name) or
"simulated".
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from config import load_settings
from config.settings import PrinterSettings, Settings
from contract.certificates import (
    TokenError,
    load_public_keys,
    sign_certificate,
    token_in,
    verify_token,
)
from devices.card_reader.simulated import identity_from_settings
from devices.printer import create_printer
from devices.printer.base import Printer, PrinterError
from devices.printer.escpos_render import RenderOptions
from devices.printer.layout import Receipt
from devices.printer.preview import render_png
from devices.printer.target import InvalidTarget
from kiosk.cli import EXIT_OK, UsageError, fail
from kiosk.records.certificate import Certificate, issue_certificate
from kiosk.records.layouts import (
    certificate_receipt,
    failure_notice_receipt,
    pending_slip_receipt,
    technician_test_page,
)
from kiosk.records.print_jobs import (
    PrintAttempt,
    PrintJobError,
    PrintJobStore,
    holder_ref,
    keep_unprinted,
    print_or_keep,
    record_unstarted_reprint,
    reprint,
)
from kiosk.records.receipts import verify_base_url
from offline_queue import keys as terminal_keys


def register(subparsers: Any) -> None:
    test = subparsers.add_parser("print-test", help="print the technician test page")
    _common(test)
    test.set_defaults(handler=_print_test)

    cert = subparsers.add_parser("certificate", help="issue, verify and reprint certificates")
    sub = cert.add_subparsers(dest="certificate_command", required=True, metavar="ACTION")
    demo = sub.add_parser("demo", help="issue and print a certificate for the demo identity")
    _common(demo)
    demo.set_defaults(handler=_demo)
    verify = sub.add_parser("verify", help="check a certificate token offline")
    verify.add_argument("token", help="the token, or the verify link its QR code carries")
    verify.add_argument(
        "--keys",
        type=Path,
        help="JSON {key id: base64url raw public key}; default: this terminal's own key",
    )
    verify.add_argument("--config", type=Path, help="terminal file (default: built-in defaults)")
    verify.add_argument("--json", action="store_true", help="print JSON")
    verify.set_defaults(handler=_verify)
    jobs = sub.add_parser("jobs", help="list stored print jobs (newest first)")
    jobs.add_argument("--kept", action="store_true", help="only jobs still waiting for a print")
    jobs.add_argument("--config", type=Path, help="terminal file (default: built-in defaults)")
    jobs.add_argument("--json", action="store_true", help="print JSON")
    jobs.set_defaults(handler=_jobs)
    previews = sub.add_parser("previews", help="write a PNG preview of every receipt kind")
    previews.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    previews.add_argument("--config", type=Path, help="terminal file (default: built-in defaults)")
    previews.set_defaults(handler=_previews)
    again = sub.add_parser("reprint", help="print a stored job again")
    again.add_argument("job_id")
    _common(again)
    again.set_defaults(handler=_reprint)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--printer", metavar="TARGET", help="printer target, or 'simulated'")
    parser.add_argument("--config", type=Path, help="terminal file (default: built-in defaults)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _printer_settings(settings: Settings, target: str | None) -> PrinterSettings:
    if target is None:
        return settings.printer
    if target == "simulated":
        return dataclasses.replace(settings.printer, backend="simulated")
    return dataclasses.replace(settings.printer, backend="escpos", target=target)


def _data_dir(settings: Settings) -> Path:
    return Path(settings.terminal.data_dir)


def _make_printer(settings: Settings, target: str | None) -> Printer:
    try:
        return create_printer(_printer_settings(settings, target), _data_dir(settings))
    except InvalidTarget as exc:
        raise UsageError(str(exc)) from None


def _print_test(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    ps = _printer_settings(settings, args.printer)
    options = RenderOptions.from_settings(ps)
    receipt = technician_test_page(
        job_id=f"test-{uuid.uuid4().hex[:12]}",
        terminal_id=settings.terminal.id,
        service_point=settings.terminal.service_point,
        when=dt.datetime.now(dt.UTC),
        settings_lines=(
            ("打印机", ps.target or ps.backend),
            ("纸宽", f"{ps.paper_width_mm} mm / {options.width_dots} 点"),
            ("文字模式", ps.text_mode),
            ("二维码", ps.qr_mode),
        ),
    )
    printer = _make_printer(settings, args.printer)
    try:
        printer.open()
        data = printer.print_receipt(receipt)
    except PrinterError as exc:
        return fail(f"printer {exc.status}: {exc}")
    finally:
        printer.close()
    if args.json:
        print(json.dumps({"status": "printed", "bytes": len(data), "job_id": receipt.job_id}))
    else:
        print(f"test page printed: {len(data)} bytes")
    return EXIT_OK


def _print_kept(
    printer: Printer,
    store: PrintJobStore,
    receipt: Receipt,
    holder: str = "",
    certificate_no: str = "",
    keep_until: str = "",
) -> PrintAttempt:
    tags = {"holder": holder, "certificate_no": certificate_no, "keep_until": keep_until}
    try:
        printer.open()
    except PrinterError as exc:
        return keep_unprinted(store, receipt, exc, **tags)
    try:
        return print_or_keep(printer, store, receipt, **tags)
    finally:
        printer.close()


def _demo(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    data_dir = _data_dir(settings)
    identity = identity_from_settings(settings.card_reader.simulated)
    keys = terminal_keys.load_or_create(data_dir)
    cert = issue_certificate(
        identity,
        terminal_id=settings.terminal.id,
        service_point=settings.terminal.service_point,
        now=dt.datetime.now(dt.UTC),
    )
    token = sign_certificate(cert.token_fields(), keys.signing_key, keys.key_id)
    printer = _make_printer(settings, args.printer)
    store = PrintJobStore.in_data_dir(data_dir, keys.storage_key)
    try:
        outcome = _print_kept(
            printer,
            store,
            certificate_receipt(cert, token, verify_base_url(settings, data_dir)),
            holder_ref(identity.id_number, keys.storage_key),
            cert.certificate_no,
            cert.valid_until.isoformat(),
        )
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                {"certificate_no": cert.certificate_no, "token": token, "bytes": outcome.bytes_sent}
            )
        )
    else:
        print(f"certificate {cert.certificate_no}: {outcome.bytes_sent} bytes\n{token}")
    if not outcome.printed:
        return fail(
            f"printer {outcome.status}: job {outcome.job_id} kept for reprint ({outcome.reason})"
        )
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    try:
        if args.keys is not None:
            public_keys = load_public_keys(args.keys)
        else:
            own = terminal_keys.load(_data_dir(settings))
            public_keys = {own.key_id: own.public_key}
    except (TokenError, terminal_keys.TerminalKeyError) as exc:
        raise UsageError(f"{exc} (pass --keys PATH)") from None
    result = verify_token(token_in(args.token), public_keys)  # a scanned link or the token
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(("VALID: " if result.valid else "INVALID: ") + result.reason)
        for key, value in result.fields.items():
            print(f"  {key}: {value}")
    if not result.valid:
        return fail(f"token rejected: {result.reason}")
    return EXIT_OK


def _job_store(settings: Settings) -> PrintJobStore:
    """The terminal's kept print jobs, opened with its storage key (they are sealed with it)."""
    data_dir = _data_dir(settings)
    try:
        keys = terminal_keys.load(data_dir)
    except terminal_keys.TerminalKeyError as exc:
        raise UsageError(f"{exc} (is {data_dir} this terminal's data folder?)") from None
    return PrintJobStore.in_data_dir(data_dir, keys.storage_key)


def _jobs(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    store = _job_store(settings)
    try:
        jobs = store.jobs("kept" if args.kept else None)
    finally:
        store.close()
    if args.json:
        print(json.dumps([job.summary() for job in jobs], ensure_ascii=False))
    else:
        for job in jobs:
            print(
                f"{job.job_id}  {job.kind:<15} {job.state:<8} {job.printer_status or '-':<10}"
                f" attempts={job.attempts} {job.created_at}"
            )
    return EXIT_OK


def _reprint_kept(printer: Printer, store: PrintJobStore, job_id: str) -> PrintAttempt:
    """Reprint a stored job; a printer that cannot even open is recorded as an attempt."""
    try:
        printer.open()
    except PrinterError as exc:
        return record_unstarted_reprint(store, job_id, exc)
    try:
        return reprint(printer, store, job_id)
    finally:
        printer.close()


def _reprint(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    printer = _make_printer(settings, args.printer)
    store = _job_store(settings)
    try:
        outcome = _reprint_kept(printer, store, args.job_id)
    except PrintJobError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                {
                    "job_id": outcome.job_id,
                    "printed": outcome.printed,
                    "status": str(outcome.status),
                    "bytes": outcome.bytes_sent,
                }
            )
        )
    if not outcome.printed:
        why = f" ({outcome.reason})" if outcome.reason else ""
        return fail(f"printer {outcome.status}: job {outcome.job_id} still kept{why}")
    if not args.json:
        print(f"job {outcome.job_id} printed: {outcome.bytes_sent} bytes")
    return EXIT_OK


def sample_receipts(cert: Certificate, token: str, verify_base: str = "") -> list[Receipt]:
    """One receipt of each kind for a certificate's (masked) holder, as the docs show them."""
    point, terminal, when = cert.service_point, cert.terminal_id, cert.verified_at
    name, id_number = cert.masked_name, cert.masked_id_number
    return [
        certificate_receipt(cert, token, verify_base),
        failure_notice_receipt(
            "face_mismatch",
            job_id="failure-notice",
            masked_name=name,
            masked_id_number=id_number,
            when=when,
            service_point=point,
            terminal_id=terminal,
        ),
        pending_slip_receipt(
            "P-" + cert.certificate_no,
            job_id="pending-slip",
            masked_name=name,
            masked_id_number=id_number,
            when=when,
            check_after=(when + dt.timedelta(days=7)).date(),
            where=point,
            terminal_id=terminal,
        ),
        technician_test_page(
            job_id="test-page", terminal_id=terminal, service_point=point, when=when
        ),
    ]


def _previews(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    keys = terminal_keys.load_or_create(_data_dir(settings))
    identity = identity_from_settings(settings.card_reader.simulated)
    cert = issue_certificate(
        identity,
        terminal_id=settings.terminal.id,
        service_point=settings.terminal.service_point,
        now=dt.datetime.now(dt.UTC),
    )
    token = sign_certificate(cert.token_fields(), keys.signing_key, keys.key_id)
    options = RenderOptions.from_settings(settings.printer)
    args.out.mkdir(parents=True, exist_ok=True)
    base = verify_base_url(settings, _data_dir(settings))
    for receipt in sample_receipts(cert, token, base):
        path = args.out / f"{receipt.kind}.png"
        path.write_bytes(
            render_png(receipt, options.width_dots, options.font_file, options.margin_dots)
        )
        print(path)
    return EXIT_OK
