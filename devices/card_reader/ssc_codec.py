"""Pure decoding of social security card records: TLV, BCD dates, GBK/GB18030 text.

Everything here takes bytes and returns values or raises `InvalidCardData`; nothing talks to
a card, so it can be fed random bytes in property tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

from devices.card_reader.base import InvalidCardData
from devices.card_reader.identity import CardKind, Identity, InvalidIdentity
from devices.card_reader.ssc_layouts import Codec, FieldSpec, SscLayout

_PADDING = b" \x00\xff"


def iter_tlv(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield (tag, value) from BER-style one-byte-tag TLV; lengths 0-127, 81 xx, 82 xx xx."""
    pos = 0
    while pos < len(data):
        tag = data[pos]
        if tag in (0x00, 0xFF):  # filler after the last TLV in a fixed-size record
            return
        if pos + 1 >= len(data):
            raise InvalidCardData(f"TLV tag {tag:02X} has no length")
        length, pos = _tlv_length(data, pos + 1)
        if pos + length > len(data):
            raise InvalidCardData(f"TLV tag {tag:02X} runs past the end of the record")
        yield tag, data[pos : pos + length]
        pos += length


def _tlv_length(data: bytes, pos: int) -> tuple[int, int]:
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count not in (1, 2) or pos + 1 + count > len(data):
        raise InvalidCardData("TLV length is malformed")
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def tlv_value(record: bytes, tag: int) -> bytes:
    """The value of `tag` in a record; InvalidCardData if it is not there."""
    for found, value in iter_tlv(record):
        if found == tag:
            return value
    raise InvalidCardData(f"record holds no tag {tag:02X}")


def bcd_date(value: bytes) -> dt.date:
    """4 bytes packed BCD, YYYYMMDD."""
    digits = value.hex()
    if len(value) != 4 or not digits.isdigit():
        raise InvalidCardData("date is not 4 bytes of BCD")
    try:
        return dt.datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        raise InvalidCardData("BCD date is not a calendar date") from None


def text(value: bytes, codec: Codec) -> str:
    stripped = value.rstrip(_PADDING)
    try:
        decoded = stripped.decode("gb18030" if codec is Codec.GB18030 else str(codec))
    except UnicodeDecodeError:
        raise InvalidCardData(f"text is not valid {codec}") from None
    if not decoded.isprintable():
        raise InvalidCardData("text holds control characters")
    return decoded.strip()


def decode(value: bytes, codec: Codec) -> str | dt.date:
    if codec is Codec.BCD_DATE:
        return bcd_date(value)
    if codec is Codec.CODE:
        stripped = value.rstrip(_PADDING)
        printable = stripped.isascii() and stripped.decode("ascii").isprintable()
        return stripped.decode("ascii") if printable else value.hex().upper()
    return text(value, codec)


def decode_field(spec: FieldSpec, record: bytes) -> str | dt.date:
    return decode(tlv_value(record, spec.tag), spec.codec)


def identity_from_records(layout: SscLayout, records: Mapping[tuple[str, int], bytes]) -> Identity:
    """Build and validate the Identity from raw records keyed by (ef, record number)."""
    values: dict[str, str | dt.date] = {}
    for spec in layout.fields:
        record = records.get((spec.ef, spec.record))
        if record is None:
            if spec.required:
                raise InvalidCardData(f"{spec.ef} record {spec.record} ({spec.name}) is missing")
            continue
        values[spec.name] = decode_field(spec, record)
    return _identity(values)


def _str(values: Mapping[str, str | dt.date], key: str) -> str:
    value = values.get(key, "")
    if not isinstance(value, str):
        raise InvalidCardData(f"{key} has the wrong kind of value")
    return value


def _date(values: Mapping[str, str | dt.date], key: str) -> dt.date | None:
    value = values.get(key)
    if value is not None and not isinstance(value, dt.date):
        raise InvalidCardData(f"{key} is not a date")
    return value


def _identity(values: Mapping[str, str | dt.date]) -> Identity:
    sex = _str(values, "sex") or "0"
    if sex not in ("0", "1", "2", "9"):
        raise InvalidCardData("sex code is not one of 0, 1, 2, 9")
    expiry = _date(values, "expiry_date")
    identity = Identity(
        card_kind=CardKind.SOCIAL_SECURITY,
        name=_str(values, "name"),
        id_number=_str(values, "id_number").upper(),
        sex=sex,
        nation=_str(values, "nation"),
        birth_date=_date(values, "birth_date"),
        issuing_authority=_str(values, "issuer"),
        valid_from=_date(values, "issue_date"),
        valid_to=expiry,
        ssc_number=_str(values, "card_number"),
        ssc_expiry=expiry,
    )
    try:
        return identity.validated()
    except InvalidIdentity as exc:
        raise InvalidCardData(f"social security card data is invalid: {exc}") from None
