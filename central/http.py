"""What every answer shares: bodies bounded and parsed off the event loop, error answers that
never repeat the input, and the security headers.

Routes read their JSON body through `parse_body` (pydantic's JSON parser in a worker thread)
instead of FastAPI's body parameters, which would read and parse the whole body on the event
loop before any credential is checked. `body_doc(Model)` keeps the OpenAPI document exact.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, TypeVar

import anyio
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central.cases import problem_text

M = TypeVar("M", bound=BaseModel)

_DOCUMENTED: list[type[BaseModel]] = []


def body_doc(model: type[BaseModel], media: str = "application/json") -> dict[str, Any]:
    """`openapi_extra` for a route that reads a `model` body itself."""
    _DOCUMENTED.append(model)
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {media: {"schema": schema}}}}


async def parse_body(request: Request, model: type[M], body: bytes | None = None) -> M:
    """The request's JSON body as `model`, parsed in a worker thread; 422 names the fields
    that are wrong, never their values. The route's size limit applies while reading."""
    raw = await request.body() if body is None else body
    try:
        return await anyio.to_thread.run_sync(model.model_validate_json, raw)
    except ValidationError as exc:
        raise HTTPException(422, f"invalid request: {problem_text(exc)}") from None


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 for a bad path or query parameter: which one and why, never the value sent."""
    parts = []
    for error in exc.errors()[:3] if isinstance(exc, RequestValidationError) else []:
        where = ".".join(str(p) for p in error.get("loc", ()) if isinstance(p, (int, str)))
        parts.append(f"{where[:60]}: {error.get('msg', 'invalid')}")
    return JSONResponse({"detail": "invalid request: " + "; ".join(parts)}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)


def custom_openapi(app: FastAPI) -> None:
    """The generated document plus the models of the bodies that routes parse themselves."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in _DOCUMENTED:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        document["components"]["schemas"] = dict(sorted(schemas.items()))
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


class SecurityHeaders:
    """Adds the security headers to every answer (an answer that sets its own CSP keeps it).

    `csp` applies to HTML and JSON alike: no scripts, no frames, no forms, nothing embedded.
    """

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


class TooLargeAsProblem:
    """Starlette's body limit answers 413 in plain text; the API documents every error as a
    JSON problem, so that answer is rewritten (the body was never read or parsed)."""

    BODY = b'{"detail":"the request body is larger than this route accepts"}'

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rewriting = False

        async def rewrite(message: Message) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start" and message["status"] == 413:
                types = [v for n, v in message.get("headers", []) if n.lower() == b"content-type"]
                rewriting = bool(types) and types[0].startswith(b"text/plain")
                if rewriting:
                    message["headers"] = [
                        *(
                            h
                            for h in message.get("headers", [])
                            if h[0].lower() not in (b"content-type", b"content-length")
                        ),
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(self.BODY)).encode()),
                    ]
            elif message["type"] == "http.response.body" and rewriting:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": self.BODY}
            await send(message)

        await self.app(scope, receive, rewrite)
