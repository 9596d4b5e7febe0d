"""The reference central platform's HTTP API (FastAPI).

Terminal endpoints are signed per request (`contract.wire`: key id, time, nonce, body
digest; a nonce is accepted once). Operator endpoints (pull feed, case detail, bundle import,
reference-face upload) take `Authorization: Bearer <operator token>` when the platform was
started with one; without a token they are open, which is only meant for loopback demos.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from central.db import PlatformDB, Terminal
from central.errors import BundleRefused, CentralError, RegistrationRefused, ReplayedRequest
from central.verify_page import render_verify_page, verify_certificate
from contract import wire

log = logging.getLogger(__name__)

MAX_BATCH = 500
MAX_BODY_BYTES = 64 * 2**20  # a full batch of 500 cases with 20 KB faces is ~15 MB
MAX_BUNDLE_BYTES = 2**30  # a bundle carries everything a terminal holds
ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9X]$"
CASE_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


class Problem(BaseModel):
    detail: str


class Health(BaseModel):
    status: str = "ok"


class RegisterIn(BaseModel):
    terminal_id: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=4, max_length=64)
    public_key: str = Field(description="raw Ed25519 public key, base64", max_length=64)


class RegisterOut(BaseModel):
    terminal_id: str
    key_id: str
    platform_public_key: str = Field(description="X25519 key that export bundles are sealed to")
    platform_signing_key: str = Field(description="Ed25519 key that signs import receipts")


class PreviousKey(BaseModel):
    key_id: str
    public_key: str
    registered_at: str
    retired_at: str


class TerminalOut(BaseModel):
    terminal_id: str
    key_id: str | None = Field(description="the current key: requests and cases must use it")
    public_key: str | None
    registered_at: str | None
    status: str
    previous_keys: list[PreviousKey] = Field(
        description="keys replaced by a later registration, newest first: certificates they "
        "signed before `retired_at` still verify"
    )


class BatchIn(BaseModel):
    cases: list[dict[str, Any]] = Field(
        max_length=MAX_BATCH,
        description="signed case envelopes (see docs/case-schema.md); each is checked on its own",
    )


class CaseResult(BaseModel):
    case_id: str
    status: str = Field(description="accepted | duplicate | rejected")
    reason: str | None = None


class BatchOut(BaseModel):
    results: list[CaseResult]


class FeedItem(BaseModel):
    case_id: str
    cursor: str
    terminal_id: str
    kind: str
    created_at: str
    received_at: str
    test: bool
    schema_version: int
    key_id: str
    payload: dict[str, Any]
    attachments: dict[str, Any]
    signature: str
    source: str


class Feed(BaseModel):
    items: list[FeedItem]
    next: str | None = Field(
        description="cursor after the last item; null when nothing new (ask again later with "
        "the last cursor you had)"
    )


class SealedIn(BaseModel):
    epk: str = Field(max_length=100)
    ciphertext: str


class BundleIn(BaseModel):
    format: Literal["kiosk-bundle/1"]
    key_id: str = Field(max_length=64)
    terminal_id: str = Field(max_length=64)
    created_at: str = Field(max_length=64)
    count: int = Field(ge=0)
    platform_key: str = Field(max_length=100)
    sealed: SealedIn
    signature: str = Field(max_length=200)


class ImportOut(BaseModel):
    terminal_id: str
    results: list[CaseResult]
    receipt: dict[str, Any] = Field(
        description="signed by the platform; `kiosk queue ack` on the terminal accepts it"
    )


class ReferenceFaceQuery(BaseModel):
    id_number: str = Field(pattern=ID_NUMBER_PATTERN, description="the resident's ID number")


class VerifyOut(BaseModel):
    valid: bool
    reason: str
    fields: dict[str, Any]


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
}


async def signed_terminal(request: Request) -> Terminal:
    """The registered terminal that signed this request; 401 otherwise (replays included)."""
    db: PlatformDB = request.app.state.db
    body = await request.body()
    key_id = request.headers.get(wire.HEADER_KEY, "")
    terminal = db.terminal_by_key(key_id) if key_id else None
    if terminal is None:
        raise HTTPException(401, "unknown or unsigned terminal")
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        nonce, _ = wire.verify_request(
            terminal.public_key, request.headers, request.method, path, body
        )
        db.use_nonce(key_id, nonce)
    except (wire.WireError, ReplayedRequest) as exc:
        log.warning("refused a request from %s: %s", terminal.terminal_id, exc)
        raise HTTPException(401, str(exc)) from None
    return terminal


def operator(request: Request) -> None:
    """Operator endpoints need the bearer token when the platform has one."""
    token: str | None = request.app.state.operator_token
    if token is None:
        return
    given = request.headers.get("Authorization", "")
    if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise HTTPException(401, "operator token required")


SignedTerminal = Annotated[Terminal, Depends(signed_terminal)]
Operator = Depends(operator)


def create_app(db: PlatformDB, *, operator_token: str | None = None) -> FastAPI:
    app = FastAPI(
        title="kiosk-central",
        version="1",
        description="Reference central platform for the village service-point kiosks.",
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.db = db

    app.state.operator_token = operator_token
    _terminal_routes(app, db)
    _feed_routes(app, db)
    _face_routes(app, db)
    _verify_routes(app, db)

    @app.exception_handler(CentralError)
    def central_error(request: Request, exc: CentralError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    return app


def _terminal_routes(app: FastAPI, db: PlatformDB) -> None:
    @app.get("/api/v1/health", response_model=Health, tags=["terminals"])
    def health() -> Health:
        """Cheap connectivity probe."""
        return Health()

    @app.post(
        "/api/v1/terminals/register",
        response_model=RegisterOut,
        responses=PROBLEMS,
        tags=["terminals"],
    )
    def register(body: RegisterIn) -> RegisterOut:
        try:
            terminal = db.register(body.terminal_id, body.code, body.public_key)
        except RegistrationRefused as exc:
            raise HTTPException(403, str(exc)) from None
        log.info("terminal %s registered key %s", terminal.terminal_id, terminal.key_id)
        return RegisterOut(
            terminal_id=terminal.terminal_id,
            key_id=terminal.key_id,
            platform_public_key=db.bundle_public_b64,
            platform_signing_key=db.receipt_public_b64,
        )

    @app.get("/api/v1/terminals", response_model=list[TerminalOut], tags=["terminals"])
    def terminals() -> list[dict[str, Any]]:
        """Every terminal and its public key (certificate tokens carry the key id)."""
        return db.terminals()

    @app.post("/api/v1/ingest", response_model=BatchOut, responses=PROBLEMS, tags=["terminals"])
    def ingest(body: BatchIn, terminal: SignedTerminal) -> BatchOut:
        """Store signed cases; idempotent per case id. One outcome per case, in order."""
        outcomes = db.ingest(terminal, body.cases, "sync")
        return BatchOut(results=[CaseResult(**o.as_dict()) for o in outcomes])


def _feed_routes(app: FastAPI, db: PlatformDB) -> None:
    @app.get(
        "/api/v1/cases",
        response_model=Feed,
        responses=PROBLEMS,
        dependencies=[Operator],
        tags=["feed"],
    )
    def feed(
        after: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        test: Annotated[
            bool | None, Query(description="true: only test cases; false: no test cases")
        ] = None,
    ) -> Feed:
        """Cases in the order they were committed; the cursor stays valid as cases arrive."""
        items, last = db.feed(int(after or 0), limit, test)
        return Feed(
            items=[FeedItem(**item) for item in items],
            next=None if last is None else str(last),
        )

    @app.get(
        "/api/v1/cases/{case_id}",
        response_model=FeedItem,
        responses=PROBLEMS,
        dependencies=[Operator],
        tags=["feed"],
    )
    def case_detail(case_id: Annotated[str, PathParam(pattern=CASE_ID_PATTERN)]) -> FeedItem:
        item = db.case(case_id)
        if item is None:
            raise HTTPException(404, "no such case")
        return FeedItem(**item)

    @app.get(
        "/api/v1/cases/{case_id}/attachments/{name}",
        responses={**PROBLEMS, 200: {"content": {"application/octet-stream": {}}}},
        response_class=Response,
        dependencies=[Operator],
        tags=["feed"],
    )
    def case_attachment(
        case_id: Annotated[str, PathParam(pattern=CASE_ID_PATTERN)],
        name: Annotated[str, PathParam(max_length=100)],
    ) -> Response:
        data = db.attachment(case_id, name)
        if data is None:
            raise HTTPException(404, "no such attachment")
        media = "image/jpeg" if name.endswith((".jpg", ".jpeg")) else "application/octet-stream"
        return Response(data, media_type=media)

    @app.post(
        "/api/v1/bundles",
        max_body_size=MAX_BUNDLE_BYTES,
        response_model=ImportOut,
        responses=PROBLEMS,
        dependencies=[Operator],
        tags=["feed"],
    )
    def import_bundle(body: BundleIn) -> ImportOut:
        """Import a bundle exported to a USB stick by a terminal without a link.

        403 when it is not signed by a registered terminal or not sealed to this platform.
        """
        try:
            terminal, outcomes, receipt = db.import_bundle(body.model_dump())
        except BundleRefused as exc:
            raise HTTPException(403, str(exc)) from None
        return ImportOut(
            terminal_id=terminal.terminal_id,
            results=[CaseResult(**o.as_dict()) for o in outcomes],
            receipt=receipt,
        )


def _face_routes(app: FastAPI, db: PlatformDB) -> None:
    @app.post(
        "/api/v1/reference-faces/lookup",
        responses={**PROBLEMS, 200: {"content": {"image/jpeg": {}}}},
        response_class=Response,
        tags=["terminals"],
    )
    def reference_face(body: ReferenceFaceQuery, terminal: SignedTerminal) -> Response:
        """The enrolled reference face for online matching (signed terminals only).

        A POST with the ID number in the signed body: URLs end up in logs, bodies do not.
        404 when nobody is enrolled under that number.
        """
        jpeg = db.reference_face(body.id_number)
        if jpeg is None:
            raise HTTPException(404, "no reference face for this person")
        return Response(jpeg, media_type="image/jpeg")

    @app.put(
        "/api/v1/admin/reference-faces/{id_number}",
        status_code=204,
        responses=PROBLEMS,
        response_class=Response,
        dependencies=[Operator],
        tags=["feed"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    )
    async def upload_reference_face(
        id_number: Annotated[str, PathParam(pattern=ID_NUMBER_PATTERN)], request: Request
    ) -> Response:
        jpeg = await request.body()
        if not jpeg.startswith(b"\xff\xd8") or len(jpeg) > 2_000_000:
            raise HTTPException(400, "send a JPEG of at most 2 MB")
        db.put_reference_face(id_number, jpeg)
        return Response(status_code=204)


def _verify_routes(app: FastAPI, db: PlatformDB) -> None:
    @app.get("/api/v1/verify/{token}", response_model=VerifyOut, tags=["verify"])
    def verify_json(token: Annotated[str, PathParam(max_length=4096)]) -> VerifyOut:
        return VerifyOut(**verify_certificate(token, db.public_keys(), db.key_retirements()))

    @app.get(
        "/verify/{token}",
        response_class=HTMLResponse,
        responses={200: {"content": {"text/html": {}, "application/json": {}}}},
        tags=["verify"],
    )
    def verify_page(
        request: Request,
        token: Annotated[str, PathParam(max_length=4096)],
        format: Annotated[str | None, Query(pattern="^(html|json)$")] = None,
    ) -> Response:
        """The page a phone shows after scanning a certificate's QR code (or JSON)."""
        result = verify_certificate(token, db.public_keys(), db.key_retirements())
        wants_json = format == "json" or (
            format is None and "application/json" in request.headers.get("accept", "")
        )
        if wants_json:
            return JSONResponse(result)
        return HTMLResponse(render_verify_page(result))
