"""GA 467 frames (resident ID card readers' SAM protocol): encode, decode, resync, parse.

Pure: bytes in, frames/identities out, typed errors otherwise, so random input can be fed to
it in property tests. Frame layout (hardware-facts.md):

    AA AA AA 96 69 | LEN (2, big-endian, counts everything after it) | body | XOR
    command body:  CMD PARA DATA...      response body:  SW1 SW2 SW3 DATA...

The XOR runs over the length bytes through the last body byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from devices.card_reader.base import CardReadError, InvalidCardData, SamError, SamFault
from devices.card_reader.identity import LONG_TERM, CardKind, Identity, InvalidIdentity

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
# Fingerprint cards answer 2321 bytes in all; anything much longer is a torn or garbage length.
MAX_LENGTH = 0x0A00
_HEADER = len(PREAMBLE) + 2

# Commands (CMD, PARA)
RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
READ_SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_TEXT_PHOTO = (0x30, 0x01)

SW3_OK = 0x90
SW3_CARD_FOUND = 0x9F
SW3_NO_CARD = 0x80

SAM_STATUS_TEXT = {
    0x10: "the SAM got a command with a bad checksum",
    0x11: "the SAM got a command with a bad length",
    0x21: "the SAM does not know the command",
    0x23: "the operation is not authorised",
    0x24: "the SAM cannot recognise the error",
    0x31: "the card failed to authenticate the SAM",
    0x32: "the SAM failed to authenticate the card",
    0x33: "the card's data failed verification",
    0x40: "unknown card type",
    0x41: "reading the card failed",
    0x47: "getting a random number failed",
    0x60: "the SAM self-check failed",
    0x66: "the SAM is not authorised",
    0x80: "no card found",
    0x81: "selecting the card failed",
    0x91: "the card has no such content",
}
# Statuses about the SAM itself or its link to the host, not about the card on it: lifting and
# placing the card cannot help, the technician has to look at the reader. Every other status
# (0x31-0x33, 0x40, 0x41, 0x47, 0x81, 0x91 and codes not in the table) is taken as the card's
# side: the resident places the card again. The split follows the meaning of each code in
# GA 467; readers that use a code differently need only this set changed.
SAM_FAULT_CODES = frozenset({0x10, 0x11, 0x21, 0x23, 0x24, 0x60, 0x66})

TEXT_LENGTH = 256
PHOTO_LENGTH = 1024
# Fixed text fields in UCS-2 characters, in card order.
TEXT_FIELDS = (
    ("name", 15),
    ("sex", 1),
    ("nation", 2),
    ("birth_date", 8),
    ("address", 35),
    ("id_number", 18),
    ("issuing_authority", 15),
    ("valid_from", 8),
    ("valid_to", 8),
)
_NATIONS = {f"{n:02d}" for n in range(1, 57)} | {"97", "98"}


class FrameError(CardReadError):
    """A frame that cannot be trusted: bad checksum, impossible length, truncated data."""


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes


def xor(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def _frame(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor(length + body)])


def encode_command(command: tuple[int, int], data: bytes = b"") -> bytes:
    return _frame(bytes(command) + data)


def encode_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    return _frame(bytes([sw1, sw2, sw3]) + data)


class FrameDecoder:
    """Collects bytes from the line and cuts frames out of them.

    Garbage before a preamble is dropped; an impossible length or a bad checksum drops the
    bad preamble and scans on from the next byte, so a torn frame cannot hide the next one.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.discarded = 0
        self.received = 0

    def feed(self, chunk: bytes) -> None:
        self._buffer += chunk
        self.received += len(chunk)

    def next_frame(self) -> Response | None:
        """The next complete frame, None if more bytes are needed; FrameError if one was bad."""
        while True:
            start = self._buffer.find(PREAMBLE)
            if start < 0:
                self._drop(max(0, len(self._buffer) - (len(PREAMBLE) - 1)))
                return None
            self._drop(start)
            if len(self._buffer) < _HEADER:
                return None
            length = int.from_bytes(self._buffer[len(PREAMBLE) : _HEADER], "big")
            if not 4 <= length <= MAX_LENGTH:
                self._drop(1)  # not a real frame start: resync from the next byte
                continue
            if len(self._buffer) < _HEADER + length:
                return None
            frame = bytes(self._buffer[: _HEADER + length])
            body, check = frame[_HEADER:-1], frame[-1]
            if xor(frame[len(PREAMBLE) : -1]) != check:
                self._drop(1)
                raise FrameError("GA 467 frame with a bad checksum")
            self._drop(len(frame))
            return Response(body[0], body[1], body[2], body[3:])

    def _drop(self, count: int) -> None:
        if count:
            del self._buffer[:count]
            self.discarded += count


