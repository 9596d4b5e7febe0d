"""Turn the flow's PrintReceipt command into a printer layout (kiosk.records.certificate)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings
from contract.certificates import CHINA_TZ
from devices.printer.layout import Receipt
from kiosk.flow import commands as cmd
from kiosk.flow.model import ReceiptKind, Resident
from kiosk.records.certificate import SignedCertificate
from kiosk.records.layouts import (
    FAILURE_REASONS,
    certificate_receipt,
    failure_notice_receipt,
    pending_slip_receipt,
)
from offline_queue.errors import NotRegistered
from offline_queue.registration import load_registration

log = logging.getLogger(__name__)
PENDING_CHECK_AFTER_DAYS = 3


class ReceiptError(Exception):
    """No receipt can be made for this command (e.g. a reprint with no certificate kept)."""


def failure_reason(reason: str) -> str:
    """The flow's reason code as one of the failure notice's reasons (each liveness reason has
    its own; one the notice does not know reads as a liveness failure)."""
    if reason in FAILURE_REASONS:
        return reason
    if reason == "invalid_card":
        return "card_invalid"
    return "liveness"


@dataclass(frozen=True)
class PrintJob:
    """A new receipt to print and keep, or a kept job to print again."""

    receipt: Receipt | None = None
    reprint_job_id: str = ""
    holder: str = ""  # keyed hash of the ID number: finds the job for "reprint"/"query"
    certificate_no: str = ""
    keep_until: str = ""  # ISO date: a certificate is kept for 补打 while it is valid


def verify_base_url(settings: Settings, data_dir: Path) -> str:
    """Where a phone checks a certificate: `platform.verify_url`, else the platform this
    terminal registered with (platform.json), else `platform.url`; '' when none is known (the
    QR code then carries the bare token, which only the offline verifier reads)."""
    if settings.platform.verify_url:
        return settings.platform.verify_url
    try:
        return load_registration(data_dir).platform_url
    except NotRegistered:
        return settings.platform.url


class ReceiptBuilder:
    """The print job for the flow's PrintReceipt. A certificate comes with the command (the
    recorded case carried it there); `holder_of` finds the resident's jobs again;
    `verify_base` says where its QR code sends a phone (verify_base_url)."""

    def __init__(
        self,
        settings: Settings,
        holder_of: Callable[[Resident | None], str],
        verify_base: Callable[[], str] = str,
    ) -> None:
        self.settings = settings
        self._holder_of = holder_of
        self._verify_base = verify_base

    def build(self, command: cmd.PrintReceipt) -> PrintJob:
        if command.kind is ReceiptKind.REPRINT:
            return PrintJob(reprint_job_id=command.case_id)
        holder = self._holder_of(command.resident)
        if command.kind is ReceiptKind.CERTIFICATE:
            signed = _signed_certificate(command)
            receipt = certificate_receipt(signed.certificate, signed.token, self._verify_base())
            return PrintJob(
                receipt,
                holder=holder,
                certificate_no=signed.certificate_no,
                keep_until=signed.certificate.valid_until.isoformat(),
            )
        return PrintJob(self._notice(command), holder=holder)

    def _notice(self, command: cmd.PrintReceipt) -> Receipt:
        """The failure notice or the pending slip."""
        now = dt.datetime.now(CHINA_TZ)
        terminal = self.settings.terminal
        resident = command.resident
        masked = {
            "masked_name": resident.masked_name if resident else "",
            "masked_id_number": resident.masked_id_number if resident else "",
        }
        job_id = f"{command.kind}-{command.case_id}"
        if command.kind is ReceiptKind.FAILURE_NOTICE:
            return failure_notice_receipt(
                failure_reason(command.reason),
                job_id=job_id,
                when=now,
                service_point=terminal.service_point,
                terminal_id=terminal.id,
                **masked,
            )
        return pending_slip_receipt(
            command.case_id,
            job_id=job_id,
            when=now,
            check_after=now.date() + dt.timedelta(days=PENDING_CHECK_AFTER_DAYS),
            where=terminal.service_point,
            terminal_id=terminal.id,
            **masked,
        )


def _signed_certificate(command: cmd.PrintReceipt) -> SignedCertificate:
    signed = command.certificate
    if signed is None:
        raise ReceiptError(f"no certificate was issued for case {command.case_id}")
    if not isinstance(signed, SignedCertificate):  # the flow carries what the recorder issued
        raise ReceiptError(f"case {command.case_id}: {type(signed).__name__} is no certificate")
    return signed
