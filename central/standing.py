"""A resident's standing: what 查询认证结果 at a terminal is told, signed, bound to the
question (the nonce of the terminal's signed lookup).

Whichever channel decided it: a check at any kiosk (verified on the terminal, or decided
here automatically or by a reviewer) or a check another channel made (`residents import`:
window, home visit, ...). In order:

1. **verified**: the latest verification still counts today (its validity ends on the last
   day of the first birthday month after it, the terminal's rule);
2. **pending**: a check made since awaits the platform's decision;
3. **not_verified**: the latest check since was refused, with its reason;
4. **none**: no check the platform knows of since the last one ran out (or ever).

Test cases (`kiosk queue fill-demo`) are never a resident's answer.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from central.residents import birth_date, window_end
from central.tables import case_checks, cases, decisions, verifications
from contract.certificates import CHINA_TZ
from contract.decisions import (
    Decision,
    Reason,
    ResidentStanding,
    Standing,
    read_decision,
    sign_standing,
)

if TYPE_CHECKING:
    from central.db import PlatformDB

LOOKBACK_DAYS = 400  # checks older than a validity window and a bit do not decide anything


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: str  # verified | pending | not_verified
    channel: str
    reason: Reason | None
    terminal_id: str | None = None
    document: dict[str, Any] | None = None


def _terminal_refusal(reason: str) -> Reason:
    """What a terminal's own not-verified outcome tells the resident."""
    if any(word in reason for word in ("attack", "pad", "spoof")):
        return Reason.PRESENTATION_ATTACK
    if "match" in reason:
        return Reason.FACE_MISMATCH
    return Reason.FACE_UNUSABLE


def _events(db: PlatformDB, id_number: str, since: dt.datetime) -> list[Event]:
    events = [
        Event(dt.datetime.fromisoformat(at), "verified", channel, None)
        for at, channel in db.rows(
            sa.select(verifications.c.verified_at, verifications.c.channel).where(
                verifications.c.id_number == id_number
            )
        )
    ]
    checks = (
        sa.select(
            case_checks.c.terminal_id,
            case_checks.c.created_at,
            case_checks.c.outcome,
            case_checks.c.state,
            cases.c.envelope,
            decisions.c.verdict,
            decisions.c.reason,
            decisions.c.decided_at,
            decisions.c.document,
        )
        .select_from(case_checks)
        .join(
            cases,
            sa.and_(
                cases.c.terminal_id == case_checks.c.terminal_id,
                cases.c.case_id == case_checks.c.case_id,
            ),
        )
        .outerjoin(
            decisions,
            sa.and_(
                decisions.c.terminal_id == case_checks.c.terminal_id,
                decisions.c.case_id == case_checks.c.case_id,
            ),
        )
        .where(
            case_checks.c.id_number == id_number,
            case_checks.c.test == 0,
            case_checks.c.created_at >= since.isoformat(),
        )
    )
    for row in db.rows(checks):
        events.append(_case_event(*row))
    return [e for e in events if e.at >= since]


def _case_event(
    terminal_id: str,
    created_at: str,
    outcome: str,
    state: str,
    envelope: str,
    verdict: str | None,
    reason: str | None,
    decided_at: str | None,
    document: str | None,
) -> Event:
    created = dt.datetime.fromisoformat(created_at)
    if verdict is not None and decided_at is not None and document is not None:
        kind = "verified" if verdict == "verified" else "not_verified"
        return Event(
            dt.datetime.fromisoformat(decided_at),
            kind,
            "kiosk",
            Reason(str(reason)),
            terminal_id,
            json.loads(document),
        )
    if outcome == "verified":
        return Event(created, "verified", "kiosk", Reason.FACE_MATCH, terminal_id)
    if outcome == "not_verified":
        said = str(json.loads(envelope)["payload"].get("reason") or "")
        return Event(created, "not_verified", "kiosk", _terminal_refusal(said), terminal_id)
    return Event(created, "pending", "kiosk", None, terminal_id)


def resident_standing(
    db: PlatformDB,
    id_number: str,
    nonce: str,
    asking_terminal: str,
    now: dt.datetime | None = None,
) -> ResidentStanding:
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(CHINA_TZ).date()
    events = sorted(
        _events(db, id_number, now - dt.timedelta(days=LOOKBACK_DAYS)), key=lambda e: e.at
    )
    period = str(today.year)
    verified = [e for e in events if e.kind == "verified"]
    latest = verified[-1] if verified else None
    if latest is not None:
        valid_until = window_end(birth_date(id_number), latest.at.astimezone(CHINA_TZ).date())
        if valid_until >= today:
            return ResidentStanding(
                nonce=nonce,
                standing=Standing.VERIFIED,
                period=period,
                valid_until=valid_until.isoformat(),
                verified_at=latest.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                channel=latest.channel,
                reason=latest.reason,
                decision=_asked(db, latest, asking_terminal),
            )
    since = [e for e in events if latest is None or e.at > latest.at]
    pending = [e for e in since if e.kind == "pending"]
    if pending:
        return ResidentStanding(nonce=nonce, standing=Standing.PENDING, period=period)
    refused = [e for e in since if e.kind == "not_verified"]
    if refused:
        last = refused[-1]
        return ResidentStanding(
            nonce=nonce,
            standing=Standing.NOT_VERIFIED,
            period=period,
            channel=last.channel,
            reason=last.reason,
            decision=_asked(db, last, asking_terminal),
        )
    return ResidentStanding(nonce=nonce, standing=Standing.NONE, period=period)


def _asked(db: PlatformDB, event: Event, asking_terminal: str) -> Decision | None:
    """The platform's decision behind the answer, when it was on the asking terminal's case
    (it prints the certificate with the decision's time)."""
    if event.document is None or event.terminal_id != asking_terminal:
        return None
    return read_decision(event.document, db.receipt_key.public_key())


def signed_standing(
    db: PlatformDB, id_number: str, nonce: str, asking_terminal: str
) -> dict[str, Any]:
    standing = resident_standing(db, id_number, nonce, asking_terminal)
    return sign_standing(db.receipt_key, standing)
