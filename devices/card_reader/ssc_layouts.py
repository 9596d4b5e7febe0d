"""Where each social security card (社会保障卡) generation keeps the holder's data: data, not code.

A layout names the application (AID), its elementary files and, per field, the file, record
and TLV tag plus how the value is encoded. The reader reads the spec version (EF05, record 3,
tag 03) first and picks the layout whose `versions` holds it. A new generation or an issuer
that numbers its records differently is one more table here.

Known from public specs (hardware-facts.md): records hold one TLV each and are numbered like
their tags. Generation 1 cards (version `31`) hold names in GBK; generation 2 and 3 cards
(`32`, `33`, and `00` on some issuers) are read as GB18030, a superset that also covers the
rare characters in names that GBK lacks. Record numbers are still to be confirmed on every
issuer's real cards: a difference there is a change to these tables only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# "sx1.sh.社会保障": the social security application.
SSC_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")


class Codec(StrEnum):
    ASCII = "ascii"  # printable ASCII, space/NUL/FF padded
    GB18030 = "gb18030"  # GBK is a subset
    GBK = "gbk"
    BCD_DATE = "bcd_date"  # 4 bytes YYYYMMDD
    CODE = "code"  # ASCII when printable, hex otherwise (institution codes)


@dataclass(frozen=True)
class ElementaryFile:
    fid: int  # for SELECT (00 A4 02 00 02 <fid>)
    sfi: int  # short file id, for READ RECORD P2 = sfi << 3 | 4


@dataclass(frozen=True)
class FieldSpec:
    name: str  # card_id, spec_version, issuer, issue_date, expiry_date, card_number,
    #            id_number, name, sex, nation, birthplace, birth_date
    ef: str
    record: int
    tag: int
    codec: Codec
    required: bool = True


@dataclass(frozen=True)
class SscLayout:
    generation: str
    versions: tuple[int, ...]  # first byte of the spec version (EF05 tag 03)
    files: dict[str, ElementaryFile]
    fields: tuple[FieldSpec, ...]
    aid: bytes = SSC_AID

    def fields_in(self, ef: str) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.ef == ef)


FILES = {"EF05": ElementaryFile(0xEF05, 0x05), "EF06": ElementaryFile(0xEF06, 0x06)}

# Read before a layout is known: it decides the layout.
VERSION_FIELD = FieldSpec("spec_version", "EF05", 0x03, 0x03, Codec.CODE)


def _fields(name_codec: Codec) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec("card_id", "EF05", 0x01, 0x01, Codec.CODE, required=False),
        VERSION_FIELD,
        FieldSpec("issuer", "EF05", 0x04, 0x04, Codec.CODE, required=False),
        FieldSpec("issue_date", "EF05", 0x05, 0x05, Codec.BCD_DATE),
        FieldSpec("expiry_date", "EF05", 0x06, 0x06, Codec.BCD_DATE),
        FieldSpec("card_number", "EF05", 0x07, 0x07, Codec.ASCII),
        FieldSpec("id_number", "EF06", 0x08, 0x08, Codec.ASCII),
        FieldSpec("name", "EF06", 0x09, 0x09, name_codec),
        FieldSpec("sex", "EF06", 0x0A, 0x0A, Codec.ASCII),
        FieldSpec("nation", "EF06", 0x0B, 0x0B, Codec.ASCII, required=False),
        FieldSpec("birth_date", "EF06", 0x0D, 0x0D, Codec.BCD_DATE, required=False),
    )


GENERATION_1 = SscLayout("1", versions=(0x31,), files=FILES, fields=_fields(Codec.GBK))
GENERATION_2 = SscLayout(
    "2/3", versions=(0x32, 0x33, 0x00), files=FILES, fields=_fields(Codec.GB18030)
)

LAYOUTS: tuple[SscLayout, ...] = (GENERATION_1, GENERATION_2)


def layout_for_version(version: bytes) -> SscLayout | None:
    """The layout for a card whose EF05 tag 03 holds `version`, or None if unknown."""
    if not version:
        return None
    for layout in LAYOUTS:
        if version[0] in layout.versions:
            return layout
    return None
