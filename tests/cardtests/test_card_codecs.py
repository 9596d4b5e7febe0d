"""Known answers for the pure codecs: the frames, dates and encodings the specs spell out."""

from __future__ import annotations

import datetime as dt

import pytest

from cardtests.sam_emulator import IdCard
from cardtests.ssc_card import Holder, records_for
from devices.card_reader import ga467, ssc_codec
from devices.card_reader.base import (
    CardReadError,
    InvalidCardData,
    ReaderFault,
    SamError,
    SamFault,
)
from devices.card_reader.ssc_layouts import (
    GENERATION_1,
    GENERATION_2,
    SSC_AID,
    Codec,
    layout_for_version,
)


@pytest.mark.parametrize(
    ("command", "wire"),
    [
        (ga467.FIND_CARD, "AAAAAA9669000320012 2"),
        (ga467.SELECT_CARD, "AAAAAA96690003200221"),
        (ga467.READ_TEXT_PHOTO, "AAAAAA96690003300132"),
    ],
)
def test_command_frames_match_the_published_bytes(command: tuple[int, int], wire: str) -> None:
    assert ga467.encode_command(command) == bytes.fromhex(wire.replace(" ", ""))


def test_read_answer_length_field() -> None:
    answer = ga467.encode_response(0x90, IdCard().read_data())
    # SW1 SW2 SW3 + 4 length bytes + 256 text + 1024 photo + checksum
    assert answer[5:7] == (3 + 4 + 256 + 1024 + 1).to_bytes(2, "big")


def test_decoder_reports_a_bad_checksum_then_finds_the_next_frame() -> None:
    bad = bytearray(ga467.encode_response(0x90, b"\x01\x02"))
    bad[-1] ^= 0xFF
    good = ga467.encode_response(0x9F, b"\x00" * 4)
    decoder = ga467.FrameDecoder()
    decoder.feed(bytes(bad) + good)
    with pytest.raises(ga467.FrameError):
        decoder.next_frame()
    assert decoder.next_frame() == ga467.Response(0, 0, 0x9F, b"\x00" * 4)
    assert decoder.next_frame() is None


def test_decoder_waits_for_a_torn_frame() -> None:
    frame = ga467.encode_response(0x90, b"abc")
    decoder = ga467.FrameDecoder()
    decoder.feed(frame[:6])
    assert decoder.next_frame() is None
    decoder.feed(frame[6:])
    assert decoder.next_frame() == ga467.Response(0, 0, 0x90, b"abc")


def test_sam_status_errors_carry_their_code() -> None:
    error = ga467.status_error(0x41, "read card")
    assert isinstance(error, SamError)
    assert error.code == 0x41
    assert "reading the card failed" in str(error)
    assert ga467.status_error(0x7E, "read card").code == 0x7E  # unknown codes stay typed


@pytest.mark.parametrize("sw3", [0x10, 0x11, 0x21, 0x23, 0x24, 0x60, 0x66])
def test_sam_side_statuses_are_reader_faults(sw3: int) -> None:
    error = ga467.status_error(sw3, "select card")
    assert isinstance(error, SamFault)
    assert isinstance(error, ReaderFault)
    assert not isinstance(error, CardReadError)  # never "place the card again"
    assert error.code == sw3


@pytest.mark.parametrize("sw3", [0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x81, 0x91, 0x7E])
def test_card_side_and_unknown_statuses_are_read_errors(sw3: int) -> None:
    error = ga467.status_error(sw3, "read card")
    assert isinstance(error, SamError)
    assert isinstance(error, CardReadError)
    assert not isinstance(error, ReaderFault)


def test_text_fields_and_long_term_validity() -> None:
    fields = ga467.parse_text(IdCard().text())
    assert fields["name"] == "张秀英"
    assert fields["valid_to"] == "长期"
    assert len(IdCard().text()) == ga467.TEXT_LENGTH


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sex": "3"}, "sex"),
        ({"nation": "77"}, "nation"),
        ({"birth_date": "19500230"}, "birth date"),
        ({"birth_date": "19500102"}, "differs"),
        ({"valid_from": "20300101", "valid_to": "20200101"}, "ends before"),
        ({"valid_from": "19491231"}, "starts before the holder's birth"),
        ({"name": ""}, "no name"),
    ],
)
def test_inconsistent_id_card_text_is_invalid(change: dict[str, str], message: str) -> None:
    card = IdCard(**change)  # type: ignore[arg-type]
    with pytest.raises(InvalidCardData, match=message):
        ga467.identity_from_read(card.read_data())


def test_aid_is_sx1_sh_shehui_baozhang() -> None:
    assert "sx1.sh.社会保障".encode("gbk") == SSC_AID


def test_tlv_with_long_lengths() -> None:
    value = bytes(range(200))
    assert list(ssc_codec.iter_tlv(b"\x09\x81\xc8" + value)) == [(0x09, value)]
    assert list(ssc_codec.iter_tlv(b"\x09\x82\x00\x02ab\x00\x00")) == [(0x09, b"ab")]
    with pytest.raises(InvalidCardData):
        list(ssc_codec.iter_tlv(b"\x09\x05ab"))


@pytest.mark.parametrize(
    ("raw", "day"), [("19500101", dt.date(1950, 1, 1)), ("20360301", dt.date(2036, 3, 1))]
)
def test_bcd_dates(raw: str, day: dt.date) -> None:
    assert ssc_codec.bcd_date(bytes.fromhex(raw)) == day


@pytest.mark.parametrize("raw", ["19501301", "195001", "1A500101", "20250229", "2025022901"])
def test_bad_bcd_dates(raw: str) -> None:
    with pytest.raises(InvalidCardData):
        ssc_codec.bcd_date(bytes.fromhex(raw))


def test_names_are_padded_and_gbk_on_first_generation() -> None:
    assert ssc_codec.text("张秀英".encode("gbk") + b"    \x00\xff", Codec.GBK) == "张秀英"
    rare = "王𠈌".encode("gb18030")
    assert ssc_codec.text(rare, Codec.GB18030) == "王𠈌"
    with pytest.raises(InvalidCardData):
        ssc_codec.text(rare, Codec.GBK)


def test_layout_by_spec_version() -> None:
    assert layout_for_version(b"1\x00\x00\x00") is GENERATION_1
    assert layout_for_version(b"2\x00") is GENERATION_2
    assert layout_for_version(b"\x00") is GENERATION_2
    assert layout_for_version(b"9") is None
    assert layout_for_version(b"") is None


def test_records_to_identity_for_both_generations() -> None:
    for layout, version, encoding in ((GENERATION_1, b"1", "gbk"), (GENERATION_2, b"2", "gb18030")):
        files = records_for(Holder(), version, encoding)
        records = {
            (f"EF{fid & 0xFF:02X}", rec): data
            for fid, recs in files.items()
            for rec, data in recs.items()
        }
        identity = ssc_codec.identity_from_records(layout, records)
        assert (identity.name, identity.ssc_number) == ("张秀英", "A12345678")
        assert identity.ssc_expiry == dt.date(2036, 3, 1)
        del records[("EF06", 9)]
        with pytest.raises(InvalidCardData, match="name"):
            ssc_codec.identity_from_records(layout, records)
