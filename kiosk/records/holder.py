"""What the records side may read of a card holder: more than the flow's masked `Resident`.

The flow and the screens see a resident through `kiosk.flow.model.Resident` (masked name and
ID number only). Recording the case, issuing the certificate and finding the reference face
need the card's full data; the card's `devices.card_reader.identity.Identity` has it.
`card_holder()` narrows the flow's resident to it, checked at run time, where that data is used.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from kiosk.flow.model import Resident


@runtime_checkable
class CardHolder(Resident, Protocol):
    """The card's data about its holder (the card's `Identity` satisfies it)."""

    @property
    def card_kind(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def id_number(self) -> str: ...

    @property
    def sex(self) -> str: ...

    @property
    def birth_date(self) -> dt.date | None: ...

    @property
    def valid_to(self) -> dt.date | str | None:
        """The card's last valid day, "长期" (long-term), or None."""
        ...

    @property
    def photo_bytes(self) -> bytes | None: ...

    @property
    def photo_format(self) -> str | None: ...

    def validated(self) -> CardHolder:
        """The same holder with the birth date read from a checked ID number."""
        ...


class NotACardHolder(TypeError):
    """The flow handed the records side a resident that carries no card data (a bug)."""


def card_holder(resident: Resident | None) -> CardHolder:
    """The flow's resident as the card holder it is; NotACardHolder if it is something else."""
    if not isinstance(resident, CardHolder):
        raise NotACardHolder(f"{type(resident).__name__} carries no card holder's data")
    return resident
