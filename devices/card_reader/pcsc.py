"""Social security cards through any PC/SC reader (pyscard's low-level `scard` API).

pyscard's ReaderMonitor/CardMonitor threads die silently when pcscd goes away, so this
backend watches on its owner thread instead: each `wait_event` lists the readers and waits
in `SCardGetStatusChange` for at most one poll interval. Any "service gone" answer drops the
context, reports SERVICE_DOWN and re-establishes it on later calls, so a restarted pcscd is
picked up without restarting the kiosk.
"""

from __future__ import annotations

import logging
import time
from collections import deque

from smartcard import scard

from config.settings import CardReaderSettings
from devices.card_reader.base import (
    CardEvent,
    CardInserted,
    CardReader,
    CardReaderError,
    CardReadError,
    CardRemoved,
    InvalidCardData,
    NotSupportedCard,
    PinRequired,
    ReaderState,
    ReaderStateChanged,
    ReaderUnavailable,
    ReadFailed,
)
from devices.card_reader.identity import Identity
from devices.card_reader.ssc_read import read_social_security_card

log = logging.getLogger(__name__)


def _code(rc: int) -> int:
    # pyscard hands back HRESULTs as unsigned or signed ints depending on the call.
    return rc & 0xFFFFFFFF


_SERVICE_GONE = {
    _code(scard.SCARD_E_NO_SERVICE),
    _code(scard.SCARD_E_SERVICE_STOPPED),
    _code(scard.SCARD_E_INVALID_HANDLE),
    _code(scard.SCARD_F_COMM_ERROR),
}
_CARD_GONE = {
    _code(scard.SCARD_W_REMOVED_CARD),
    _code(scard.SCARD_W_RESET_CARD),
    _code(scard.SCARD_E_NO_SMARTCARD),
    _code(scard.SCARD_W_UNPOWERED_CARD),
    _code(scard.SCARD_W_UNRESPONSIVE_CARD),
    _code(scard.SCARD_E_NOT_TRANSACTED),
}
_READER_GONE = {_code(scard.SCARD_E_UNKNOWN_READER), _code(scard.SCARD_E_READER_UNAVAILABLE)}
_NO_READERS = _code(scard.SCARD_E_NO_READERS_AVAILABLE)
_TIMEOUT = _code(scard.SCARD_E_TIMEOUT)
_MAX_RETRY_S = 30.0
_READER_MISSING_FLAGS = scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE
# Errors that are the card's answer, not a broken connection: no point in reading again.
_FINAL = (NotSupportedCard, PinRequired, InvalidCardData)


def _message(rc: int) -> str:
    return f"{scard.SCardGetErrorMessage(rc)} (0x{_code(rc):08X})"


class _ServiceGone(Exception):
    """Internal: pcscd stopped answering; the context must be re-established."""


