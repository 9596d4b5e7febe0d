"""Routes a terminal calls for answers: its cases' decisions, a resident's standing, and the
roster of its service point. All signed requests (`contract.wire`); every answer is a
document signed by the platform's key (`platform_signing_key` at registration).
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from central.api_terminals import limit as spend_limit
from central.db import PlatformDB
from central.decision_store import decisions_for
from central.http import body_doc, parse_body
from central.limits import LOOKUP_BODY_BYTES
from central.models import LIMITED, PROBLEMS, DecisionsOut, RosterOut, SignedItem, StandingQuery
from central.rosters import signed_roster
from central.security import Signed
from central.standing import signed_standing

Cursor = Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")]


def decision_routes(app: FastAPI, db: PlatformDB) -> None:
    @app.get(
        "/api/v1/decisions",
        response_model=DecisionsOut,
        responses=PROBLEMS,
        tags=["terminals"],
    )
    async def decisions(
        signed: Signed,
        after: Cursor = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> DecisionsOut:
        """The platform's decisions on the signing terminal's cases, oldest first.

        Each item is a `kiosk-decision/1` document signed by the platform; follow `next` (a
        cursor, as on the pull feed) to get each decision once. Only this terminal's cases.
        """
        items, last = await anyio.to_thread.run_sync(
            decisions_for, db, signed.terminal.terminal_id, int(after or 0), limit
        )
        return DecisionsOut(
            items=[SignedItem(**item) for item in items],
            next=None if last is None else str(last),
        )

    @app.post(
        "/api/v1/residents/standing",
        responses={**LIMITED, 200: {"content": {"application/json": {}}}},
        tags=["terminals"],
        max_body_size=LOOKUP_BODY_BYTES,
        openapi_extra=body_doc(StandingQuery),
    )
    async def standing(request: Request, signed: Signed) -> JSONResponse:
        """A resident's standing in the current period (查询认证结果), signed.

        The ID number travels in the signed body, never a URL. The answer is a
        `kiosk-standing/1` document whose `nonce` is this request's `X-Kiosk-Nonce`
        (`contract.decisions.read_standing` checks it): verified (until when, by which
        channel), pending, not_verified (why) or none. Limited per terminal (429).
        """
        await spend_limit(request, "standing-lookup", signed.terminal.terminal_id)
        body = await parse_body(request, StandingQuery, signed.body)
        document = await anyio.to_thread.run_sync(
            signed_standing, db, body.id_number, signed.nonce, signed.terminal.terminal_id
        )
        return JSONResponse(document, headers={"Cache-Control": "no-store"})

    @app.get(
        "/api/v1/roster",
        response_model=RosterOut,
        responses={**PROBLEMS, 304: {"description": "`have` is the current roster"}},
        tags=["terminals"],
    )
    async def roster(
        signed: Signed,
        have: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None,
    ) -> Any:
        """The templates of the residents of this terminal's service point, signed for it.

        `have`: the etag of the roster the terminal holds; 304 (no body) while it is current.
        """
        etag, document = await anyio.to_thread.run_sync(
            signed_roster, db, signed.terminal.terminal_id, have
        )
        if document is None:
            return Response(status_code=304, headers={"ETag": f'"{etag}"'})
        return JSONResponse(
            {"etag": etag, "document": document},
            headers={"ETag": f'"{etag}"', "Cache-Control": "no-store"},
        )
