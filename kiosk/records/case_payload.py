"""The case record a finished check leaves (see docs/case-schema.md), from the flow's command.

Personal fields are encrypted at rest by the case store and leave the terminal only signed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from config.settings import Settings
from kiosk.flow import commands as cmd
from kiosk.flow.model import MatchEvidence, Resident
from kiosk.records.holder import card_holder


def case_payload(command: cmd.RecordCase, settings: Settings) -> dict[str, Any]:
    """The case record (see docs/case-schema.md). Personal fields are encrypted at rest."""
    resident = command.resident
    return {
        "service": str(command.service),
        "outcome": str(command.outcome),
        "reason": command.reason,
        "terminal_id": settings.terminal.id,
        "service_point": settings.terminal.service_point,
        "assisted_by": command.assisted_by or None,
        "resident": _resident_fields(resident, command.card_expired),
        "match": _match_fields(command.match),
        "liveness": command.liveness,
        "valid_until": command.valid_until or None,
    }


def _match_fields(match: MatchEvidence) -> dict[str, Any]:
    """The comparison's figures; what was not measured is left out (no reference: {})."""
    fields: dict[str, Any] = {"distance": match.distance, "threshold": match.threshold}
    if match.reference:
        fields["reference"] = match.reference
    return {key: value for key, value in fields.items() if value is not None}


def _resident_fields(resident: Resident | None, card_expired: bool) -> dict[str, Any] | None:
    if resident is None:
        return None
    holder = card_holder(resident)
    born = holder.birth_date
    return {
        "card_kind": str(holder.card_kind),
        "name": holder.name,
        "id_number": holder.id_number,
        "sex": holder.sex,
        "birth_date": born.isoformat() if isinstance(born, dt.date) else None,
        "card_valid_to": _card_valid_to(holder.valid_to),
        "card_expired": card_expired,
    }


def _card_valid_to(valid_to: dt.date | str | None) -> str | None:
    """The card's last valid day (ISO), "long_term" (长期), or None when the card has none."""
    if isinstance(valid_to, dt.date):
        return valid_to.isoformat()
    return "long_term" if valid_to else None
