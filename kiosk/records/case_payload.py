"""The case record a finished check leaves (see docs/case-schema.md), from the flow's command.

Personal fields are encrypted at rest by the case store and leave the terminal only signed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from config.settings import Settings
from kiosk.flow import commands as cmd
from kiosk.flow.model import Resident
from kiosk.records.holder import card_holder


def case_payload(command: cmd.RecordCase, settings: Settings) -> dict[str, Any]:
    """The case record (see docs/case-schema.md). Personal fields are encrypted at rest."""
    resident = command.resident
    details = dict(command.details)
    return {
        "service": str(command.service),
        "outcome": str(command.outcome),
        "reason": command.reason,
        "terminal_id": settings.terminal.id,
        "service_point": settings.terminal.service_point,
        "assisted_by": command.assisted_by or None,
        "resident": _resident_fields(resident),
        "match": {k: details[k] for k in ("distance", "threshold", "reference") if k in details},
        "liveness": details.get("liveness"),
        "valid_until": details.get("valid_until"),
    }


def _resident_fields(resident: Resident | None) -> dict[str, Any] | None:
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
    }
