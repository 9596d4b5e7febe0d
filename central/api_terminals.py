"""Routes the terminals call: health, registration, signed case batches, reference faces."""

from __future__ import annotations

import logging

import anyio
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response

from central.db import PlatformDB
from central.errors import RegistrationRefused
from central.http import body_doc, parse_body
from central.limits import INGEST_BODY_BYTES, LOOKUP_BODY_BYTES, REGISTER_BODY_BYTES
from central.models import (
    LIMITED,
    PROBLEMS,
    BatchIn,
    BatchOut,
    CaseResult,
    Health,
    ReferenceFaceQuery,
    RegisterIn,
    RegisterOut,
)
from central.ratelimit import RateLimiter
from central.security import Signed, client_address

log = logging.getLogger(__name__)


async def limit(request: Request, kind: str, key: str) -> None:
    """429 with Retry-After when `key` spent its attempts of `kind`."""
    limiter: RateLimiter = request.app.state.limiter
    wait_s = await anyio.to_thread.run_sync(limiter.spend, kind, key)
    if wait_s:
        log.warning("rate limit %s reached", kind)
        raise HTTPException(
            429, "too many attempts: try again later", headers={"Retry-After": f"{wait_s:.0f}"}
        )


def terminal_routes(app: FastAPI, db: PlatformDB) -> None:
    @app.get("/api/v1/health", response_model=Health, tags=["terminals"])
    async def health() -> Health:
        """Cheap connectivity probe (answered on the event loop, never waits for work)."""
        return Health()

    @app.post(
        "/api/v1/terminals/register",
        response_model=RegisterOut,
        responses=LIMITED,
        tags=["terminals"],
        max_body_size=REGISTER_BODY_BYTES,
        openapi_extra=body_doc(RegisterIn),
    )
    async def register(request: Request) -> RegisterOut:
        """Register a terminal's key with a one-time code (`kiosk-central terminals add`).

        Attempts are limited per client address and per terminal id (429, `Retry-After`).
        """
        await limit(request, "register-address", client_address(request))
        body = await parse_body(request, RegisterIn)
        await limit(request, "register-terminal", body.terminal_id)
        try:
            terminal = await anyio.to_thread.run_sync(
                db.register, body.terminal_id, body.code, body.public_key
            )
        except RegistrationRefused as exc:
            raise HTTPException(403, str(exc)) from None
        log.info("terminal %s registered key %s", terminal.terminal_id, terminal.key_id)
        return RegisterOut(
            terminal_id=terminal.terminal_id,
            key_id=terminal.key_id,
            platform_public_key=db.bundle_public_b64,
            platform_signing_key=db.receipt_public_b64,
        )

    @app.post(
        "/api/v1/ingest",
        response_model=BatchOut,
        responses=PROBLEMS,
        tags=["terminals"],
        max_body_size=INGEST_BODY_BYTES,
        openapi_extra=body_doc(BatchIn),
    )
    async def ingest(request: Request, signed: Signed) -> BatchOut:
        """Store signed cases; idempotent per case id. One outcome per case, in order."""
        body = await parse_body(request, BatchIn, signed.body)
        outcomes = await anyio.to_thread.run_sync(db.ingest, signed.terminal, body.cases, "sync")
        return BatchOut(results=[CaseResult(**o.as_dict()) for o in outcomes])

    @app.post(
        "/api/v1/reference-faces/lookup",
        responses={**LIMITED, 200: {"content": {"image/jpeg": {}}}},
        response_class=Response,
        tags=["terminals"],
        max_body_size=LOOKUP_BODY_BYTES,
        openapi_extra=body_doc(ReferenceFaceQuery),
    )
    async def reference_face(request: Request, signed: Signed) -> Response:
        """The enrolled reference face for online matching (signed terminals only).

        A POST with the ID number in the signed body: URLs end up in logs, bodies do not.
        404 when nobody is enrolled under that number. Limited per terminal (429).
        """
        await limit(request, "face-lookup", signed.terminal.terminal_id)
        body = await parse_body(request, ReferenceFaceQuery, signed.body)
        jpeg = await anyio.to_thread.run_sync(db.reference_face, body.id_number)
        if jpeg is None:
            raise HTTPException(404, "no reference face for this person")
        return Response(jpeg, media_type="image/jpeg")
