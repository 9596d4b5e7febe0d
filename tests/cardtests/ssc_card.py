"""Social security cards for the vpcd emulator: an ISO 7816-4 file system answering APDUs.

The records are written out here byte by byte (tag, length, value) as the public spec
describes them, independently of `devices.card_reader.ssc_layouts`, so a wrong table there
fails the tests instead of agreeing with itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

SSC_AID = "sx1.sh.社会保障".encode("gbk")
ATR_GEN1 = bytes.fromhex("3B6D00000081318658B2000000000000")  # T=0 style
ATR_GEN2 = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
ATR_OTHER = bytes.fromhex("3B8A800150907A0000000000000000")


def tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag, len(value)]) + value


def bcd(day: dt.date) -> bytes:
    return bytes.fromhex(day.strftime("%Y%m%d"))


@dataclass
class Holder:
    name: str = "张秀英"
    id_number: str = "110101195001011239"
    sex: str = "2"
    nation: str = "01"
    birth_date: dt.date = dt.date(1950, 1, 1)
    card_number: str = "A12345678"
    issue_date: dt.date = dt.date(2016, 3, 1)
    expiry_date: dt.date = dt.date(2036, 3, 1)


def records_for(holder: Holder, version: bytes, name_encoding: str) -> dict[int, dict[int, bytes]]:
    """EF05 and EF06 records (record number == tag), as the issuers' personalisation writes them."""
    name = holder.name.encode(name_encoding).ljust(30, b" ")
    ef05 = {
        1: tlv(0x01, bytes.fromhex("11010000000000000000000000000001")),
        3: tlv(0x03, version + b"\x00\x00\x00"),
        4: tlv(0x04, b"110100000000"),
        5: tlv(0x05, bcd(holder.issue_date)),
        6: tlv(0x06, bcd(holder.expiry_date)),
        7: tlv(0x07, holder.card_number.encode("ascii")),
    }
    ef06 = {
        8: tlv(0x08, holder.id_number.encode("ascii")),
        9: tlv(0x09, name),
        0x0A: tlv(0x0A, holder.sex.encode("ascii")),
        0x0B: tlv(0x0B, holder.nation.encode("ascii")),
        0x0C: tlv(0x0C, "北京市".encode("gbk")),
        0x0D: tlv(0x0D, bcd(holder.birth_date)),
    }
    return {0xEF05: ef05, 0xEF06: ef06}


@dataclass
class SscCard:
    """A card with the SSC application. `pin` protects EF06; `strict_le` answers 6Cxx."""

    atr: bytes
    files: dict[int, dict[int, bytes]]
    aid: bytes = SSC_AID
    pin: bytes | None = None
    strict_le: bool = False
    log: list[bytes] = field(default_factory=list)
    _app: bool = False
    _ef: int | None = None
    _verified: bool = False

    def reset(self) -> None:
        self._app, self._ef, self._verified = False, None, False

    def apdu(self, command: bytes) -> bytes:
        self.log.append(command)
        if len(command) < 4:
            return b"\x67\x00"
        ins, p1, p2 = command[1], command[2], command[3]
        body = command[5 : 5 + command[4]] if len(command) > 5 else b""
        if ins == 0xA4 and p1 == 0x04:
            self._app = body == self.aid
            self._ef = None
            return b"\x90\x00" if self._app else b"\x6a\x82"
        if ins == 0xA4 and p1 == 0x02:
            fid = int.from_bytes(body, "big")
            if not self._app or fid not in self.files:
                return b"\x6a\x82"
            self._ef = fid
            return b"\x90\x00"
        if ins == 0xB2:
            return self._read_record(p1, p2, command[4] if len(command) == 5 else 0)
        if ins == 0x20:
            self._verified = self.pin is not None and body == self.pin
            return b"\x90\x00" if self._verified else b"\x63\xc2"
        return b"\x6d\x00"

    def _read_record(self, record: int, p2: int, le: int) -> bytes:
        sfi = p2 >> 3
        fid = 0xEF00 | sfi if sfi else self._ef
        if not self._app or fid not in self.files:
            return b"\x6a\x82"
        if fid == 0xEF06 and self.pin is not None and not self._verified:
            return b"\x69\x82"
        data = self.files[fid].get(record)
        if data is None:
            return b"\x6a\x83"
        if self.strict_le and le != len(data):
            return bytes([0x6C, len(data)])
        return data + b"\x90\x00"


def gen1_card(holder: Holder | None = None, **kw: object) -> SscCard:
    return SscCard(ATR_GEN1, records_for(holder or Holder(), b"1", "gbk"), **kw)  # type: ignore[arg-type]


def gen2_card(holder: Holder | None = None, **kw: object) -> SscCard:
    files = records_for(holder or Holder(), b"2", "gb18030")
    return SscCard(ATR_GEN2, files, strict_le=True, **kw)  # type: ignore[arg-type]


class OtherCard:
    """A bank/transport card: no social security application."""

    atr = ATR_OTHER

    def reset(self) -> None:
        pass

    def apdu(self, command: bytes) -> bytes:
        return b"\x6a\x82"
