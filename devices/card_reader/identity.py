"""The card holder's identity as read from a card, and the checks every backend applies."""

from __future__ import annotations

import dataclasses
import datetime as dt
from base64 import b64encode
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from contract.masking import mask_id_number, mask_name

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
LONG_TERM = "长期"


class CardKind(StrEnum):
    ID_CARD = "id_card"
    SOCIAL_SECURITY = "social_security"


class InvalidIdentity(ValueError):
    """The card's data does not hold together (checksum, dates, missing fields)."""


def id_number_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate_id_number(id_number: str) -> dt.date:
    """Check format, birth date and checksum; return the birth date it encodes."""
    first17 = id_number[:17]
    if len(id_number) != 18 or not (first17.isascii() and first17.isdigit()):  # not "¹", "١"
        raise InvalidIdentity("ID number must be 17 digits and a check character")
    if id_number[17] not in "0123456789X":
        raise InvalidIdentity("ID number check character must be a digit or X")
    if id_number_check_char(id_number[:17]) != id_number[17]:
        raise InvalidIdentity("ID number checksum does not match")
    try:
        return dt.datetime.strptime(id_number[6:14], "%Y%m%d").date()
    except ValueError:
        raise InvalidIdentity("ID number holds no valid birth date") from None


@dataclass(frozen=True)
class Identity:
    card_kind: CardKind
    name: str
    id_number: str
    sex: str = "0"  # GB/T 2261.1: 1 male, 2 female, 0 unknown, 9 unstated
    nation: str = ""
    birth_date: dt.date | None = None
    address: str = ""
    issuing_authority: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | str | None = None  # a date, or LONG_TERM
    ssc_number: str = ""
    ssc_expiry: dt.date | None = None
    photo_bytes: bytes | None = dataclasses.field(default=None, repr=False)
    photo_format: str | None = None  # "wlt", "jpeg", "png", "bmp"

    def __repr__(self) -> str:  # never leak personal data into logs or tracebacks
        return f"Identity({self.card_kind}, {self.masked_name}, {self.masked_id_number})"

    __str__ = __repr__

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def validated(self, today: dt.date | None = None) -> Identity:
        """Return self when consistent; raise InvalidIdentity otherwise.

        An expired card is NOT invalid: it still says who the holder is, and the pension
        check needs exactly that (`expired_on` tells, for whoever must decide on it).
        """
        if not self.name.strip():
            raise InvalidIdentity("card holds no name")
        born = validate_id_number(self.id_number)
        if self.birth_date is not None and self.birth_date != born:
            raise InvalidIdentity("birth date differs from the one in the ID number")
        if born > (today or dt.date.today()):
            raise InvalidIdentity("birth date is in the future")  # the date itself is personal
        if self.valid_from is not None and self.valid_from < born:
            raise InvalidIdentity("card validity starts before the holder's birth date")
        if (
            isinstance(self.valid_to, dt.date)
            and self.valid_from is not None
            and self.valid_to < self.valid_from
        ):
            raise InvalidIdentity("card validity ends before it starts")
        if self.birth_date is None:
            return dataclasses.replace(self, birth_date=born)
        return self

    def expired_on(self, day: dt.date) -> bool:
        """Whether the card's validity ended before `day` (long-term and undated cards never)."""
        return isinstance(self.valid_to, dt.date) and self.valid_to < day

    def to_json(self, *, reveal: bool = False) -> dict[str, Any]:
        """The fields as `kiosk read-card --json` prints them; masked unless reveal.

        `photo_bytes` is the photo's size; `photo_base64` carries it only with reveal.
        """

        show_photo = reveal and self.photo_bytes is not None

        def day(value: dt.date | str | None) -> str | None:
            return value.isoformat() if isinstance(value, dt.date) else value

        return {
            "card_kind": str(self.card_kind),
            "name": self.name if reveal else self.masked_name,
            "id_number": self.id_number if reveal else self.masked_id_number,
            "sex": self.sex,
            "nation": self.nation,
            "birth_date": day(self.birth_date),
            "address": self.address if reveal else ("***" if self.address else ""),
            "issuing_authority": self.issuing_authority,
            "valid_from": day(self.valid_from),
            "valid_to": day(self.valid_to),
            "ssc_number": self.ssc_number,
            "ssc_expiry": day(self.ssc_expiry),
            "photo_format": self.photo_format,
            "photo_bytes": len(self.photo_bytes) if self.photo_bytes else 0,
            **({"photo_base64": b64encode(self.photo_bytes or b"").decode()} if show_photo else {}),
        }
