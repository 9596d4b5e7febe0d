"""Routes for the platform's operators and the systems behind it, each behind a token scope:
`feed` (pull feed, case detail, attachments), `faces` (reference faces), `admin` (terminals,
bundle import, the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response

from central.cases import ATTACHMENT_NAME, MAX_CASE_BYTES
from central.db import PlatformDB
from central.errors import BundleRefused
from central.http import body_doc, parse_body
from central.limits import BUNDLE_BODY_BYTES, REFERENCE_FACE_BYTES
from central.models import (
    CASE_ID_PATTERN,
    ID_NUMBER_PATTERN,
    PROBLEMS,
    BundleIn,
    CaseResult,
    Feed,
    FeedItem,
    ImportOut,
    TerminalOut,
)
from central.security import require_scope

TerminalQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="the terminal that sent the case (needed only when two terminals sent a "
        "case under the same id: then the answer without it is 409)",
    ),
]
AMBIGUOUS: dict[int | str, dict[str, Any]] = {
    409: {"description": "several terminals sent a case with this id: add terminal_id"}
}


def _one_case(db: PlatformDB, case_id: str, terminal_id: str | None) -> dict[str, Any]:
    found = db.cases_with_id(case_id, terminal_id)
    if not found:
        raise HTTPException(404, "no such case")
    if len(found) > 1:
        raise HTTPException(409, "several terminals sent a case with this id: add ?terminal_id=")
    return found[0]


def operator_routes(app: FastAPI, db: PlatformDB) -> None:
    @app.get(
        "/api/v1/cases",
        response_model=Feed,
        responses=PROBLEMS,
        dependencies=[require_scope("feed")],
        tags=["feed"],
    )
    def feed(
        after: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        test: Annotated[
            bool | None, Query(description="true: only test cases; false: no test cases")
        ] = None,
    ) -> Any:
        """Cases in the order they were committed; the cursor stays valid as cases arrive."""
        items, last = db.feed(int(after or 0), limit, test)
        # Encoded as built (`central.feed.feed_item`: the fields of FeedItem, in its order),
        # not validated again field by field: that took ten times the encoding's CPU, taken
        # from ingest while consumers page through the feed. The API test checks the answers
        # against the published schema.
        return JSONResponse({"items": items, "next": None if last is None else str(last)})

    @app.get(
        "/api/v1/cases/{case_id}",
        response_model=FeedItem,
        responses={**PROBLEMS, **AMBIGUOUS},
        dependencies=[require_scope("feed")],
        tags=["feed"],
    )
    def case_detail(
        case_id: Annotated[str, PathParam(pattern=CASE_ID_PATTERN)],
        terminal_id: TerminalQuery = None,
    ) -> FeedItem:
        return FeedItem(**_one_case(db, case_id, terminal_id))

    @app.get(
        "/api/v1/cases/{case_id}/attachments/{name}",
        responses={**PROBLEMS, **AMBIGUOUS, 200: {"content": {"application/octet-stream": {}}}},
        response_class=Response,
        dependencies=[require_scope("feed")],
        tags=["feed"],
    )
    def case_attachment(
        case_id: Annotated[str, PathParam(pattern=CASE_ID_PATTERN)],
        name: Annotated[str, PathParam(pattern=ATTACHMENT_NAME)],
        terminal_id: TerminalQuery = None,
    ) -> Response:
        case = _one_case(db, case_id, terminal_id)
        data = db.attachment(case["terminal_id"], case_id, name)
        if data is None:
            raise HTTPException(404, "no such attachment")
        media = "image/jpeg" if name.endswith((".jpg", ".jpeg")) else "application/octet-stream"
        return Response(data, media_type=media)

    @app.post(
        "/api/v1/bundles",
        response_model=ImportOut,
        responses=PROBLEMS,
        dependencies=[require_scope("admin")],
        tags=["admin"],
        max_body_size=BUNDLE_BODY_BYTES,
        openapi_extra=body_doc(BundleIn),
    )
    async def import_bundle(request: Request) -> ImportOut:
        """Import a bundle exported to a USB stick by a terminal without a link.

        403 when it is not signed by a registered terminal or not sealed to this platform;
        413 when it is larger than its case count allows.
        """
        body = await parse_body(request, BundleIn)
        if len(body.sealed.ciphertext) > (body.count + 1) * MAX_CASE_BYTES * 4 // 3:
            raise HTTPException(413, "the bundle is larger than its case count allows")
        try:
            terminal, outcomes, receipt = await anyio.to_thread.run_sync(
                db.import_bundle, body.model_dump()
            )
        except BundleRefused as exc:
            raise HTTPException(403, str(exc)) from None
        return ImportOut(
            terminal_id=terminal.terminal_id,
            results=[CaseResult(**o.as_dict()) for o in outcomes],
            receipt=receipt,
        )

    @app.get(
        "/api/v1/terminals",
        response_model=list[TerminalOut],
        responses=PROBLEMS,
        dependencies=[require_scope("admin")],
        tags=["admin"],
    )
    def terminals() -> list[dict[str, Any]]:
        """Every terminal, its service point and its keys (certificate tokens carry the key id)."""
        return db.terminals()

    @app.put(
        "/api/v1/admin/reference-faces/{id_number}",
        status_code=204,
        responses=PROBLEMS,
        response_class=Response,
        dependencies=[require_scope("faces")],
        tags=["admin"],
        max_body_size=REFERENCE_FACE_BYTES,
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
        if not jpeg.startswith(b"\xff\xd8"):
            raise HTTPException(400, f"send a JPEG of at most {REFERENCE_FACE_BYTES} bytes")
        await anyio.to_thread.run_sync(db.put_reference_face, id_number, jpeg)
        return Response(status_code=204)

    @app.get(
        "/openapi.json",
        include_in_schema=False,
        dependencies=[require_scope(None)],
    )
    def openapi_document() -> JSONResponse:
        """The API description, for any operator token (also in docs/openapi.json)."""
        return JSONResponse(app.openapi())
