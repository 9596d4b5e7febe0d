"""The GA 467 backend against our SAM emulator on a real pseudo-terminal pair."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Iterator

import pytest

from cardtests.helpers import collect
from cardtests.sam_emulator import FIND, READ, SELECT, IdCard, SamEmulator
from devices.card_reader.base import (
    CardEvent,
    CardInserted,
    CardReadError,
    CardRemoved,
    InvalidCardData,
    ReaderState,
    ReaderStateChanged,
    ReaderUnavailable,
    ReadFailed,
    SamError,
    SamFault,
)
from devices.card_reader.ga467 import FrameError
from devices.card_reader.identity import CardKind
from devices.card_reader.sam_serial import CORRUPT_LIMIT, MIN_POLL_S, SamSerialCardReader


@pytest.fixture
def reader(sam: SamEmulator) -> Iterator[SamSerialCardReader]:
    card_reader = SamSerialCardReader(
        sam.port, 115200, poll_interval_s=0.3, read_timeout_s=0.5, max_read_attempts=2
    )
    card_reader.open()
    yield card_reader
    card_reader.close()


def _state(state: ReaderState) -> Callable[[CardEvent], bool]:
    return lambda e: isinstance(e, ReaderStateChanged) and e.state is state


def _card_event(event: CardEvent) -> bool:
    return isinstance(event, CardInserted | ReadFailed)


def test_full_read(reader: SamSerialCardReader, sam: SamEmulator) -> None:
    assert collect(reader, _state(ReaderState.READY), 3)
    sam.card = IdCard()
    events = collect(reader, _card_event, 5)
    assert ReaderStateChanged(ReaderState.CARD_PRESENT) in events
    assert isinstance(events[-1], CardInserted)
    identity = events[-1].identity
    assert identity.card_kind is CardKind.ID_CARD
    assert identity.name == "张秀英"
    assert identity.id_number == "110101195001011239"
    assert (identity.sex, identity.nation) == ("2", "01")
    assert identity.birth_date == dt.date(1950, 1, 1)
    assert identity.address == "示范省示范市示范县示范村1号"
    assert identity.issuing_authority == "示范县公安局"
    assert identity.valid_from == dt.date(2016, 3, 1)
    assert identity.valid_to == "长期"
    assert identity.photo_format == "wlt"
    assert identity.photo_bytes == IdCard().photo
    assert sam.commands[-3:] == [FIND, SELECT, READ]


def test_card_with_an_end_date_and_x_checksum(
    reader: SamSerialCardReader, sam: SamEmulator
) -> None:
    sam.card = IdCard(
        name="李四",
        sex="1",
        birth_date="19800229",
        id_number="11010119800229019X",
        valid_from="20200101",
        valid_to="20400101",
    )
    event = collect(reader, _card_event, 5)[-1]
    assert isinstance(event, CardInserted)
    assert event.identity.valid_to == dt.date(2040, 1, 1)
    assert event.identity.id_number.endswith("X")


def test_no_card_then_card_lifted(reader: SamSerialCardReader, sam: SamEmulator) -> None:
    collect(reader, _state(ReaderState.READY), 3)
    for _ in range(4):  # a couple of polls with nothing on the reader
        assert reader.wait_event(0.4) is None
    sam.card = IdCard()
    collect(reader, _card_event, 5)
    sam.card = None
    events = collect(reader, _state(ReaderState.READY), 5)
    assert CardRemoved() in events


def test_polls_no_faster_than_every_300_ms(reader: SamSerialCardReader, sam: SamEmulator) -> None:
    for _ in range(12):
        reader.wait_event(0.1)
    finds = [t for c, t in zip(sam.commands, sam.command_times, strict=True) if c == FIND]
    gaps = [b - a for a, b in itertools.pairwise(finds)]
    assert len(gaps) >= 2
    assert min(gaps) >= MIN_POLL_S - 0.01


def test_bad_checksum_is_a_read_failure(reader: SamSerialCardReader, sam: SamEmulator) -> None:
    sam.bad_checksum = {READ}
    sam.card = IdCard()
    event = collect(reader, _card_event, 5)[-1]
    assert isinstance(event, ReadFailed)
    assert isinstance(event.error, FrameError)
    # Lift and place again: reads.
    sam.bad_checksum = set()
    sam.card = None
    collect(reader, lambda e: isinstance(e, CardRemoved), 5)
    sam.card = IdCard()
    assert isinstance(collect(reader, _card_event, 5)[-1], CardInserted)


def test_frame_split_across_many_writes(reader: SamSerialCardReader, sam: SamEmulator) -> None:
    sam.split = True
    sam.card = IdCard()
    event = collect(reader, _card_event, 10)[-1]
    assert isinstance(event, CardInserted)
    assert event.identity.photo_bytes == IdCard().photo


@pytest.mark.parametrize(
    "garbage",
    [b"\x00\xff\x13\x37", b"\xaa\xaa\xaa\x96", b"\xaa\xaa\xaa\x96\x69\xff\xff", b"\xaa" * 40],
    ids=["noise", "partial-preamble", "preamble-with-impossible-length", "run-of-aa"],
)
def test_garbage_before_the_preamble(
    reader: SamSerialCardReader, sam: SamEmulator, garbage: bytes
) -> None:
    sam.garbage = garbage
    sam.card = IdCard()
    assert isinstance(collect(reader, _card_event, 5)[-1], CardInserted)


@pytest.mark.parametrize(
    ("command", "sw3"), [(SELECT, 0x81), (READ, 0x41), (READ, 0x31), (READ, 0x33), (READ, 0x91)]
)
def test_sam_error_codes_are_typed_read_errors(
    reader: SamSerialCardReader, sam: SamEmulator, command: tuple[int, int], sw3: int
) -> None:
    sam.status = {command: sw3}
    sam.card = IdCard()
    events = collect(reader, _card_event, 5)
    event = events[-1]
    assert isinstance(event, ReadFailed)
    assert isinstance(event.error, SamError)
    assert event.error.code == sw3
    assert f"0x{sw3:02X}" in str(event.error)
    # The card's side: the resident places it again, the reader itself is fine.
    assert ReaderStateChanged(ReaderState.CARD_PRESENT) in events
    assert not any(_state(ReaderState.ERROR)(e) for e in events)


@pytest.mark.parametrize(
    ("command", "sw3"), [(SELECT, 0x60), (READ, 0x66), (SELECT, 0x10), (READ, 0x23)]
)
def test_sam_fault_during_the_read_is_a_reader_fault(
    reader: SamSerialCardReader, sam: SamEmulator, command: tuple[int, int], sw3: int
) -> None:
    sam.status = {command: sw3}
    sam.card = IdCard()
    events = collect(reader, _card_event, 5)
    failed = events[-1]
    assert isinstance(failed, ReadFailed)
    assert isinstance(failed.error, SamFault)
    assert not isinstance(failed.error, CardReadError)  # not "place the card again"
    assert failed.error.code == sw3
    error_state = next(e for e in events if _state(ReaderState.ERROR)(e))
    assert events.index(error_state) < events.index(failed)  # the fault reaches the flow first
    assert f"0x{sw3:02X}" in error_state.detail  # type: ignore[union-attr]
    # Once the card is lifted the reader polls as before and the next card reads.
    sam.status = {}
    sam.card = None
    assert CardRemoved() in collect(reader, _state(ReaderState.READY), 5)
    sam.card = IdCard()
    assert isinstance(collect(reader, _card_event, 5)[-1], CardInserted)


def _events_for(reader: SamSerialCardReader, seconds: float) -> list[CardEvent]:
    events: list[CardEvent] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        event = reader.wait_event(0.1)
        if event is not None:
            events.append(event)
    return events


def test_a_few_corrupt_find_answers_only_resync(
    reader: SamSerialCardReader, sam: SamEmulator
) -> None:
    collect(reader, _state(ReaderState.READY), 3)
    sam.corrupt_next = CORRUPT_LIMIT - 1
    finds_before = sam.commands.count(FIND)
    events = _events_for(reader, (CORRUPT_LIMIT + 1) * 0.3 + 0.5)
    assert sam.corrupt_next == 0
    assert sam.commands.count(FIND) - finds_before >= CORRUPT_LIMIT  # the bad ones and more
    assert not any(isinstance(e, ReaderStateChanged) for e in events)  # still READY
    sam.card = IdCard()
    assert isinstance(collect(reader, _card_event, 5)[-1], CardInserted)


@pytest.mark.parametrize("fault", ["bad_checksum", "garbled"])
def test_corrupt_find_answers_in_a_row_put_the_reader_in_error(
    reader: SamSerialCardReader, sam: SamEmulator, fault: str
) -> None:
    collect(reader, _state(ReaderState.READY), 3)
    sam.card = IdCard()
    assert isinstance(collect(reader, _card_event, 5)[-1], CardInserted)
    setattr(sam, fault, {FIND})
    events = collect(reader, _state(ReaderState.ERROR), 10)
    assert "corrupt" in events[-1].detail  # type: ignore[union-attr]
    assert f"{CORRUPT_LIMIT} in a row" in events[-1].detail  # type: ignore[union-attr]
    assert CardRemoved() in events  # nothing is known about the card any more
    setattr(sam, fault, set())
    events = collect(reader, _card_event, 5)  # the line is clean again: the card reads
    assert ReaderStateChanged(ReaderState.CARD_PRESENT) in events
    assert isinstance(events[-1], CardInserted)


def test_sam_fault_on_find_sets_reader_error(reader: SamSerialCardReader, sam: SamEmulator) -> None:
    collect(reader, _state(ReaderState.READY), 3)
    sam.status = {FIND: 0x60}
    event = collect(reader, _state(ReaderState.ERROR), 3)[-1]
    assert "self-check" in event.detail  # type: ignore[union-attr]
    sam.status = {}
    collect(reader, _state(ReaderState.READY), 3)


def test_invalid_card_data_is_a_read_error(reader: SamSerialCardReader, sam: SamEmulator) -> None:
    sam.card = IdCard(id_number="110101195001011238")
    event = collect(reader, _card_event, 5)[-1]
    assert isinstance(event, ReadFailed)
    assert isinstance(event.error, InvalidCardData)


def test_silent_reader_times_out_and_recovers(
    reader: SamSerialCardReader, sam: SamEmulator
) -> None:
    collect(reader, _state(ReaderState.READY), 3)
    sam.silent = True
    event = collect(reader, _state(ReaderState.ERROR), 5)[-1]
    assert "no answer" in event.detail  # type: ignore[union-attr]
    sam.silent = False
    collect(reader, _state(ReaderState.READY), 5)
    sam.card = IdCard()
    assert isinstance(collect(reader, _card_event, 5)[-1], CardInserted)


def test_open_on_a_silent_reader_fails(sam: SamEmulator) -> None:
    sam.silent = True
    card_reader = SamSerialCardReader(sam.port, read_timeout_s=0.3)
    with pytest.raises(ReaderUnavailable, match="no GA 467 reader answers"):
        card_reader.open()
    card_reader.close()


def test_open_on_a_missing_port_fails() -> None:
    with pytest.raises(ReaderUnavailable, match="cannot open"):
        SamSerialCardReader("/dev/no-such-card-reader").open()


def test_reader_unplugged_while_watching(reader: SamSerialCardReader, sam: SamEmulator) -> None:
    sam.card = IdCard()
    collect(reader, _card_event, 5)
    sam.stop()  # the pty goes away like a USB-serial adapter pulled out
    events = collect(reader, _state(ReaderState.NO_READER), 5)
    assert CardRemoved() in events
