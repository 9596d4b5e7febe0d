"""The certificate model and the four receipt kinds: masking, valid-until, what is printed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from devices.card_reader.identity import Identity
from devices.printer.layout import KeyValue, QrCode, Receipt, Text
from kiosk.records.certificate import Certificate, issue_certificate, next_window_end
from kiosk.records.layouts import (
    FAILURE_REASONS,
    certificate_receipt,
    failure_notice_receipt,
    pending_slip_receipt,
    technician_test_page,
)

NOW = dt.datetime(2026, 11, 24, 2, 30, tzinfo=dt.UTC)


def printed_text(receipt: Receipt) -> str:
    parts: list[str] = []
    for block in receipt.blocks:
        if isinstance(block, Text):
            parts.append(block.text)
        elif isinstance(block, KeyValue):
            parts += [block.key, block.value]
        elif isinstance(block, QrCode):
            parts += [block.data, block.caption]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("born", "checked", "until"),
    [
        (dt.date(1950, 1, 1), dt.date(2026, 11, 24), dt.date(2027, 1, 31)),  # window ahead
        (dt.date(1950, 12, 9), dt.date(2026, 11, 24), dt.date(2026, 12, 31)),  # next month
        (dt.date(1950, 11, 30), dt.date(2026, 11, 24), dt.date(2027, 11, 30)),  # in the window
        (dt.date(1952, 2, 29), dt.date(2027, 3, 1), dt.date(2028, 2, 29)),  # leap year end
        (dt.date(1951, 2, 10), dt.date(2026, 1, 5), dt.date(2026, 2, 28)),
    ],
)
def test_valid_until_is_the_end_of_the_next_birthday_month_window(
    born: dt.date, checked: dt.date, until: dt.date
) -> None:
    assert next_window_end(born, checked) == until


def test_issue_masks_the_identity_and_numbers_the_certificate(identity: Identity) -> None:
    cert = issue_certificate(
        identity, terminal_id="SIM-0001", service_point="示范村便民服务站", now=NOW
    )
    assert cert.masked_name == "张*英"
    assert cert.masked_id_number == "1101**********1239"
    assert cert.verified_at.isoformat() == "2026-11-24T10:30:00+08:00"  # China time
    assert cert.valid_until == dt.date(2027, 1, 31)
    assert re.fullmatch(r"261124-[0-9A-HJKMNP-TV-Z]{5}", cert.certificate_no)
    numbers = {
        issue_certificate(identity, terminal_id="T", service_point="P", now=NOW).certificate_no
        for _ in range(50)
    }
    assert len(numbers) == 50


def test_no_receipt_kind_prints_the_full_name_or_id_number(certificate: Certificate) -> None:
    common = {
        "masked_name": certificate.masked_name,
        "masked_id_number": certificate.masked_id_number,
        "when": NOW,
        "terminal_id": "SIM-0001",
    }
    receipts = [
        certificate_receipt(certificate, "token"),
        failure_notice_receipt("liveness", job_id="f", service_point="网点", **common),
        pending_slip_receipt(
            "P-1", job_id="p", check_after=dt.date(2026, 12, 1), where="网点", **common
        ),
        technician_test_page(job_id="t", terminal_id="SIM-0001", service_point="网点", when=NOW),
    ]
    assert [r.kind for r in receipts] == [
        "certificate",
        "failure_notice",
        "pending_slip",
        "test_page",
    ]
    for receipt in receipts:
        text = printed_text(receipt)
        assert "张秀英" not in text
        assert "110101195001011239" not in text


def test_certificate_receipt_carries_every_field_and_the_token(certificate: Certificate) -> None:
    text = printed_text(certificate_receipt(certificate, "TOKEN-123"))
    for expected in (
        certificate.certificate_no,
        "张*英",
        "1101**********1239",
        "通过",
        "2026-11-24 10:30",
        "2027-01-31",
        "示范村便民服务站",
        "SIM-0001",
        "TOKEN-123",
    ):
        assert expected in text


@pytest.mark.parametrize("reason", sorted(FAILURE_REASONS))
def test_failure_notices_say_why_and_what_next(reason: str, certificate: Certificate) -> None:
    receipt = failure_notice_receipt(
        reason,
        job_id="f",
        masked_name="张*英",
        masked_id_number="1101**********1239",
        when=NOW,
        service_point="网点",
        terminal_id="SIM-0001",
    )
    text = printed_text(receipt)
    assert FAILURE_REASONS[reason].what in text
    assert "1. " in text and "12333" in text


def test_pending_slip_says_when_and_where(certificate: Certificate) -> None:
    receipt = pending_slip_receipt(
        "P-261124-0007",
        job_id="p",
        masked_name="张*英",
        masked_id_number="1101**********1239",
        when=NOW,
        check_after=dt.date(2026, 12, 1),
        where="示范村便民服务站",
        terminal_id="SIM-0001",
    )
    text = printed_text(receipt)
    assert "P-261124-0007" in text and "2026年12月1日" in text and "示范村便民服务站" in text


def test_job_id_is_safe_as_a_file_name(certificate: Certificate) -> None:
    assert re.fullmatch(r"[A-Za-z0-9-]+", certificate.job_id)
    assert dataclasses.replace(certificate, certificate_no="X").job_id == "cert-X"
