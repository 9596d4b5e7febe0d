"""Who may call what: operator tokens with scopes, and terminals' signed requests.

Operator routes are closed by default: `Authorization: Bearer TOKEN` with a token made by
`kiosk-central tokens add NAME --scope SCOPE`, or the bootstrap token from the environment
(every scope). Without one the answer is 401; with a token lacking the scope, 403.

A signed request's headers (key known and active, time within the window, nonce) are checked
before its body is read; the body's signature and the nonce after, in a worker thread.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from central.db import PlatformDB, Terminal
from central.errors import ReplayedRequest
from central.tokens import SCOPES, token_scopes
from contract import wire

operator_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="operatorToken",
    description="An operator token (`kiosk-central tokens add NAME --scope SCOPE`): "
    + "; ".join(f"`{name}`: {what}" for name, what in SCOPES.items()),
)
terminal_signature = APIKeyHeader(
    name=wire.HEADER_SIGNATURE,
    auto_error=False,
    scheme_name="terminalSignature",
    description=(
        "A registered terminal's Ed25519 signature over METHOD, PATH?QUERY, "
        f"{wire.HEADER_TIME}, {wire.HEADER_NONCE} and the body's SHA-256, with "
        f"{wire.HEADER_KEY} naming its key (docs/case-schema.md)"
    ),
)
UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


def bootstrap_hash(token: str | None) -> bytes | None:
    return hashlib.sha256(token.encode()).digest() if token else None


def _granted(request: Request, token: str) -> set[str] | None:
    bootstrap: bytes | None = request.app.state.bootstrap_token_hash
    if bootstrap is not None and secrets.compare_digest(
        bootstrap, hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
    ):
        return set(SCOPES)
    db: PlatformDB = request.app.state.db
    return token_scopes(db, token)


def require_scope(scope: str | None) -> Any:
    """A dependency: the caller's operator token must carry `scope` (None: any scope)."""
    if scope is not None and scope not in SCOPES:
        raise ValueError(scope)

    def operator(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(operator_bearer)],
    ) -> None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(401, "operator token required", headers=UNAUTHORIZED)
        granted = _granted(request, credentials.credentials)
        if granted is None:
            raise HTTPException(401, "unknown or revoked operator token", headers=UNAUTHORIZED)
        if scope is not None and scope not in granted:
            raise HTTPException(403, f"this token lacks the {scope!r} scope")

    return Depends(operator)


@dataclass(frozen=True)
class SignedRequest:
    terminal: Terminal
    body: bytes
    nonce: str = ""  # the request's nonce (accepted once): answers may echo it


def _known_terminal(db: PlatformDB, headers: Any) -> Terminal:
    """Headers only: the key is a registered terminal's current one, the time and nonce fit."""
    key_id = headers.get(wire.HEADER_KEY, "")
    if not key_id or len(key_id) > 64:
        raise HTTPException(401, "unknown or unsigned terminal")
    try:
        wire.check_request_headers(headers)
    except wire.WireError as exc:
        raise HTTPException(401, str(exc)) from None
    terminal = db.terminal_by_key(key_id)
    if terminal is None:
        raise HTTPException(401, "unknown, replaced or revoked terminal key")
    return terminal


def _verify(db: PlatformDB, terminal: Terminal, request: Request, body: bytes) -> str:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        nonce, _ = wire.verify_request(
            terminal.public_key, request.headers, request.method, path, body
        )
        db.use_nonce(terminal.key_id, nonce)
    except (wire.WireError, ReplayedRequest) as exc:
        raise HTTPException(401, str(exc)) from None
    return nonce


async def signed_request(
    request: Request, _signature: Annotated[str | None, Security(terminal_signature)]
) -> SignedRequest:
    """The registered terminal that signed this request, and the body it signed."""
    db: PlatformDB = request.app.state.db
    terminal = await anyio.to_thread.run_sync(_known_terminal, db, request.headers)
    body = await request.body()  # bounded by the route's limit
    nonce = await anyio.to_thread.run_sync(_verify, db, terminal, request, body)
    return SignedRequest(terminal, body, nonce)


Signed = Annotated[SignedRequest, Depends(signed_request)]


def client_address(request: Request) -> str:
    """The caller's address (uvicorn takes it from X-Forwarded-For only for the proxies
    named by `kiosk-central serve --forwarded-allow-ips`)."""
    return request.client.host if request.client else "unknown"
