"""The pension check's certificate: issued for a validated identity, signed as a token
(`contract.certificates`) and printed by `kiosk.records.layouts`.

Only masked personal data ever reaches a certificate: 张*英, 1101**********1239.
A certificate is valid until the end of the resident's next yearly window: the pension
check is due once a year in the birthday month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
from dataclasses import dataclass, field

from contract.certificates import CHINA_TZ, CertificateFields, CertificateOutcome
from kiosk.records.holder import CardHolder

SERVICES = {"pension": "城乡居民养老保险待遇资格认证"}
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U: easy to read aloud


@dataclass(frozen=True)
class Certificate:
    certificate_no: str
    service: str
    masked_name: str
    masked_id_number: str
    verified_at: dt.datetime  # timezone-aware
    valid_until: dt.date
    service_point: str
    terminal_id: str
    outcome: CertificateOutcome = CertificateOutcome.PASS

    @property
    def job_id(self) -> str:
        return f"cert-{self.certificate_no}"

    def token_fields(self) -> CertificateFields:
        """What its token signs (all but the service point, which the platform knows)."""
        return CertificateFields(
            certificate_no=self.certificate_no,
            service=self.service,
            masked_name=self.masked_name,
            masked_id_number=self.masked_id_number,
            verified_at=self.verified_at,
            valid_until=self.valid_until,
            terminal_id=self.terminal_id,
            outcome=self.outcome,
        )


@dataclass(frozen=True)
class SignedCertificate:
    """A certificate and its signed token (what its QR code carries): what the receipt prints.

    The recorder issues it with the recorded case; it reaches the receipt builder inside the
    flow's PrintReceipt (kiosk.flow.model.IssuedCertificate is what the flow sees of it).
    """

    certificate: Certificate
    token: str = field(repr=False)

    @property
    def certificate_no(self) -> str:
        return self.certificate.certificate_no


def new_certificate_no(when: dt.datetime) -> str:
    """Issue day (yymmdd) and 5 random Crockford base32 characters, e.g. 261124-7KQ2M.

    Unique together with the terminal id: ~33 million numbers per terminal and day.
    """
    tail = "".join(secrets.choice(_CROCKFORD) for _ in range(5))
    return f"{when.astimezone(CHINA_TZ):%y%m%d}-{tail}"


def next_window_end(birth_date: dt.date, verified_on: dt.date) -> dt.date:
    """Last day of the first birthday month that begins after the month of the check."""
    year = verified_on.year if birth_date.month > verified_on.month else verified_on.year + 1
    return dt.date(year, birth_date.month, calendar.monthrange(year, birth_date.month)[1])


def issue_certificate(
    identity: CardHolder,
    *,
    terminal_id: str,
    service_point: str,
    now: dt.datetime,
    service: str = "pension",
    outcome: CertificateOutcome = CertificateOutcome.PASS,
) -> Certificate:
    """A certificate for a validated identity; `now` must be timezone-aware."""
    checked = identity.validated()
    assert checked.birth_date is not None  # validated() fills it from the ID number
    local = now.astimezone(CHINA_TZ).replace(microsecond=0)
    return Certificate(
        certificate_no=new_certificate_no(local),
        service=service,
        masked_name=checked.masked_name,
        masked_id_number=checked.masked_id_number,
        verified_at=local,
        valid_until=next_window_end(checked.birth_date, local.date()),
        service_point=service_point,
        terminal_id=terminal_id,
        outcome=outcome,
    )


def certificate_for_decision(
    identity: CardHolder,
    *,
    terminal_id: str,
    service_point: str,
    verified_at: dt.datetime,
    valid_until: dt.date,
    service: str = "pension",
) -> Certificate:
    """A certificate for a check decided later (by the platform, automatically or by a
    reviewer): issued now by this terminal, verified at the decision's time, valid as the
    platform's standing says (or as next_window_end computes from the decision's day)."""
    checked = identity.validated()
    return Certificate(
        certificate_no=new_certificate_no(dt.datetime.now(CHINA_TZ)),
        service=service,
        masked_name=checked.masked_name,
        masked_id_number=checked.masked_id_number,
        verified_at=verified_at.astimezone(CHINA_TZ).replace(microsecond=0),
        valid_until=valid_until,
        service_point=service_point,
        terminal_id=terminal_id,
    )
