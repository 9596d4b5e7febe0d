"""Rosters: the templates of a service point's residents, for its terminals to match offline.

A roster holds a template for each resident assigned to the terminal's service point
(`residents import`) whose reference face has a usable template (the decide worker makes
templates when faces are uploaded). It is the document `kiosk.face.roster` reads
(`contract.face_templates.roster_document`: keys are PBKDF2 of the ID number with the
roster's salt), wrapped in a `kiosk-roster/1` document signed for one terminal.

Keying costs 20,000 PBKDF2 rounds per resident, so a service point's roster is built once
per change of its inputs (who is assigned, which faces) and kept in `rosters`; its `etag`
lets a terminal ask "anything new?" and be answered 304.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from central.decide import template_rows
from central.intake import now_iso
from central.residents import residents_of
from central.tables import rosters
from contract import wire
from contract.decisions import sign_roster
from contract.face_templates import roster_document

if TYPE_CHECKING:
    from central.db import PlatformDB


def service_point_roster(db: PlatformDB, service_point: str) -> tuple[str, str, dict[str, Any]]:
    """(etag, built_at, roster document) for `service_point`, built when its inputs changed."""
    templates = template_rows(db, residents_of(db, service_point)) if service_point else {}
    inputs = hashlib.sha256(
        "\n".join(f"{n}:{digest}" for n, (digest, _) in sorted(templates.items())).encode()
    ).hexdigest()
    kept = db.rows(
        sa.select(rosters.c.etag, rosters.c.built_at, rosters.c.document).where(
            rosters.c.service_point == service_point, rosters.c.inputs_sha256 == inputs
        )
    )
    if kept:
        etag, built_at, document = kept[0]
        return etag, built_at, json.loads(document)
    document = roster_document(
        {number: template for number, (_, template) in templates.items()}, os.urandom(16)
    )
    etag = wire.sha256_hex(wire.canonical(document))[:32]
    built_at = now_iso()
    with db.transaction() as tx:
        statement = tx.insert(rosters).values(
            service_point=service_point,
            inputs_sha256=inputs,
            document=json.dumps(document),
            etag=etag,
            built_at=built_at,
        )
        tx.execute(
            statement.on_conflict_do_update(
                index_elements=["service_point"],
                set_={
                    name: statement.excluded[name]
                    for name in ("inputs_sha256", "document", "etag", "built_at")
                },
            )
        )
    return etag, built_at, document


def signed_roster(
    db: PlatformDB, terminal_id: str, have: str | None
) -> tuple[str, dict[str, Any] | None]:
    """(etag, the roster signed for `terminal_id`), or (etag, None) when `have` is current."""
    etag, built_at, document = service_point_roster(db, db.service_point(terminal_id))
    if have is not None and have == etag:
        return etag, None
    return etag, sign_roster(
        db.receipt_key, terminal_id=terminal_id, issued_at=built_at, roster=document
    )
