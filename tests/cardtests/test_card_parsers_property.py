"""Random and mutated bytes into both card parsers: an Identity or a typed error, nothing else.

Each example runs under a deadline, so a parser that loops on some input fails here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cardtests.sam_emulator import IdCard, frame
from cardtests.ssc_card import Holder, SscCard, gen1_card, gen2_card, records_for
from devices.card_reader import ga467, ssc_codec, ssc_read
from devices.card_reader.base import CardReaderError
from devices.card_reader.identity import Identity
from devices.card_reader.ssc_layouts import GENERATION_1, GENERATION_2, LAYOUTS, SscLayout

FUZZ = settings(
    max_examples=300,
    deadline=dt.timedelta(seconds=2),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VALID_READ = IdCard().read_data()
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


def mutations(data: bytes) -> st.SearchStrategy[bytes]:
    """`data` with a few bytes replaced, cut short, or extended."""

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
        cut = draw(st.integers(0, len(out)))
        tail = draw(st.binary(max_size=8)) if draw(st.booleans()) else b""
        return bytes(out[:cut] if draw(st.booleans()) else out) + tail

    return mutate()


def _identity_or_typed_error(parse: Callable[[Any], Identity], data: Any) -> Identity | None:
    try:
        result = parse(data)
    except CardReaderError:
        return None
    assert isinstance(result, Identity)
    return result


# -- GA 467 -------------------------------------------------------------------------------
def _decode_all(chunks: list[bytes]) -> list[ga467.Response | str]:
    decoder = ga467.FrameDecoder()
    out: list[ga467.Response | str] = []
    for chunk in chunks:
        decoder.feed(chunk)
        while True:
            try:
                response = decoder.next_frame()
            except ga467.FrameError:
                out.append("bad frame")
                continue
            if response is None:
                break
            out.append(response)
    return out


@FUZZ
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_frame_decoder_never_fails_untyped_on_random_bytes(chunks: list[bytes]) -> None:
    for item in _decode_all(chunks):
        assert item == "bad frame" or isinstance(item, ga467.Response)


@FUZZ
@given(st.binary(max_size=40), st.binary(max_size=300), st.data())
def test_a_frame_survives_garbage_and_any_split(
    garbage: bytes, data: bytes, draw: st.DataObject
) -> None:
    assume(ga467.PREAMBLE not in garbage)
    wire = garbage + frame(bytes([0, 0, 0x90]) + data)
    cuts = sorted(draw.draw(st.lists(st.integers(0, len(wire)), max_size=12)))
    chunks = [wire[a:b] for a, b in zip([0, *cuts], [*cuts, len(wire)], strict=True)]
    responses = [r for r in _decode_all(chunks) if isinstance(r, ga467.Response)]
    assert responses[-1] == ga467.Response(0, 0, 0x90, data)


@FUZZ
@given(st.binary(max_size=1400))
def test_read_answer_parser_on_random_bytes(data: bytes) -> None:
    _identity_or_typed_error(ga467.identity_from_read, data)


@FUZZ
@given(mutations(VALID_READ))
def test_read_answer_parser_on_mutated_answers(data: bytes) -> None:
    _identity_or_typed_error(ga467.identity_from_read, data)


@FUZZ
@given(
    st.text(min_size=1, max_size=15),
    st.text(max_size=35),
    st.text(max_size=18),
    st.text(max_size=8),
)
def test_text_parser_on_random_field_text(name: str, address: str, number: str, day: str) -> None:
    card = IdCard(name=name, address=address, id_number=number, valid_to=day)
    _identity_or_typed_error(ga467.identity_from_read, card.read_data())


@FUZZ
@given(st.text(CJK, min_size=1, max_size=15), st.text(CJK, min_size=1, max_size=35))
def test_text_roundtrip_of_chinese_fields(name: str, address: str) -> None:
    identity = ga467.identity_from_read(IdCard(name=name, address=address).read_data())
    assert (identity.name, identity.address) == (name, address)


# -- social security card -----------------------------------------------------------------
@FUZZ
@given(st.binary(max_size=300))
def test_tlv_on_random_bytes(data: bytes) -> None:
    try:
        items = list(ssc_codec.iter_tlv(data))
    except CardReaderError:
        return
    assert all(isinstance(tag, int) and isinstance(value, bytes) for tag, value in items)


@FUZZ
@given(
    st.sampled_from(LAYOUTS),
    st.dictionaries(
        st.tuples(st.sampled_from(["EF05", "EF06"]), st.integers(1, 15)),
        st.binary(max_size=40),
        max_size=16,
    ),
)
def test_record_parser_on_random_records(
    layout: SscLayout, records: dict[tuple[str, int], bytes]
) -> None:
    _identity_or_typed_error(lambda r: ssc_codec.identity_from_records(layout, r), records)


def _flat(files: dict[int, dict[int, bytes]]) -> dict[tuple[str, int], bytes]:
    return {
        (f"EF{fid & 0xFF:02X}", rec): data
        for fid, recs in files.items()
        for rec, data in recs.items()
    }


@FUZZ
@given(st.data())
def test_record_parser_on_mutated_records(draw: st.DataObject) -> None:
    records = _flat(records_for(Holder(), b"2", "gb18030"))
    key = draw.draw(st.sampled_from(sorted(records)))
    records[key] = draw.draw(mutations(records[key]))
    _identity_or_typed_error(lambda r: ssc_codec.identity_from_records(GENERATION_2, r), records)


@FUZZ
@given(st.text(CJK, min_size=1, max_size=10))
def test_gb18030_names_roundtrip(name: str) -> None:
    records = _flat(records_for(Holder(name=name), b"2", "gb18030"))
    assert ssc_codec.identity_from_records(GENERATION_2, records).name == name


@FUZZ
@given(st.lists(st.binary(max_size=40), max_size=40))
def test_card_conversation_with_random_answers(answers: list[bytes]) -> None:
    replies = iter(answers)
    calls = 0

    def transmit(command: bytes) -> bytes:
        nonlocal calls
        calls += 1
        return next(replies, b"\x6f\x00")

    _identity_or_typed_error(ssc_read.read_social_security_card, transmit)
    assert calls <= len(answers) + 1  # stops at the first answer it cannot use, never loops


@FUZZ
@given(st.data(), st.booleans())
def test_card_conversation_with_mutated_records(draw: st.DataObject, first_gen: bool) -> None:
    card: SscCard = gen1_card() if first_gen else gen2_card()
    fid = draw.draw(st.sampled_from(sorted(card.files)))
    record = draw.draw(st.sampled_from(sorted(card.files[fid])))
    card.files[fid][record] = draw.draw(mutations(card.files[fid][record]))
    _identity_or_typed_error(ssc_read.read_social_security_card, card.apdu)


def test_unmutated_cards_read_through_the_same_path() -> None:
    """The fuzz targets above do succeed on good input (else they would prove little)."""
    assert ssc_read.read_social_security_card(gen1_card().apdu).name == "张秀英"
    assert ssc_read.read_social_security_card(gen2_card().apdu).name == "张秀英"
    assert (
        ssc_codec.identity_from_records(
            GENERATION_1, _flat(records_for(Holder(), b"1", "gbk"))
        ).ssc_number
        == "A12345678"
    )
    assert ga467.identity_from_read(VALID_READ).name == "张秀英"