class PcscCardReader(CardReader):
    """Watches one PC/SC reader (the first whose name contains `reader_filter`)."""

    def __init__(
        self,
        reader_filter: str = "",
        poll_interval_s: float = 0.5,
        max_read_attempts: int = 3,
        read_timeout_s: float = 3.0,
    ) -> None:
        self._filter = reader_filter
        self._poll_s = poll_interval_s
        self._attempts = max_read_attempts
        # One read attempt's time limit. PC/SC has no timeout per APDU: it is checked before
        # each one, so a read overruns it by one APDU at most and then fails (and is retried).
        self._read_timeout_s = read_timeout_s
        self._context: int | None = None
        self._reader: str | None = None
        self._known_state = scard.SCARD_STATE_UNAWARE
        self._card_present = False
        self._seen_count = 0  # pcsc-lite's insert/remove count when the card was read
        self._retry_at: float | None = None  # when to try a card whose read broke off
        self._retry_delay = 1.0
        self._reported: ReaderState | None = None
        self._events: deque[CardEvent] = deque()
        self._opened = False

    @classmethod
    def from_settings(cls, settings: CardReaderSettings) -> PcscCardReader:
        return cls(
            settings.reader,
            settings.poll_interval_ms / 1000,
            settings.max_read_attempts,
            settings.read_timeout_s,
        )

    # -- lifecycle --------------------------------------------------------------------
    def open(self) -> None:
        try:
            self._establish()
        except _ServiceGone as exc:
            raise ReaderUnavailable(f"PC/SC service not available: {exc}") from None
        self._opened = True

    def close(self) -> None:
        self._opened = False
        self._release()
        self._events.clear()

    def list_readers(self) -> list[str]:
        if self._context is None:
            self._establish()
        assert self._context is not None
        rc, readers = scard.SCardListReaders(self._context, [])
        if _code(rc) == _NO_READERS:
            return []
        if rc != scard.SCARD_S_SUCCESS:
            self._check_service(rc)
            raise ReaderUnavailable(f"listing readers failed: {_message(rc)}")
        return list(readers)

    # -- watching ---------------------------------------------------------------------
    def wait_event(self, timeout_s: float) -> CardEvent | None:
        if not self._events:
            deadline = time.monotonic() + max(timeout_s, 0.0)
            try:
                self._step(min(timeout_s, self._poll_s))
            except _ServiceGone as exc:
                self._service_lost(str(exc))
                self._pause(deadline)
            except CardReaderError as exc:  # any other PC/SC failure: report, never raise
                self._report(ReaderState.ERROR, str(exc))
                self._pause(deadline)
        return self._events.popleft() if self._events else None

    def _pause(self, deadline: float) -> None:
        # A failing service answers at once: without a pause the owner thread would spin.
        time.sleep(max(0.0, min(self._poll_s, deadline - time.monotonic())))

    def _step(self, wait_s: float) -> None:
        if self._context is None:
            self._establish()
        reader = self._choose_reader()
        if reader is None:
            self._report(ReaderState.NO_READER, f"no PC/SC reader matches {self._filter!r}")
            time.sleep(max(0.0, wait_s))
            return
        assert self._context is not None
        timeout_ms = max(0, int(wait_s * 1000))
        rc, states = scard.SCardGetStatusChange(
            self._context, timeout_ms, [(reader, self._known_state)]
        )
        if _code(rc) == _TIMEOUT:
            self._ensure_state_reported()
            self._maybe_recover(reader)
            return
        if rc != scard.SCARD_S_SUCCESS:
            self._check_service(rc)
            if _code(rc) in _READER_GONE:
                self._reader_lost(_message(rc))
                return
            raise CardReaderError(f"status of {reader} failed: {_message(rc)}")
        _, event_state, _atr = states[0]
        self._on_status(reader, event_state)

    def _on_status(self, reader: str, event_state: int) -> None:
        self._known_state = event_state & ~scard.SCARD_STATE_CHANGED
        if event_state & _READER_MISSING_FLAGS:
            self._reader_lost(f"{reader} went away")
            return
        present = bool(event_state & scard.SCARD_STATE_PRESENT)
        # pcsc-lite counts insertions and removals in the upper 16 bits: a card pulled and put
        # back between two looks shows as "present" both times, but with a new count.
        count = event_state >> 16
        if present and self._card_present and count != self._seen_count:
            self._card_present = False
            self._events.append(CardRemoved())
        if present and not self._card_present:
            self._card_present = True
            self._seen_count = count
            self._report(ReaderState.CARD_PRESENT)
            self._card_arrived(reader, event_state)
        elif not present and self._card_present:
            self._card_present = False
            self._retry_at = None
            self._events.append(CardRemoved())
            self._report(ReaderState.READY)
        else:
            self._ensure_state_reported()

    def _ensure_state_reported(self) -> None:
        # After an outage the reader answers again: say so. An ERROR kept for a card whose
        # read broke off stays until that card reads or leaves.
        recovered = self._reported is ReaderState.ERROR and self._retry_at is None
        if recovered or self._reported in (None, ReaderState.NO_READER, ReaderState.SERVICE_DOWN):
            self._report(ReaderState.CARD_PRESENT if self._card_present else ReaderState.READY)

    def _choose_reader(self) -> str | None:
        readers = self.list_readers()
        if self._reader in readers:
            return self._reader
        chosen = next((r for r in readers if self._filter in r), None)
        if chosen != self._reader:
            self._reader, self._known_state = chosen, scard.SCARD_STATE_UNAWARE
            if chosen is not None:
                log.info("watching PC/SC reader %s", chosen)
        return chosen

    # -- reading ----------------------------------------------------------------------
    def _card_arrived(self, reader: str, event_state: int) -> None:
        if event_state & scard.SCARD_STATE_MUTE:
            event: CardEvent = ReadFailed(CardReadError("the card does not answer (mute)"))
        else:
            event = self._read(reader)
        self._after_read(event)

    def _after_read(self, event: CardEvent) -> None:
        """Queue the read's outcome with the reader state it leaves behind."""
        if isinstance(event, ReadFailed) and not isinstance(event.error, _FINAL):
            self._events.append(event)
            # The link to the card broke while pcscd still sees one: try again later, slower
            # each time, until it reads or is taken away.
            self._report(ReaderState.ERROR, f"card connection lost during the read: {event.error}")
            self._retry_delay = min(self._retry_delay * 2, _MAX_RETRY_S) if self._retry_at else 1.0
            self._retry_at = time.monotonic() + self._retry_delay
        else:
            self._retry_at = None
            self._report(ReaderState.CARD_PRESENT)
            self._events.append(event)

    def _maybe_recover(self, reader: str) -> None:
        if not self._card_present or self._retry_at is None or time.monotonic() < self._retry_at:
            return
        if not self._card_answers(reader):
            self._retry_at = time.monotonic() + self._retry_delay
            return
        log.info("card answers again, reading it")
        self._after_read(self._read(reader))

    def _card_answers(self, reader: str) -> bool:
        assert self._context is not None
        rc, handle, _ = scard.SCardConnect(
            self._context,
            reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if rc != scard.SCARD_S_SUCCESS:
            return False
        scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
        return True

    def _read(self, reader: str) -> CardEvent:
        error: CardReaderError = CardReadError("card could not be read")
        for attempt in range(1, self._attempts + 1):
            try:
                return CardInserted(self.read_card(reader))
            except _FINAL as exc:
                return ReadFailed(exc)
            except CardReaderError as exc:
                error = exc
                log.info("read attempt %d of %d failed: %s", attempt, self._attempts, exc)
                if not self._still_present(reader):
                    break
        return ReadFailed(error)

    def _still_present(self, reader: str) -> bool:
        assert self._context is not None
        rc, states = scard.SCardGetStatusChange(
            self._context, 0, [(reader, scard.SCARD_STATE_UNAWARE)]
        )
        return rc == scard.SCARD_S_SUCCESS and bool(states[0][1] & scard.SCARD_STATE_PRESENT)

    def read_card(self, reader: str) -> Identity:
        """Connect to the card in `reader` and read it (one attempt)."""
        if self._context is None:
            self._establish()
        assert self._context is not None
        rc, handle, protocol = scard.SCardConnect(
            self._context,
            reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if rc != scard.SCARD_S_SUCCESS:
            raise self._card_error("connecting to the card", rc)
        deadline = time.monotonic() + self._read_timeout_s
        try:
            scard.SCardBeginTransaction(handle)  # best effort: keep other apps out mid-read

            def transmit(command: bytes) -> bytes:
                if time.monotonic() > deadline:
                    raise CardReadError(
                        f"the card did not finish within read_timeout_s "
                        f"({self._read_timeout_s:g} s)"
                    )
                rc, response = scard.SCardTransmit(handle, protocol, list(command))
                if rc != scard.SCARD_S_SUCCESS:
                    raise self._card_error("talking to the card", rc)
                return bytes(response)

            return read_social_security_card(transmit)
        finally:
            scard.SCardEndTransaction(handle, scard.SCARD_LEAVE_CARD)
            scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)

    def _card_error(self, doing: str, rc: int) -> CardReaderError:
        code = _code(rc)
        if code in _SERVICE_GONE:
            return ReaderUnavailable(f"PC/SC service gone while {doing}: {_message(rc)}")
        if code in _CARD_GONE:
            return CardReadError(f"card removed or not answering while {doing}: {_message(rc)}")
        if code in _READER_GONE:
            return ReaderUnavailable(f"reader went away while {doing}: {_message(rc)}")
        return CardReadError(f"{doing} failed: {_message(rc)}")

    # -- context and state ------------------------------------------------------------
    def _establish(self) -> None:
        rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rc != scard.SCARD_S_SUCCESS:
            raise _ServiceGone(_message(rc))
        self._context = context
        log.info("PC/SC context established")

    def _release(self) -> None:
        if self._context is not None:
            scard.SCardReleaseContext(self._context)
            self._context = None
        self._reader, self._known_state = None, scard.SCARD_STATE_UNAWARE

    def _check_service(self, rc: int) -> None:
        if _code(rc) in _SERVICE_GONE:
            raise _ServiceGone(_message(rc))

    def _service_lost(self, detail: str) -> None:
        if self._context is not None:
            log.info("PC/SC service lost: %s", detail)
        self._release()
        self._card_gone()
        self._report(ReaderState.SERVICE_DOWN, f"PC/SC service not available: {detail}")

    def _reader_lost(self, detail: str) -> None:
        self._reader, self._known_state = None, scard.SCARD_STATE_UNAWARE
        self._card_gone()
        self._report(ReaderState.NO_READER, detail)

    def _card_gone(self) -> None:
        self._retry_at = None
        if self._card_present:
            self._card_present = False
            self._events.append(CardRemoved())

    def _report(self, state: ReaderState, detail: str = "") -> None:
        if state != self._reported:
            self._reported = state
            log.info("card reader state: %s %s", state, detail)
            self._events.append(ReaderStateChanged(state, detail))
