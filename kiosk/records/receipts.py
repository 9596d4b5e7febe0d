"""Turn the flow's PrintReceipt command into a printer layout (kiosk.records.certificate)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from config.settings import Settings
from contract.certificates import CHINA_TZ
from devices.printer.layout import Receipt
from kiosk.flow import commands as cmd
from kiosk.flow.model import ReceiptKind
from kiosk.records.layouts import (
    FAILURE_REASONS,
    certificate_receipt,
    failure_notice_receipt,
    pending_slip_receipt,
)

if TYPE_CHECKING:
    from kiosk.records.recorder import CaseRecorder

log = logging.getLogger(__name__)
PENDING_CHECK_AFTER_DAYS = 3


class ReceiptError(Exception):
    """No receipt can be made for this command (e.g. a reprint with no certificate kept)."""


def failure_reason(reason: str) -> str:
    """The flow's reason code as one of the failure notice's reasons."""
    if reason in FAILURE_REASONS:
        return reason
    if reason in ("invalid_card", "card_invalid"):
        return "card_invalid"
    return "liveness"  # timeout, no face, face changed, too many restarts


@dataclass(frozen=True)
class PrintJob:
    """A new receipt to print and keep, or a kept job to print again."""

    receipt: Receipt | None = None
    reprint_job_id: str = ""
    holder: str = ""  # keyed hash of the ID number: finds the job for "reprint"/"query"
    certificate_no: str = ""


class ReceiptBuilder:
    def __init__(self, settings: Settings, recorder: CaseRecorder) -> None:
        self.settings = settings
        self.recorder = recorder

    def build(self, command: cmd.PrintReceipt) -> PrintJob:
        if command.kind is ReceiptKind.REPRINT:
            job_id = str(command.details.get("reprint_job") or command.case_id)
            return PrintJob(reprint_job_id=job_id)
        holder = self.recorder.holder(command.resident)
        receipt = self._receipt(command)
        certified = command.kind is ReceiptKind.CERTIFICATE
        cert = self.recorder.last.get("certificate") if certified else None
        return PrintJob(receipt, holder=holder, certificate_no=cert.certificate_no if cert else "")

    def _receipt(self, command: cmd.PrintReceipt) -> Receipt:
        now = dt.datetime.now(CHINA_TZ)
        terminal = self.settings.terminal
        resident = command.resident
        masked = {
            "masked_name": resident.masked_name if resident else "",
            "masked_id_number": resident.masked_id_number if resident else "",
        }
        job_id = f"{command.kind}-{command.case_id}"
        if command.kind is ReceiptKind.CERTIFICATE:
            return self._certificate(command)
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

    def _certificate(self, command: cmd.PrintReceipt) -> Receipt:
        last = self.recorder.last
        if last.get("case_id") != command.case_id or last.get("certificate") is None:
            raise ReceiptError(f"no certificate was issued for case {command.case_id}")
        return certificate_receipt(last["certificate"], last["token"])
