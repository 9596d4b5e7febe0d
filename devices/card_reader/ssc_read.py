"""The APDU conversation that reads a social security card, over any `transmit` function.

`transmit(command) -> response` sends one APDU and returns data + SW1 SW2; it raises a
`CardReaderError` when the card or reader goes away. Keeping PC/SC out of this module means
the same code runs against pyscard and against random answers in property tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from devices.card_reader.base import CardReadError, NotSupportedCard, PinRequired
from devices.card_reader.identity import Identity
from devices.card_reader.ssc_codec import identity_from_records, tlv_value
from devices.card_reader.ssc_layouts import (
    FILES,
    SSC_AID,
    VERSION_FIELD,
    ElementaryFile,
    SscLayout,
    layout_for_version,
)

log = logging.getLogger(__name__)

Transmit = Callable[[bytes], bytes]

SW_OK = 0x9000
_SECURITY_NOT_SATISFIED = (0x6982, 0x6983, 0x6984)  # PIN needed / blocked / ref data invalid
_NOT_FOUND = (0x6A82, 0x6A86, 0x6A88)
_MAX_GET_RESPONSE = 8  # 61xx chains; a card that never stops is broken


class ApduError(CardReadError):
    def __init__(self, what: str, sw: int) -> None:
        super().__init__(f"{what}: status {sw:04X}")
        self.sw = sw


def exchange(transmit: Transmit, command: bytes) -> tuple[bytes, int]:
    """Send `command`, following 61xx (GET RESPONSE) and 6Cxx (resend with that Le)."""
    response = _checked(transmit(command))
    data, sw = response[:-2], int.from_bytes(response[-2:], "big")
    if sw >> 8 == 0x6C:
        response = _checked(transmit(command[:4] + bytes([sw & 0xFF])))
        data, sw = response[:-2], int.from_bytes(response[-2:], "big")
    for _ in range(_MAX_GET_RESPONSE):
        if sw >> 8 != 0x61:
            return data, sw
        response = _checked(transmit(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF])))
        data, sw = data + response[:-2], int.from_bytes(response[-2:], "big")
    raise CardReadError("card keeps announcing more data (61xx)")


def _checked(response: bytes) -> bytes:
    if len(response) < 2:
        raise CardReadError("card answered with fewer than two status bytes")
    return response


def select_application(transmit: Transmit, aid: bytes = SSC_AID) -> None:
    _, sw = exchange(transmit, bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid)
    if sw in _NOT_FOUND or sw >> 8 in (0x6A, 0x6D, 0x6E):
        raise NotSupportedCard(f"no social security application on this card (status {sw:04X})")
    if sw != SW_OK:
        raise ApduError("selecting the social security application failed", sw)


def select_file(transmit: Transmit, ef: str, file: ElementaryFile) -> None:
    _, sw = exchange(transmit, bytes([0x00, 0xA4, 0x02, 0x00, 0x02]) + file.fid.to_bytes(2, "big"))
    if sw in _SECURITY_NOT_SATISFIED:
        raise PinRequired(f"{ef} is protected by the issuer's PIN")
    if sw != SW_OK:
        raise ApduError(f"selecting {ef} failed", sw)


def read_record(transmit: Transmit, ef: str, file: ElementaryFile, record: int) -> bytes | None:
    """The record's bytes, or None if the card has no such record."""
    p2 = file.sfi << 3 | 0x04
    data, sw = exchange(transmit, bytes([0x00, 0xB2, record, p2, 0x00]))
    if sw == SW_OK:
        return data
    if sw in _SECURITY_NOT_SATISFIED:
        raise PinRequired(f"{ef} is protected by the issuer's PIN")
    if sw in (0x6A83, 0x6A82):
        return None
    raise ApduError(f"reading {ef} record {record} failed", sw)


def detect_layout(transmit: Transmit) -> SscLayout:
    file = FILES[VERSION_FIELD.ef]
    select_file(transmit, VERSION_FIELD.ef, file)
    record = read_record(transmit, VERSION_FIELD.ef, file, VERSION_FIELD.record)
    if record is None:
        raise NotSupportedCard("social security card holds no spec version")
    version = tlv_value(record, VERSION_FIELD.tag)
    layout = layout_for_version(version)
    if layout is None:
        raise NotSupportedCard(f"unknown social security card version {version[:4].hex()}")
    return layout


def read_social_security_card(transmit: Transmit) -> Identity:
    """Select the application, pick the layout by spec version, read and validate every field."""
    select_application(transmit)
    layout = detect_layout(transmit)
    log.debug("social security card, layout generation %s", layout.generation)
    records: dict[tuple[str, int], bytes] = {}
    for ef, file in layout.files.items():
        specs = layout.fields_in(ef)
        if not specs:
            continue
        select_file(transmit, ef, file)
        for spec in specs:
            record = read_record(transmit, ef, file, spec.record)
            if record is not None:
                records[(ef, spec.record)] = record
    return identity_from_records(layout, records)
