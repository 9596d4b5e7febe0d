"""Recording a finished check, and finding it again for "reprint" and "query".

The case goes to the encrypted offline queue (`offline_queue`); a verified one gets its
certificate, which travels back with the recorded case (`RecordedCase`) to the receipt. What
the resident can ask for later (their last receipt, to reprint it or to learn the result) is
the kept print job (`kiosk.records.print_jobs`), found by a keyed hash of the ID number:
masked data only. A kept certificate's validity is read from its signed token.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from config.settings import Settings
from contract.certificates import CHINA_TZ, TokenError, sign_certificate, verify_token
from contract.ratings import RATING_KIND, rating_payload
from kiosk.errors import KioskError
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, ReceiptKind, RecordedCase, Resident, Service
from kiosk.records.case_payload import case_payload
from kiosk.records.certificate import SignedCertificate, issue_certificate
from kiosk.records.holder import CardHolder, card_holder
from kiosk.records.layouts import certificate_token
from kiosk.records.print_jobs import KeptJob, PrintJobStore, holder_ref
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

    def holder(self, resident: Resident | None) -> str:
        """The keyed hash that finds the resident's print jobs again ('' without a resident)."""
        if resident is None:
            return ""
        return holder_ref(card_holder(resident).id_number, self.keys.storage_key)

    def record(
        self, command: cmd.RecordCase, best_jpeg: Callable[[], bytes | None]
    ) -> RecordedCase:
        """Store the case; a verified one comes back with its signed certificate.

        Raises CertificateNotIssued after storing a verified case whose token cannot be made.
        """
        payload = case_payload(command, self.settings)
        signed, unsigned = None, ""
        if command.outcome is Outcome.VERIFIED and command.resident is not None:
            signed, unsigned = self._certify(card_holder(command.resident), payload)
        face = best_jpeg()
        attachments = {"face.jpg": face} if face else {}
        case_id = self.store.enqueue("pension_check", payload, attachments)
        if self._after_enqueue is not None:
            self._after_enqueue()
        if unsigned:
            # The check itself is recorded and goes to the platform; only the paper cannot be
            # made. The flow turns this into "please ask staff" (CaseRecordFailed).
            raise CertificateNotIssued(
                f"case {case_id} is recorded, but its certificate cannot be signed: {unsigned} "
                f"(terminal.id is {self.settings.terminal.id!r})"
            )
        return RecordedCase(case_id, signed)

    def record_rating(self, command: cmd.RecordRating) -> str:
        """好差评 as its own record kind (RATING_KIND): the score, the service, where and when,
        the optional reason; no personal data. Goes to the platform through the outbox like a
        case. Returns its id; RatingError for a bad field, the store's error when it fails."""
        terminal = self.settings.terminal
        payload = rating_payload(
            service=str(command.service),
            score=command.score,
            service_point=terminal.service_point,
            terminal_id=terminal.id,
            rated_at=dt.datetime.now(CHINA_TZ).isoformat(timespec="seconds"),
            reason=command.reason,
        )
        rating_id = self.store.enqueue(RATING_KIND, payload, {})
        if self._after_enqueue is not None:
            self._after_enqueue()
        return rating_id

    def _certify(
        self, resident: CardHolder, payload: dict[str, Any]
    ) -> tuple[SignedCertificate | None, str]:
        """Issue and sign the certificate into `payload`: (signed certificate, why unsigned)."""
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
            return None, str(exc)
        payload["certificate"] = {
            "certificate_no": cert.certificate_no,
            "token": token,
            "valid_until": cert.valid_until.isoformat(),
        }
        return SignedCertificate(cert, token), ""

    def lookup(self, service: Service, resident: Resident | None) -> ev.LookupDone:
        """The resident's last receipt on this terminal; for reprint, what 补打 prints (their
        newest receipt never printed, else their certificate: PrintJobStore.latest_for_reprint).
        Raises the store's error when the records cannot be read."""
        holder = self.holder(resident)
        if service is Service.REPRINT:
            job = self.jobs.latest_for_reprint(holder)
        else:
            job = self.jobs.latest_for_holder(holder)
        if job is None:
            return ev.LookupDone(Outcome.NOT_FOUND)
        outcome = OUTCOME_OF_RECEIPT.get(job.kind, Outcome.NOT_FOUND)
        return ev.LookupDone(outcome, job.job_id, self._valid_until(job))

    def kept_certificate(self, resident: Resident | None) -> ev.LookupDone | None:
        """The resident's newest certificate kept here (its job and validity), if any."""
        job = self.jobs.latest_certificate(self.holder(resident))
        if job is None:
            return None
        return ev.LookupDone(Outcome.VERIFIED, job.job_id, self._valid_until(job))

    def _valid_until(self, job: KeptJob) -> str:
        """A kept certificate's validity (ISO date), from the token its QR code carries,
        checked against this terminal's own key; '' for other receipts or a foreign token.
        An expired certificate still says until when it was valid."""
        token = certificate_token(job.receipt)
        if not token:
            return ""
        checked = verify_token(token, {self.keys.key_id: self.keys.public_key})
        return str(checked.fields.get("valid_until", ""))
