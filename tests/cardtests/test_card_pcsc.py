"""The PC/SC backend against a real pcscd, the vpcd virtual reader and our SSC card emulator."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from cardtests.helpers import collect
from cardtests.pcscd import VPCD_READER, Pcscd
from cardtests.ssc_card import Holder, OtherCard, gen1_card, gen2_card
from cardtests.vpcd_card import VpcdCardEmulator
from config.settings import CardReaderSettings
from devices.card_reader.base import (
    CardEvent,
    CardInserted,
    CardReadError,
    CardRemoved,
    NotSupportedCard,
    PinRequired,
    ReaderState,
    ReaderStateChanged,
    ReaderUnavailable,
    ReadFailed,
)
from devices.card_reader.identity import CardKind
from devices.card_reader.pcsc import PcscCardReader

pytestmark = pytest.mark.pcsc


@pytest.fixture
def reader(pcscd: Pcscd) -> Iterator[PcscCardReader]:
    card_reader = PcscCardReader(VPCD_READER, poll_interval_s=0.2)
    card_reader.open()
    collect(card_reader, _state(ReaderState.READY))
    yield card_reader
    card_reader.close()


def _state(state: ReaderState) -> Callable[[CardEvent], bool]:
    return lambda e: isinstance(e, ReaderStateChanged) and e.state is state


def _card_event(event: CardEvent) -> bool:
    return isinstance(event, CardInserted | ReadFailed)


def test_lists_the_virtual_readers(reader: PcscCardReader) -> None:
    assert VPCD_READER in reader.list_readers()


def test_full_read_of_a_first_generation_card(
    reader: PcscCardReader, vpcd: VpcdCardEmulator
) -> None:
    vpcd.insert(gen1_card())
    events = collect(reader, _card_event)
    assert ReaderStateChanged(ReaderState.CARD_PRESENT) in events
    identity = events[-1].identity  # type: ignore[union-attr]
    assert identity.card_kind is CardKind.SOCIAL_SECURITY
    assert identity.name == "张秀英"
    assert identity.id_number == "110101195001011239"
    assert identity.sex == "2"
    assert identity.nation == "01"
    assert identity.birth_date == dt.date(1950, 1, 1)
    assert identity.ssc_number == "A12345678"
    assert identity.valid_from == dt.date(2016, 3, 1)
    assert identity.ssc_expiry == dt.date(2036, 3, 1)
    vpcd.remove()
    events = collect(reader, _state(ReaderState.READY))
    assert CardRemoved() in events


def test_second_generation_card_with_a_gb18030_only_name(
    reader: PcscCardReader, vpcd: VpcdCardEmulator
) -> None:
    # 𠈌 is outside GBK: only the generation 2 table (GB18030) reads it. The card also answers
    # 6Cxx to a wrong Le, which the reader must follow.
    card = gen2_card(
        Holder(
            name="王𠈌", id_number="11010119800229019X", sex="1", birth_date=dt.date(1980, 2, 29)
        )
    )
    vpcd.insert(card)
    event = collect(reader, _card_event)[-1]
    assert isinstance(event, CardInserted), event
    assert event.identity.name == "王𠈌"
    assert event.identity.id_number == "11010119800229019X"
    assert any(apdu[1] == 0xB2 and apdu[4] != 0 for apdu in card.log)  # the 6Cxx re-send


def test_a_card_that_is_not_a_social_security_card(
    reader: PcscCardReader, vpcd: VpcdCardEmulator
) -> None:
    vpcd.insert(OtherCard())
    event = collect(reader, _card_event)[-1]
    assert isinstance(event, ReadFailed)
    assert isinstance(event.error, NotSupportedCard)


def test_a_pin_protected_ef06(reader: PcscCardReader, vpcd: VpcdCardEmulator) -> None:
    vpcd.insert(gen1_card(pin=b"\x12\x34\x56"))
    event = collect(reader, _card_event)[-1]
    assert isinstance(event, ReadFailed)
    assert isinstance(event.error, PinRequired)


def test_card_with_a_bad_id_number_is_a_read_error(
    reader: PcscCardReader, vpcd: VpcdCardEmulator
) -> None:
    vpcd.insert(gen1_card(Holder(id_number="110101195001011238")))
    event = collect(reader, _card_event)[-1]
    assert isinstance(event, ReadFailed)
    assert "checksum" in str(event.error)


def test_card_removed_during_the_read(reader: PcscCardReader, vpcd: VpcdCardEmulator) -> None:
    vpcd.cut_after = 4  # answers the selects, vanishes while the records are read
    vpcd.insert(gen1_card())
    events = collect(reader, _state(ReaderState.READY))
    failures = [e for e in events if isinstance(e, ReadFailed)]
    assert len(failures) == 1
    assert isinstance(failures[0].error, CardReadError)
    assert CardRemoved() in events
    assert not any(isinstance(e, CardInserted) for e in events)
    # The next card reads normally.
    vpcd.cut_after = None
    vpcd.insert(gen1_card())
    assert isinstance(collect(reader, _card_event)[-1], CardInserted)


def test_emulator_disconnects_and_reconnects(
    reader: PcscCardReader, vpcd: VpcdCardEmulator
) -> None:
    vpcd.cut_after = 2
    vpcd.insert(gen2_card())
    events = collect(reader, _state(ReaderState.ERROR))
    assert isinstance(events[-2], ReadFailed)
    assert "connection lost" in events[-1].detail  # type: ignore[union-attr]
    vpcd.cut_after = None
    vpcd.insert(gen2_card())  # reconnect at once
    events = collect(reader, _card_event)
    assert ReaderStateChanged(ReaderState.CARD_PRESENT) in events
    assert isinstance(events[-1], CardInserted)


def test_pcscd_stopped_and_restarted_while_watching(
    reader: PcscCardReader, vpcd: VpcdCardEmulator, pcscd: Pcscd
) -> None:
    if not pcscd.owned:
        pytest.skip("pcscd was started outside the tests; not stopping it")
    vpcd.insert(gen1_card())
    assert isinstance(collect(reader, _card_event)[-1], CardInserted)
    pcscd.stop()
    events = collect(reader, _state(ReaderState.SERVICE_DOWN))
    assert CardRemoved() in events
    vpcd.remove()
    pcscd.start()
    collect(reader, _state(ReaderState.READY))
    vpcd.insert(gen1_card())
    assert isinstance(collect(reader, _card_event)[-1], CardInserted)


def test_reader_unplugged_and_back_while_watching(
    reader: PcscCardReader, vpcd: VpcdCardEmulator, pcscd: Pcscd
) -> None:
    if not pcscd.owned:
        pytest.skip("pcscd was started outside the tests; not restarting it")
    vpcd.insert(gen1_card())
    assert isinstance(collect(reader, _card_event)[-1], CardInserted)
    # The reader goes away (see Pcscd.start: a restart without it is the only way with vpcd).
    pcscd.stop()
    vpcd.remove()
    try:
        pcscd.start(with_vpcd=False)
        events = collect(reader, _state(ReaderState.NO_READER))
        assert CardRemoved() in events
        assert VPCD_READER in events[-1].detail  # type: ignore[union-attr]
        # While it is away the watch goes on and reports nothing new.
        assert reader.wait_event(0.5) is None
    finally:
        pcscd.stop()
        pcscd.start()
    # Plugged back in: ready again, and a card reads without restarting anything.
    collect(reader, _state(ReaderState.READY))
    vpcd.insert(gen1_card())
    assert isinstance(collect(reader, _card_event)[-1], CardInserted)


def test_open_without_pcscd_is_reader_unavailable(pcscd: Pcscd) -> None:
    if not pcscd.owned:
        pytest.skip("pcscd was started outside the tests; not stopping it")
    pcscd.stop()
    try:
        with pytest.raises(ReaderUnavailable):
            PcscCardReader(VPCD_READER).open()
    finally:
        pcscd.start()


def test_no_matching_reader_reports_no_reader(pcscd: Pcscd) -> None:
    card_reader = PcscCardReader("No Such Reader")
    card_reader.open()
    try:
        events = collect(card_reader, _state(ReaderState.NO_READER), timeout_s=3)
        assert "No Such Reader" in events[-1].detail  # type: ignore[union-attr]
    finally:
        card_reader.close()


class SlowCard:
    """A card that takes `delay_s` for every APDU (a worn chip, a weak contact)."""

    def __init__(self, card: object, delay_s: float) -> None:
        self._card, self._delay_s = card, delay_s
        self.atr = card.atr  # type: ignore[attr-defined]

    def reset(self) -> None:
        self._card.reset()  # type: ignore[attr-defined]

    def apdu(self, command: bytes) -> bytes:
        time.sleep(self._delay_s)
        return self._card.apdu(command)  # type: ignore[attr-defined,no-any-return]


def test_read_timeout_s_bounds_a_read_and_a_patient_setting_reads_the_slow_card(
    pcscd: Pcscd, vpcd: VpcdCardEmulator
) -> None:
    settings = CardReaderSettings(
        backend="pcsc", reader=VPCD_READER, read_timeout_s=0.3, max_read_attempts=1
    )
    impatient = PcscCardReader.from_settings(settings)
    impatient.open()
    try:
        collect(impatient, _state(ReaderState.READY))
        vpcd.insert(SlowCard(gen1_card(), delay_s=0.1))
        event = collect(impatient, _card_event)[-1]
        gave_up_after = vpcd.apdu_count
    finally:
        impatient.close()
    assert isinstance(event, ReadFailed), event
    assert "read_timeout_s (0.3 s)" in str(event.error)
    vpcd.remove()
    patient = PcscCardReader.from_settings(replace(settings, read_timeout_s=30.0))
    patient.open()
    try:
        collect(patient, _state(ReaderState.READY))
        vpcd.insert(SlowCard(gen1_card(), delay_s=0.1))
        assert isinstance(collect(patient, _card_event, timeout_s=30)[-1], CardInserted)
    finally:
        patient.close()
    assert gave_up_after < vpcd.apdu_count  # the impatient read stopped part-way
