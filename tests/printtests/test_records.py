"""Recording a verified check: the certificate token is signed into the case; a token that
cannot be made is a clear failure that still keeps the check (real SQLite stores)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings, TerminalSettings
from contract.certificates import verify_token
from devices.card_reader.identity import CardKind, Identity
from kiosk.flow import commands as cmd
from kiosk.flow.model import Outcome, Service
from kiosk.records.print_jobs import PrintJobStore
from kiosk.records.recorder import CaseRecorder, CertificateNotIssued
from offline_queue.keys import load_or_create
from offline_queue.store import CaseStore

FACE = b"\xff\xd8\xff\xe0face"
ID_NUMBER = "110101195001011239"


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[CaseRecorder]:
    keys = load_or_create(tmp_path)
    store = CaseStore.open(tmp_path / "queue.db", keys)
    jobs = PrintJobStore.in_data_dir(tmp_path)
    settings = dataclasses.replace(Settings(), terminal=TerminalSettings(id="SIM-0001"))
    yield CaseRecorder(store, jobs, settings, keys)
    jobs.close()
    store.close()


def verified(name: str) -> cmd.RecordCase:
    resident = Identity(CardKind.SOCIAL_SECURITY, name, ID_NUMBER).validated()
    return cmd.RecordCase(Service.PENSION_CHECK, Outcome.VERIFIED, resident)


def test_a_verified_check_carries_a_signed_certificate(recorder: CaseRecorder) -> None:
    case_id = recorder.record(verified("张秀英"), lambda: FACE)
    certificate = recorder.store.envelope(case_id)["payload"]["certificate"]
    keys = {recorder.keys.key_id: recorder.keys.public_key}
    assert verify_token(certificate["token"], keys).fields["name"] == "张*英"
    assert recorder.last["certificate"].certificate_no == certificate["certificate_no"]


def test_a_name_far_longer_than_the_id_cards_is_still_signed(recorder: CaseRecorder) -> None:
    # A social-security card may hold a name far longer than the ID card's 15 characters; the
    # token carries the masked name's length, not its '*'s, so it still fits the QR code.
    case_id = recorder.record(verified("阿" * 60), lambda: FACE)
    certificate = recorder.store.envelope(case_id)["payload"]["certificate"]
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
    # and no certificate is left for the print step to pick up
    assert recorder.last == {"case_id": case_id, "certificate": None, "token": ""}
