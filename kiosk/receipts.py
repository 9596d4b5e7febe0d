"""Turn the flow's PrintReceipt command into a printer layout (kiosk.certificate)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from config.settings import Settings
from devices.printer.layout import Receipt
from kiosk.certificate import (
    CHINA_TZ,
    FAILURE_REASONS,
    certificate_receipt,
    failure_notice_receipt,
    pending_slip_receipt,
)
from kiosk.flow import commands as cmd
from offline_queue.keys import TerminalKeys

if TYPE_CHECKING:
    from kiosk.records import CaseRecorder

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


class ReceiptBuilder:
    def __init__(self, settings: Settings, keys: TerminalKeys, recorder: CaseRecorder) -> None:
        self.settings = settings
        self.keys = keys
        self.recorder = recorder

    def build(self, command: cmd.PrintReceipt) -> Receipt:
        now = dt.datetime.now(CHINA_TZ)
        terminal = self.settings.terminal
        resident = command.resident
        masked = {
            "masked_name": resident.masked_name if resident else "",
            "masked_id_number": resident.masked_id_number if resident else "",
        }
        job_id = f"{command.kind}-{command.case_id}"
        if command.kind in ("certificate", "reprint"):
            return self._certificate(command)
        if command.kind == "failure_notice":
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
        if command.kind == "certificate" and last.get("case_id") == command.case_id:
            cert, token = last["certificate"], last["token"]
        else:
            found = self.recorder.certificate_of(command.case_id, command.resident.id_number)
            if found is None:
                raise ReceiptError(f"no certificate kept for case {command.case_id}")
            cert, token = found
        return certificate_receipt(cert, token)
