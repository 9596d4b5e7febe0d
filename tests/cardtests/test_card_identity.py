"""Identity checks every backend applies: what is a read error, and what is only a fact.

Decided here: a birth date in the future and a validity that starts before the holder was born
are read errors (the card is forged or misread). An expired card is NOT: it still says who the
holder is, which is what the pension check needs; `expired_on` tells whoever has to decide,
and the read-card JSON keeps its fixed keys.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cardtests.sam_emulator import IdCard
from cardtests.ssc_card import Holder, records_for
from devices.card_reader import ga467, ssc_codec
from devices.card_reader.base import InvalidCardData
from devices.card_reader.identity import (
    LONG_TERM,
    CardKind,
    Identity,
    InvalidIdentity,
    id_number_check_char,
    validate_id_number,
)
from devices.card_reader.ssc_layouts import GENERATION_1

TODAY = dt.date(2025, 6, 1)


def id_number_born(day: dt.date) -> str:
    first17 = f"110101{day:%Y%m%d}123"
    return first17 + id_number_check_char(first17)


def first_generation_records(holder: Holder) -> dict[tuple[str, int], bytes]:
    files = records_for(holder, b"1", "gbk")
    return {
        (f"EF{fid & 0xFF:02X}", rec): data
        for fid, recs in files.items()
        for rec, data in recs.items()
    }


def identity(**fields: object) -> Identity:
    values: dict[str, object] = {"name": "张秀英", "id_number": "110101195001011239"}
    values.update(fields)
    return Identity(CardKind.ID_CARD, **values)  # type: ignore[arg-type]


def test_birth_date_in_the_future_is_invalid() -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    with pytest.raises(InvalidIdentity, match="birth date is in the future"):
        identity(id_number=id_number_born(tomorrow)).validated(today=TODAY)
    born_today = identity(id_number=id_number_born(TODAY)).validated(today=TODAY)
    assert born_today.birth_date == TODAY


def test_validity_starting_before_birth_is_invalid() -> None:
    with pytest.raises(InvalidIdentity, match="starts before the holder's birth date"):
        identity(valid_from=dt.date(1949, 12, 31)).validated(today=TODAY)
    on_the_day = identity(valid_from=dt.date(1950, 1, 1)).validated(today=TODAY)
    assert on_the_day.valid_from == dt.date(1950, 1, 1)


def test_future_birth_date_from_an_id_card_is_a_read_error() -> None:
    # Checked against the real clock, as the backends do: a date decades ahead.
    future = dt.date.today().replace(year=dt.date.today().year + 30, month=1, day=1)
    card = IdCard(birth_date=f"{future:%Y%m%d}", id_number=id_number_born(future))
    with pytest.raises(InvalidCardData, match="birth date is in the future"):
        ga467.identity_from_read(card.read_data())


def test_social_security_card_issued_before_birth_is_a_read_error() -> None:
    records = first_generation_records(Holder(issue_date=dt.date(1949, 1, 1)))
    with pytest.raises(InvalidCardData, match="starts before the holder's birth date"):
        ssc_codec.identity_from_records(GENERATION_1, records)


def test_an_expired_card_stays_readable_and_says_so() -> None:
    card = IdCard(valid_from="20000101", valid_to="20200101")
    read = ga467.identity_from_read(card.read_data())  # no error: who it is still counts
    assert read.valid_to == dt.date(2020, 1, 1)
    assert read.expired_on(TODAY)
    assert not read.expired_on(dt.date(2020, 1, 1))  # valid through its last day
    fresh = ga467.identity_from_read(IdCard().read_data())
    assert fresh.valid_to == LONG_TERM
    assert not fresh.expired_on(dt.date(2999, 1, 1))
    assert read.to_json().keys() == fresh.to_json().keys()  # no extra keys for expiry


def test_an_expired_social_security_card_stays_readable() -> None:
    holder = Holder(issue_date=dt.date(2006, 3, 1), expiry_date=dt.date(2016, 3, 1))
    read = ssc_codec.identity_from_records(GENERATION_1, first_generation_records(holder))
    assert read.ssc_expiry == dt.date(2016, 3, 1)
    assert read.expired_on(TODAY)


@pytest.mark.parametrize("digit", ["¹", "١", "５"])  # superscript, Arabic-Indic, full-width
def test_a_digit_that_is_not_ascii_is_a_clear_error_not_a_crash(digit: str) -> None:
    number = digit + "10101195001011239"
    with pytest.raises(InvalidIdentity, match="17 digits"):
        validate_id_number(number)
