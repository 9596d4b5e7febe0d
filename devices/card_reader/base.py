"""Card reader interface: one backend per reader kind, driven by one device thread.

The owning thread calls `open()`, then `wait_event()` in a loop while watching, then
`close()`. `wait_event` blocks at most `timeout_s` and returns the next event or None.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum

from devices.card_reader.identity import Identity
from devices.errors import DeviceError


class CardReaderError(DeviceError):
    device = "card_reader"


class ReaderUnavailable(CardReaderError):
    """No reader, reader unplugged, or the PC/SC service is gone."""


class CardReadError(CardReaderError):
    """A card was there but could not be read (lifted too early, torn frame, I/O error)."""


class InvalidCardData(CardReadError):
    """The card answered, but what it holds is not a valid identity."""


class NotSupportedCard(CardReadError):
    """The card is not a resident ID card nor a social security card."""


class PinRequired(CardReadError):
    """The card's issuer protects the holder's data with a PIN."""


class ReaderFault(CardReaderError):
    """The reader itself failed (its security module, its line): the technician's job.

    Placing the card again cannot help, so the reader reports ERROR along with the failure.
    """


class _SamStatus(CardReaderError):
    """An error that came with a status byte (SW3) from the reader's security module."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(f"{message} (SAM status 0x{code:02X})")
        self.code = code


class SamError(_SamStatus, CardReadError):
    """The SAM could not read the card (card-side status): lift and place it again."""


class SamFault(_SamStatus, ReaderFault):
    """The SAM reported a fault of its own (self-check, authorisation, the host link)."""


class ReaderTimeout(ReaderFault):
    """The reader stopped answering."""


class ReaderState(StrEnum):
    READY = "ready"  # reader present, waiting for a card
    CARD_PRESENT = "card_present"
    NO_READER = "no_reader"
    SERVICE_DOWN = "service_down"  # pcscd gone
    ERROR = "error"


@dataclass(frozen=True)
class CardInserted:
    identity: Identity


@dataclass(frozen=True)
class CardRemoved:
    pass


@dataclass(frozen=True)
class ReaderStateChanged:
    state: ReaderState
    detail: str = ""


@dataclass(frozen=True)
class ReadFailed:
    error: CardReaderError


CardEvent = CardInserted | CardRemoved | ReaderStateChanged | ReadFailed


class CardReader(ABC):
    """A card reader backend. Not thread-safe: exactly one thread calls it."""

    @abstractmethod
    def open(self) -> None:
        """Acquire the reader. Raises ReaderUnavailable; may be retried later."""

    @abstractmethod
    def close(self) -> None:
        """Release the reader. Safe to call twice."""

    @abstractmethod
    def wait_event(self, timeout_s: float) -> CardEvent | None:
        """Block up to timeout_s for the next event (insertion, removal, state, failure)."""