def status_error(sw3: int, doing: str) -> SamError | SamFault:
    """The typed error for a SAM status byte that is not success: the SAM's or the card's."""
    text = SAM_STATUS_TEXT.get(sw3, "unknown SAM status")
    if sw3 in SAM_FAULT_CODES:
        return SamFault(f"{doing}: {text}", sw3)
    return SamError(f"{doing}: {text}", sw3)


def check_status(response: Response, doing: str, ok: int = SW3_OK) -> Response:
    if response.sw3 != ok:
        raise status_error(response.sw3, doing)
    return response


def split_read_data(data: bytes) -> tuple[bytes, bytes]:
    """The text and photo out of a read answer: text length, photo length, text, photo."""
    if len(data) < 4:
        raise FrameError("read answer is too short for its length fields")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if len(data) < 4 + text_len + photo_len:
        raise FrameError("read answer is shorter than its length fields say")
    text = data[4 : 4 + text_len]
    photo = data[4 + text_len : 4 + text_len + photo_len]
    return text, photo


def parse_text(text: bytes) -> dict[str, str]:
    """The fixed UCS-2LE fields of the 256-byte text, stripped of padding."""
    needed = 2 * sum(width for _, width in TEXT_FIELDS)
    if len(text) < needed or len(text) % 2:
        raise InvalidCardData(f"ID card text is {len(text)} bytes, expected {TEXT_LENGTH}")
    try:
        decoded = text.decode("utf-16-le")
    except UnicodeDecodeError:
        raise InvalidCardData("ID card text is not valid UCS-2") from None
    fields: dict[str, str] = {}
    pos = 0
    for name, width in TEXT_FIELDS:
        value = decoded[pos : pos + width].strip(" \x00")
        if not value.isprintable():
            raise InvalidCardData(f"ID card {name} holds control characters")
        fields[name] = value
        pos += width
    return fields


def _date(value: str, what: str) -> dt.date:
    if len(value) != 8 or not value.isdigit():
        raise InvalidCardData(f"ID card {what} is not YYYYMMDD")
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise InvalidCardData(f"ID card {what} is not a calendar date") from None


def identity_from_text(text: bytes, photo: bytes = b"") -> Identity:
    fields = parse_text(text)
    if fields["sex"] not in ("0", "1", "2", "9"):
        raise InvalidCardData("ID card sex code is not one of 0, 1, 2, 9")
    if fields["nation"] not in _NATIONS:
        raise InvalidCardData("ID card nation code is not a known code")
    valid_to: dt.date | str = (
        LONG_TERM if fields["valid_to"] == LONG_TERM else _date(fields["valid_to"], "valid-to")
    )
    identity = Identity(
        card_kind=CardKind.ID_CARD,
        name=fields["name"],
        id_number=fields["id_number"],
        sex=fields["sex"],
        nation=fields["nation"],
        birth_date=_date(fields["birth_date"], "birth date"),
        address=fields["address"],
        issuing_authority=fields["issuing_authority"],
        valid_from=_date(fields["valid_from"], "valid-from"),
        valid_to=valid_to,
        photo_bytes=photo or None,
        photo_format="wlt" if photo else None,
    )
    try:
        return identity.validated()
    except InvalidIdentity as exc:
        raise InvalidCardData(f"ID card data is invalid: {exc}") from None


def identity_from_read(data: bytes) -> Identity:
    """Parse the data of a successful read-text-and-photo answer."""
    text, photo = split_read_data(data)
    return identity_from_text(text, photo)
