"""The reference central platform's HTTP API (FastAPI).

Closed by default. Terminal routes are signed per request (`contract.wire`: key id, time,
nonce, body digest; a nonce is accepted once) and their headers are checked before the body is
read. Operator routes need `Authorization: Bearer TOKEN` with the route's scope
(`central.security`); without one they answer 401, whatever the configuration. The staff
review site (`/staff/...`, `central.staff_web`) needs a staff session. Only the health probe,
registration (a one-time code), the staff login form and the public /verify page are open.

Every body is bounded per route before it is read (`central.limits`, 413) and parsed in a
worker thread, so the event loop (and /api/v1/health) never waits for a large request.
"""

from __future__ import annotations

import logging
from typing import Annotated

import anyio
from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response

from central.api_decisions import decision_routes
from central.api_operator import operator_routes
from central.api_terminals import terminal_routes
from central.db import PlatformDB
from central.errors import CentralError
from central.http import (
    SecurityHeaders,
    TooLargeAsProblem,
    csp_hash,
    custom_openapi,
    install_error_handlers,
)
from central.limits import DEFAULT_BODY_BYTES
from central.models import Problem, VerifyOut
from central.ratelimit import RateLimiter, RateLimits
from central.security import bootstrap_hash
from central.staff_web import staff_routes
from central.verify_page import STYLE, public_answer, render_verify_page, verify_certificate
from contract.certificates import MAX_INPUT_CHARS

log = logging.getLogger(__name__)

CSP = (
    f"default-src 'none'; style-src {csp_hash(STYLE)}; img-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def create_app(
    db: PlatformDB,
    *,
    operator_token: str | None = None,
    limits: RateLimits | None = None,
) -> FastAPI:
    """The platform on `db`. `operator_token` is the bootstrap token (every scope)."""
    app = FastAPI(
        title="kiosk-central",
        version="1",
        description="Reference central platform for the village service-point kiosks. "
        "Operator routes need an operator token (`operatorToken`), terminal routes a "
        "terminal's signature (`terminalSignature`).",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below, behind a token
    )
    # Every route is limited on its own (its 413 then passes the middleware below, which
    # give it the security headers and a JSON body); a route that names no limit gets this.
    app.router.max_body_size = DEFAULT_BODY_BYTES
    app.state.db = db
    app.state.bootstrap_token_hash = bootstrap_hash(operator_token)
    app.state.limiter = RateLimiter(db, limits or RateLimits())
    terminal_routes(app, db)
    decision_routes(app, db)
    operator_routes(app, db)
    _verify_routes(app, db)
    staff_routes(app, db)
    install_error_handlers(app)
    custom_openapi(app)
    app.add_middleware(TooLargeAsProblem)
    app.add_middleware(SecurityHeaders, csp=CSP)

    @app.exception_handler(CentralError)
    def central_error(request: Request, exc: CentralError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    return app


Token = Annotated[str, PathParam(max_length=MAX_INPUT_CHARS)]


def _verify_routes(app: FastAPI, db: PlatformDB) -> None:
    @app.get(
        "/api/v1/verify/{token}",
        response_model=VerifyOut,
        responses={422: {"model": Problem}},
        tags=["verify"],
    )
    async def verify_json(token: Token) -> VerifyOut:
        result = await anyio.to_thread.run_sync(verify_certificate, token, db)
        return VerifyOut(**public_answer(result))

    @app.get(
        "/verify/{token}",
        response_class=HTMLResponse,
        responses={
            200: {"content": {"text/html": {}, "application/json": {}}},
            422: {
                "description": "a malformed query",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            },
        },
        tags=["verify"],
    )
    async def verify_page(
        request: Request,
        token: Token,
        format: Annotated[str | None, Query(pattern="^(html|json)$")] = None,
    ) -> Response:
        """The page a phone shows after scanning a certificate's QR code (or JSON)."""
        result = await anyio.to_thread.run_sync(verify_certificate, token, db)
        wants_json = format == "json" or (
            format is None and "application/json" in request.headers.get("accept", "")
        )
        if wants_json:
            return JSONResponse(public_answer(result))
        return HTMLResponse(render_verify_page(result))
