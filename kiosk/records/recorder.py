"""Recording a finished check, and finding it again for "reprint" and "query".

The case goes to the encrypted offline queue (`offline_queue`). What the resident can ask for
later (their last receipt, to reprint it or to learn the result) is the kept print job
(`kiosk.records.print_jobs`), found by a keyed hash of the ID number: masked data only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from config.settings import Settings
from contract.certificates import CHINA_TZ, TokenError, sign_certificate
from kiosk.errors import KioskError
from kiosk.flow import commands as cmd
from kiosk.flow.model import Outcome, ReceiptKind, Resident, Service
from kiosk.records.case_payload import case_payload
from kiosk.records.certificate import Certificate, issue_certificate
from kiosk.records.holder import CardHolder, card_holder
from kiosk.records.print_jobs import PrintJobStore, holder_ref
from offline_queue.keys import TerminalKeys
from offline_queue.store import CaseStore

log = logging.getLogger(__name__)

# What the kind of the resident's last receipt says about the check.
OUTCOME_OF_RECEIPT = {
    ReceiptKind.CERTIFICATE: Outcome.VERIFIED,
    ReceiptKind.FAILURE_NOTICE: Outcome.NOT_VERIFIED,
    ReceiptKind.PENDING_SLIP: Outcome.PENDING,
}


class CertificateNotIssued(KioskError):
    """The check is recorded, but no certificate token can be signed for it (too long)."""


class CaseRecorder:
    """Stores the case in the queue; issues and signs the certificate when verified."""

    def __init__(
        self,
        store: CaseStore,
        jobs: PrintJobStore,
        settings: Settings,
        keys: TerminalKeys,
        *,
        after_enqueue: Callable[[], None] | None = None,
    ) -> None:
        self._after_enqueue = after_enqueue  # e.g. wake the sync worker: send it now
        self.store = store
        self.jobs = jobs
        self.settings = settings
        self.keys = keys
        self.last: dict[str, Any] = {}  # the certificate of the session being printed

    def holder(self, resident: Resident | None) -> str:
        """The keyed hash that finds the resident's print jobs again ('' without a resident)."""
        if resident is None:
            return ""
        return holder_ref(card_holder(resident).id_number, self.keys.storage_key)

    def record(self, command: cmd.RecordCase, best_jpeg: Callable[[], bytes | None]) -> str:
        payload = case_payload(command, self.settings)
        cert, token, unsigned = None, "", ""
        if command.outcome is Outcome.VERIFIED and command.resident is not None:
            cert, token, unsigned = self._certify(card_holder(command.resident), payload)
        face = best_jpeg()
        attachments = {"face.jpg": face} if face else {}
        case_id = self.store.enqueue("pension_check", payload, attachments)
        if self._after_enqueue is not None:
            self._after_enqueue()
        self.last = {"case_id": case_id, "certificate": cert, "token": token}
        if unsigned:
            # The check itself is recorded and goes to the platform; only the paper cannot be
            # made. The flow turns this into "please ask staff" (CaseRecordFailed).
            raise CertificateNotIssued(
                f"case {case_id} is recorded, but its certificate cannot be signed: {unsigned} "
                f"(terminal.id is {self.settings.terminal.id!r})"
            )
        return case_id

    def _certify(
        self, resident: CardHolder, payload: dict[str, Any]
    ) -> tuple[Certificate | None, str, str]:
        """Issue and sign the certificate into `payload`: (certificate, token, why unsigned)."""
        terminal = self.settings.terminal
        cert = issue_certificate(
            resident,
            terminal_id=terminal.id,
            service_point=terminal.service_point,
            now=dt.datetime.now(CHINA_TZ),
        )
        try:
            token = sign_certificate(cert.token_fields(), self.keys.signing_key, self.keys.key_id)
        except TokenError as exc:  # cannot be carried in the QR code (a name over 99 characters)
            payload["certificate_error"] = str(exc)
            return None, "", str(exc)
        payload["certificate"] = {
            "certificate_no": cert.certificate_no,
            "token": token,
            "valid_until": cert.valid_until.isoformat(),
        }
        return cert, token, ""

    def lookup(self, service: Service, resident: Resident | None) -> tuple[str, dict[str, Any]]:
        """The resident's last receipt on this terminal: for reprint, its certificate."""
        holder = self.holder(resident)
        if service is Service.REPRINT:
            job = self.jobs.latest_certificate(holder)
        else:
            job = self.jobs.latest_for_holder(holder)
        if job is None:
            return str(Outcome.NOT_FOUND), {}
        outcome = OUTCOME_OF_RECEIPT.get(job.kind, Outcome.NOT_FOUND)
        details: dict[str, Any] = {"case_id": job.job_id, "reprint_job": job.job_id}
        valid_until = _valid_until_of(job.receipt)
        if valid_until:
            details["valid_until"] = valid_until
        return str(outcome), details


def _valid_until_of(receipt: Any) -> str:
    for block in receipt.blocks:
        if getattr(block, "key", None) == "有效期至":
            return str(block.value)
    return ""
