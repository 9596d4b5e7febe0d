"""Recording a verified check: the certificate token is signed into the case and comes back
with the recorded case to the receipt; a token that cannot be made is a clear failure that
still keeps the check; "reprint" and "query" find the kept receipt and its validity (real
SQLite stores)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings, TerminalSettings
from contract.certificates import sign_certificate, verify_token
from devices.card_reader.identity import CardKind, Identity
from devices.printer.base import PrinterStatus
from devices.printer.layout import QrCode, Receipt
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, ReceiptKind, RecordedCase, Service
from kiosk.records.certificate import SignedCertificate
from kiosk.records.layouts import certificate_receipt
from kiosk.records.print_jobs import PrintJobStore
from kiosk.records.receipts import ReceiptBuilder, ReceiptError
from kiosk.records.recorder import CaseRecorder, CertificateNotIssued
from offline_queue.keys import load_or_create
from offline_queue.store import CaseStore

FACE = b"\xff\xd8\xff\xe0face"
ID_NUMBER = "110101195001011239"


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[CaseRecorder]:
    keys = load_or_create(tmp_path)
    store = CaseStore.open(tmp_path / "queue.db", keys)
    jobs = PrintJobStore.in_data_dir(tmp_path, keys.storage_key)
    settings = dataclasses.replace(Settings(), terminal=TerminalSettings(id="SIM-0001"))
    yield CaseRecorder(store, jobs, settings, keys)
    jobs.close()
    store.close()


def holder(name: str = "张秀英", id_number: str = ID_NUMBER) -> Identity:
    return Identity(CardKind.SOCIAL_SECURITY, name, id_number).validated()


def verified(name: str) -> cmd.RecordCase:
    return cmd.RecordCase(Service.PENSION_CHECK, Outcome.VERIFIED, holder(name))


def test_a_verified_check_carries_a_signed_certificate(recorder: CaseRecorder) -> None:
    case = recorder.record(verified("张秀英"), lambda: FACE)
    certificate = recorder.store.envelope(case.case_id)["payload"]["certificate"]
    keys = {recorder.keys.key_id: recorder.keys.public_key}
    assert verify_token(certificate["token"], keys).fields["name"] == "张*英"
    assert isinstance(case.certificate, SignedCertificate)
    assert case.certificate.certificate_no == certificate["certificate_no"]
    assert case.certificate.token == certificate["token"]


def test_checks_not_verified_are_recorded_without_a_certificate(recorder: CaseRecorder) -> None:
    command = cmd.RecordCase(Service.PENSION_CHECK, Outcome.NOT_VERIFIED, holder(), "x")
    case = recorder.record(command, lambda: None)
    assert case == RecordedCase(case.case_id, None)
    assert "certificate" not in recorder.store.envelope(case.case_id)["payload"]


def test_the_receipt_prints_the_certificate_the_recorded_case_brought(
    recorder: CaseRecorder,
) -> None:
    resident = holder()
    case = recorder.record(verified("张秀英"), lambda: FACE)
    assert isinstance(case.certificate, SignedCertificate)
    build = ReceiptBuilder(recorder.settings, recorder.holder).build
    job = build(
        cmd.PrintReceipt(
            ReceiptKind.CERTIFICATE,
            case.case_id,
            Outcome.VERIFIED,
            resident,
            certificate=case.certificate,
        )
    )
    assert job.receipt is not None and job.receipt.kind == "certificate"
    [token] = [b.data for b in job.receipt.blocks if isinstance(b, QrCode)]
    assert token == case.certificate.token
    assert job.certificate_no == case.certificate.certificate_no
    assert job.holder == recorder.holder(resident) != ""
    # A certificate print whose case brought none is refused (the flow's print then fails
    # over to "ask staff"); the receipt is never made up from somewhere else.
    with pytest.raises(ReceiptError, match="no certificate was issued"):
        build(cmd.PrintReceipt(ReceiptKind.CERTIFICATE, case.case_id, Outcome.VERIFIED, resident))


def test_reprint_and_query_find_the_kept_receipt_and_its_validity(
    recorder: CaseRecorder,
) -> None:
    resident = holder()
    case = recorder.record(verified("张秀英"), lambda: FACE)
    assert isinstance(case.certificate, SignedCertificate)
    cert = case.certificate.certificate
    mine = recorder.holder(resident)
    recorder.jobs.add(
        certificate_receipt(cert, case.certificate.token),
        holder=mine,
        certificate_no=cert.certificate_no,
    )
    found = ev.LookupDone(Outcome.VERIFIED, cert.job_id, cert.valid_until.isoformat())
    assert recorder.lookup(Service.REPRINT, resident) == found
    assert recorder.lookup(Service.QUERY, resident) == found
    stranger = holder("李四", "110101196001011233")
    assert recorder.lookup(Service.QUERY, stranger) == ev.LookupDone(Outcome.NOT_FOUND)
    # A newer failure notice is what "query" finds; it has no validity. While it has not
    # printed, 补打 prints it (the print-failed screen promised so); once printed, 补打 finds
    # the certificate again.
    recorder.jobs.add(Receipt("failure_notice", "failure_notice-c2"), holder=mine)
    notice = ev.LookupDone(Outcome.NOT_VERIFIED, "failure_notice-c2")
    assert recorder.lookup(Service.QUERY, resident) == notice
    assert recorder.lookup(Service.REPRINT, resident) == notice
    recorder.jobs.record_attempt("failure_notice-c2", PrinterStatus.READY, printed=True)
    assert recorder.lookup(Service.REPRINT, resident) == found


def test_a_kept_certificate_signed_by_another_key_gives_no_validity(
    recorder: CaseRecorder, tmp_path: Path
) -> None:
    resident = holder()
    case = recorder.record(verified("张秀英"), lambda: FACE)
    assert isinstance(case.certificate, SignedCertificate)
    cert = case.certificate.certificate
    other = load_or_create(tmp_path / "other")
    forged = sign_certificate(cert.token_fields(), other.signing_key, other.key_id)
    recorder.jobs.add(certificate_receipt(cert, forged), holder=recorder.holder(resident))
    found = recorder.lookup(Service.REPRINT, resident)
    assert (found.outcome, found.job_id, found.valid_until) == (Outcome.VERIFIED, cert.job_id, "")


def test_a_name_far_longer_than_the_id_cards_is_still_signed(recorder: CaseRecorder) -> None:
    # A social-security card may hold a name far longer than the ID card's 15 characters; the
    # token carries the masked name's length, not its '*'s, so it still fits the QR code.
    case = recorder.record(verified("阿" * 60), lambda: FACE)
    certificate = recorder.store.envelope(case.case_id)["payload"]["certificate"]
    keys = {recorder.keys.key_id: recorder.keys.public_key}
    assert verify_token(certificate["token"], keys).fields["name"] == "阿" + "*" * 58 + "阿"


def test_a_token_that_cannot_be_made_fails_clearly_and_keeps_the_check(
    recorder: CaseRecorder,
) -> None:
    long_name = "阿" * 100  # over the 99 characters a token carries
    with pytest.raises(CertificateNotIssued) as failed:
        recorder.record(verified(long_name), lambda: FACE)
    message = str(failed.value)
    assert "cannot be signed" in message and "a token carries 99" in message
    assert long_name not in message and ID_NUMBER not in message  # it is logged
    # Nothing is lost: the check is in the queue, marked as having no certificate.
    (case_id,) = recorder.store.case_ids("pending")
    assert case_id in message
    envelope = recorder.store.envelope(case_id)
    assert envelope["payload"]["outcome"] == "verified"
    assert "certificate" not in envelope["payload"]
    assert "a token carries 99" in envelope["payload"]["certificate_error"]
    assert envelope["attachments"]["face.jpg"]["size"] == len(FACE)


@pytest.mark.parametrize(
    ("valid_to", "expired", "recorded"),
    [
        (dt.date(2020, 6, 30), True, "2020-06-30"),
        ("长期", False, "long_term"),
        (None, False, None),
    ],
)
def test_the_case_records_the_cards_validity_and_whether_it_had_expired(
    recorder: CaseRecorder, valid_to: dt.date | str | None, expired: bool, recorded: str | None
) -> None:
    card = Identity(CardKind.ID_CARD, "张秀英", ID_NUMBER, valid_to=valid_to).validated()
    command = cmd.RecordCase(
        Service.PENSION_CHECK, Outcome.VERIFIED, card, card_expired=card.expired_on(dt.date.today())
    )
    case = recorder.record(command, lambda: FACE)
    resident = recorder.store.envelope(case.case_id)["payload"]["resident"]
    assert (resident["card_valid_to"], resident["card_expired"]) == (recorded, expired)
    assert isinstance(case.certificate, SignedCertificate)  # decided as any other check
