"""Resident ID cards through a GA 467 reader on a serial line (pyserial).

One poll = find card; a newly found card is selected and read (text + WLT photo). Polls are
never closer than 300 ms (readers misbehave when hammered). A card is taken as lifted after
two "no card" answers in a row, so one flaky find does not end a session. A reader that stops
answering reports ERROR and is polled on; an unplugged port reports NO_READER and is reopened.
Answers to "find" that cannot be trusted (bad checksum, garbage) are polled past; only
`CORRUPT_LIMIT` of them in a row report ERROR, so line noise costs one poll, a broken line
or reader reaches the technician. A SAM fault during select/read (its own status, not the
card's) reports ERROR too: placing the card again cannot help.
Whether a reader keeps answering "card found" for a card it has already read differs between
models (to be confirmed on each): this code assumes it does.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from typing import Any

import serial

from config.settings import CardReaderSettings
from devices.card_reader import ga467
from devices.card_reader.base import (
    CardEvent,
    CardInserted,
    CardReader,
    CardReaderError,
    CardReadError,
    CardRemoved,
    InvalidCardData,
    ReaderFault,
    ReaderState,
    ReaderStateChanged,
    ReaderTimeout,
    ReaderUnavailable,
    ReadFailed,
)
from devices.card_reader.identity import Identity
from devices.card_reader.wlt import WltDecoder

log = logging.getLogger(__name__)

MIN_POLL_S = 0.3
_PORT_ERRORS: tuple[type[Exception], ...] = (OSError, serial.SerialException)
try:  # pyserial lets termios errors through on POSIX (e.g. tcflush on a vanished pty)
    import termios

    _PORT_ERRORS += (termios.error,)
except ImportError:  # pragma: no cover - Windows
    pass
_OPEN_ERRORS: tuple[type[Exception], ...] = (*_PORT_ERRORS, ValueError)  # bad settings
_REMOVED_AFTER = 2  # "no card" answers in a row
CORRUPT_LIMIT = 3  # untrustworthy answers to "find" in a row before the reader is in ERROR


class SamSerialCardReader(CardReader):
    def __init__(
        self,
        port: str,
        baud: int = 115200,
        *,
        poll_interval_s: float = 0.5,
        read_timeout_s: float = 3.0,
        max_read_attempts: int = 3,
        wlt_decoder: WltDecoder | None = None,
    ) -> None:
        self.port_name = port
        self._baud = baud
        self._poll_s = max(MIN_POLL_S, poll_interval_s)
        self._timeout_s = read_timeout_s
        self._attempts = max_read_attempts
        self._decoder = wlt_decoder
        self._port: Any = None  # serial.Serial; Any keeps pyserial's loose typing out
        self._next_poll = 0.0
        self._card_present = False
        self._misses = 0
        self._corrupt = 0
        self._reported: ReaderState | None = None
        self._events: deque[CardEvent] = deque()

    @classmethod
    def from_settings(cls, settings: CardReaderSettings) -> SamSerialCardReader:
        return cls(
            settings.port,
            settings.baud,
            poll_interval_s=settings.poll_interval_ms / 1000,
            read_timeout_s=settings.read_timeout_s,
            max_read_attempts=settings.max_read_attempts,
            wlt_decoder=WltDecoder.load(settings.wlt_decoder),
        )

    # -- lifecycle --------------------------------------------------------------------
    def open(self) -> None:
        self._open_port()
        try:
            self.command(ga467.SAM_STATUS)
        except CardReaderError as exc:
            self.close()
            raise ReaderUnavailable(
                f"no GA 467 reader answers on {self.port_name}: {exc}"
            ) from None
        self._report(ReaderState.READY)

    def close(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            except _PORT_ERRORS:
                log.debug("closing %s failed", self.port_name, exc_info=True)
            self._port = None

    def _open_port(self) -> None:
        try:
            self._port = serial.Serial(self.port_name, self._baud, timeout=0.05, write_timeout=1.0)
        except _OPEN_ERRORS as exc:
            self._port = None
            raise ReaderUnavailable(f"cannot open {self.port_name}: {exc}") from None

    # -- one command --------------------------------------------------------------------
    def command(self, command: tuple[int, int], data: bytes = b"") -> ga467.Response:
        """Send one command and wait for its answer; typed errors for every failure."""
        if self._port is None:
            raise ReaderUnavailable(f"{self.port_name} is not open")
        try:
            self._port.reset_input_buffer()  # stale bytes would be taken for the answer
            self._port.write(ga467.encode_command(command, data))
            return self._receive()
        except _PORT_ERRORS as exc:
            self.close()
            raise ReaderUnavailable(f"{self.port_name} failed: {exc}") from None

    def _receive(self) -> ga467.Response:
        decoder = ga467.FrameDecoder()
        deadline = time.monotonic() + self._timeout_s
        while time.monotonic() < deadline:
            chunk = self._port.read(max(1, self._port.in_waiting))
            if chunk:
                decoder.feed(chunk)
                response = decoder.next_frame()
                if response is not None:
                    if decoder.discarded:
                        log.debug("skipped %d stray bytes before the answer", decoder.discarded)
                    return response
        if decoder.received:  # bytes came, but never a whole frame: a garbled answer
            raise ga467.FrameError(
                f"{self.port_name}: {decoder.received} bytes in {self._timeout_s:.1f} s"
                " held no whole GA 467 frame"
            )
        raise ReaderTimeout(f"{self.port_name}: no answer within {self._timeout_s:.1f} s")

    # -- watching ---------------------------------------------------------------------
    def wait_event(self, timeout_s: float) -> CardEvent | None:
        if not self._events:
            wait = self._next_poll - time.monotonic()
            if wait > timeout_s:
                time.sleep(max(0.0, timeout_s))
                return None
            time.sleep(max(0.0, wait))
            self._next_poll = time.monotonic() + self._poll_s
            self._poll()
        return self._events.popleft() if self._events else None

    def _poll(self) -> None:
        if self._port is None:
            try:
                self._open_port()
            except ReaderUnavailable as exc:
                self._report(ReaderState.NO_READER, str(exc))
                return
        try:
            found = self.command(ga467.FIND_CARD)
        except ReaderUnavailable as exc:
            self._lost(ReaderState.NO_READER, str(exc))
            return
        except ReaderTimeout as exc:
            self._lost(ReaderState.ERROR, f"reader not answering: {exc}")
            return
        except CardReadError as exc:  # a torn or garbled answer to "find"
            self._corrupt_answer(exc)
            return
        self._corrupt = 0
        if found.sw3 == ga467.SW3_CARD_FOUND:
            self._misses = 0
            if not self._card_present:
                self._card_present = True
                self._report(ReaderState.CARD_PRESENT)
                self._events.append(self._read())
            return
        if found.sw3 != ga467.SW3_NO_CARD:
            self._report(ReaderState.ERROR, str(ga467.status_error(found.sw3, "find card")))
            return
        self._misses += 1
        if self._card_present and self._misses >= _REMOVED_AFTER:
            self._card_present = False
            self._events.append(CardRemoved())
        if not self._card_present:
            self._report(ReaderState.READY)

    def _corrupt_answer(self, error: CardReadError) -> None:
        self._corrupt += 1
        log.info("find card, answer %d in a row not usable: %s", self._corrupt, error)
        if self._corrupt >= CORRUPT_LIMIT:
            self._lost(
                ReaderState.ERROR,
                f"reader answers are corrupt ({self._corrupt} in a row): {error}",
            )

    def _lost(self, state: ReaderState, detail: str) -> None:
        if self._card_present:
            self._card_present = False
            self._events.append(CardRemoved())
        self._report(state, detail)

    # -- reading ----------------------------------------------------------------------
    def _read(self) -> CardEvent:
        error: CardReaderError = CardReadError("card could not be read")
        for attempt in range(1, self._attempts + 1):
            try:
                return CardInserted(self.read_card(found=attempt == 1))
            except InvalidCardData as exc:
                return ReadFailed(exc)
            except (ReaderFault, ReaderUnavailable) as exc:
                self._report(ReaderState.ERROR, f"reader failed during the read: {exc}")
                return ReadFailed(exc)
            except CardReaderError as exc:
                error = exc
                log.info("read attempt %d of %d failed: %s", attempt, self._attempts, exc)
                if attempt < self._attempts:
                    time.sleep(MIN_POLL_S)  # a retry is a new find: keep the polling pace
        return ReadFailed(error)

    def read_card(self, found: bool = False) -> Identity:
        """Find (unless just found), select and read the card on the reader."""
        if not found:
            ga467.check_status(self.command(ga467.FIND_CARD), "find card", ga467.SW3_CARD_FOUND)
        ga467.check_status(self.command(ga467.SELECT_CARD), "select card")
        answer = ga467.check_status(self.command(ga467.READ_TEXT_PHOTO), "read card")
        identity = ga467.identity_from_read(answer.data)
        return self._decoded(identity)

    def _decoded(self, identity: Identity) -> Identity:
        if self._decoder is None or identity.photo_bytes is None:
            return identity
        bmp = self._decoder.decode(identity.photo_bytes)
        if bmp is None:
            return identity
        return dataclasses.replace(identity, photo_bytes=bmp, photo_format="bmp")

    def _report(self, state: ReaderState, detail: str = "") -> None:
        if state != self._reported:
            self._reported = state
            log.info("card reader %s: %s %s", self.port_name, state, detail)
            self._events.append(ReaderStateChanged(state, detail))
