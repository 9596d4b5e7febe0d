"""The case record a finished check leaves (see docs/case-schema.md), from the flow's command.

Personal fields are encrypted at rest by the case store and leave the terminal only signed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from config.settings import Settings
from kiosk.flow import commands as cmd


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


def _resident_fields(resident: Any) -> dict[str, Any] | None:
    if resident is None:
        return None
    born = getattr(resident, "birth_date", None)
    return {
        "card_kind": str(getattr(resident, "card_kind", "")),
        "name": resident.name,
        "id_number": resident.id_number,
        "sex": getattr(resident, "sex", ""),
        "birth_date": born.isoformat() if isinstance(born, dt.date) else None,
    }
