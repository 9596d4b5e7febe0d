"""Checking one signed case on its own: its shape (strict types, bounded sizes), its key and
its signature. A malformed case is rejected with a reason that names the field, never with
the value sent; the rest of its batch is stored.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from contract import wire
from contract.ids import is_uuid7

MAX_BATCH = 500
DOCUMENTED_CASE_BYTES = 32 * 1024  # docs/case-schema.md: a ~20 KB face frame and its payload
MAX_CASE_BYTES = 256 * 1024  # one case as JSON, attachments in base64 included
MAX_ATTACHMENTS = 4
MAX_PAYLOAD_BYTES = 32 * 1024
MAX_BUNDLE_CASES = 1000  # over HTTP; `kiosk-central import` takes up to MAX_IMPORT_CASES
MAX_IMPORT_CASES = 100_000
HEX64 = r"^[0-9a-f]{64}$"
ATTACHMENT_NAME = r"^[A-Za-z0-9_.-]{1,64}$"

AttachmentName = Annotated[str, StringConstraints(pattern=ATTACHMENT_NAME)]


class AttachmentRef(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    sha256: str = Field(pattern=HEX64)
    size: int = Field(ge=0, le=MAX_CASE_BYTES)


class CaseEnvelope(BaseModel):
    """A signed case as it travels (docs/case-schema.md)."""

    model_config = ConfigDict(strict=True, extra="forbid")
    case_id: str = Field(max_length=36)
    kind: str = Field(min_length=1, max_length=64)
    created_at: str = Field(min_length=1, max_length=40)
    schema_version: int
    test: bool
    key_id: str = Field(max_length=64)
    payload: dict[str, Any]
    attachments: dict[AttachmentName, AttachmentRef] = Field(max_length=MAX_ATTACHMENTS)
    signature: str = Field(max_length=200)
    attachment_data: dict[AttachmentName, Annotated[str, Field(max_length=MAX_CASE_BYTES)]] = Field(
        default_factory=dict, max_length=MAX_ATTACHMENTS
    )


_ENVELOPE = TypeAdapter(CaseEnvelope)
_BUNDLE_PLAIN = TypeAdapter(dict[str, list[Any]])


def problem_text(exc: ValidationError, limit: int = 3) -> str:
    """Where and what, never the value: 'test: Input should be a valid boolean'."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False)[:limit]:
        where = ".".join(_safe_loc(part) for part in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _safe_loc(part: Any) -> str:
    """A field name or index as it is; a key the sender chose is not repeated."""
    text = str(part)
    known = isinstance(part, int) or (text.isidentifier() and text.isascii() and len(text) <= 40)
    return text if known else "[key]"


def case_id_of(case: Any) -> str:
    """The case id to answer with: only a well-formed UUIDv7 is repeated back."""
    value = case.get("case_id") if isinstance(case, dict) else None
    return value if isinstance(value, str) and is_uuid7(value) else ""


def check_case(key_id: str, public_key: Ed25519PublicKey, case: Any) -> tuple[str, str]:
    """(case id, why it is invalid or "") for one case of a batch; never raises."""
    case_id = case_id_of(case)
    try:
        envelope = _ENVELOPE.validate_python(case)
        _require(is_uuid7(envelope.case_id), "case_id is not a UUIDv7")
        _require(
            envelope.schema_version == wire.SCHEMA_VERSION,
            f"schema version is not {wire.SCHEMA_VERSION}",
        )
        _require(envelope.key_id == key_id, "the case was signed by another key")
        _require(
            len(wire.canonical(envelope.payload)) <= MAX_PAYLOAD_BYTES,
            f"payload over {MAX_PAYLOAD_BYTES} bytes",
        )
        size = sum(len(blob) for blob in envelope.attachment_data.values())
        _require(size <= MAX_CASE_BYTES, f"attachments over {MAX_CASE_BYTES} bytes")
        wire.verify_case(public_key, case)
    except ValidationError as exc:
        return case_id, f"invalid: {problem_text(exc)}"
    except (wire.WireError, ValueError, TypeError, RecursionError) as exc:
        return case_id, f"invalid: {exc}"
    return case_id, ""


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise wire.WireError(problem)


def case_certificate(case: dict[str, Any]) -> tuple[str, str] | None:
    """(SHA-256 of the certificate token, certificate number) a verified case carries."""
    payload = case.get("payload")
    certificate = payload.get("certificate") if isinstance(payload, dict) else None
    if not isinstance(certificate, dict):
        return None
    token, number = certificate.get("token"), certificate.get("certificate_no")
    if not isinstance(token, str) or not token or not isinstance(number, str):
        return None
    return token_digest(token), number[:64]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8", "surrogatepass")).hexdigest()


def parse_bundle_cases(plain: bytes, count: int) -> list[Any]:
    """The cases of a decrypted bundle, parsed off Python's recursion (nesting is bounded)."""
    try:
        cases = _BUNDLE_PLAIN.validate_json(plain).get("cases")
    except ValidationError as exc:
        raise wire.WireError(f"bundle content is unreadable: {problem_text(exc)}") from None
    if cases is None or len(cases) != count:
        raise wire.WireError("bundle holds a different number of cases than it declares")
    return cases
