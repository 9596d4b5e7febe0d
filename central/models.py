"""The platform API's request and answer bodies (the OpenAPI document is made from these)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from central.cases import MAX_BATCH, MAX_BUNDLE_CASES, MAX_IMPORT_CASES

ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9X]$"
CASE_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


class Problem(BaseModel):
    detail: str


class Health(BaseModel):
    status: str = "ok"


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
    revoked_at: str | None


class TerminalOut(BaseModel):
    terminal_id: str
    key_id: str | None = Field(description="the current key: requests and cases must use it")
    public_key: str | None
    registered_at: str | None
    status: str = Field(description="awaiting | active | revoked")
    service_point: str = Field(description="the service point's name, shown by /verify")
    revoked_at: str | None
    previous_keys: list[PreviousKey] = Field(
        description="keys replaced by a later registration, newest first: certificates they "
        "signed before `retired_at` still verify"
    )


class BatchIn(BaseModel):
    cases: list[Any] = Field(
        max_length=MAX_BATCH,
        description="signed case envelopes (see docs/case-schema.md); each is checked on its "
        "own: a malformed one is rejected with its reason, the others are stored",
    )


class CaseResult(BaseModel):
    case_id: str = Field(description="the case's id; empty when the case had no valid one")
    status: str = Field(description="accepted | duplicate | rejected")
    reason: str | None = None


class BatchOut(BaseModel):
    results: list[CaseResult]


class FeedDecision(BaseModel):
    verdict: str = Field(description="verified | not_verified")
    reason: str = Field(description="a `contract.decisions.Reason` code")
    decided_by: str = Field(description="auto (the platform's matcher) | review (a reviewer)")
    reviewer: str | None = Field(description="the reviewer's staff account; null when auto")
    decided_at: str
    distance: float | None = Field(description="automatic decisions: the match's distance")
    threshold: float | None
    test: bool
    note: str = Field(description="the reviewer's note, if any")
    document: dict[str, Any] = Field(
        description="the signed kiosk-decision/1 document the terminal receives"
    )


class FeedItem(BaseModel):
    case_id: str
    cursor: str
    event: str = Field(
        description="what changed: received (the case arrived) | decided (the platform "
        "decided it) | followup_closed (a poor rating's follow-up was closed); the case "
        "detail route gives its latest change"
    )
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
    state: str | None = Field(
        description="pension checks: terminal_decided | awaiting_match | awaiting_review | "
        "decided; poor ratings: followup_open | followup_closed; otherwise null"
    )
    decision: FeedDecision | None = Field(
        description="the platform's decision; null while awaiting (or never needed)"
    )


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
    count: int = Field(ge=0, le=MAX_BUNDLE_CASES)
    platform_key: str = Field(max_length=100)
    sealed: SealedIn
    signature: str = Field(max_length=200)


class BundleFile(BundleIn):
    """A bundle file imported on the platform's machine (`kiosk-central import`)."""

    count: int = Field(ge=0, le=MAX_IMPORT_CASES)


class ImportOut(BaseModel):
    terminal_id: str
    results: list[CaseResult]
    receipt: dict[str, Any] = Field(
        description="signed by the platform; `kiosk queue ack` on the terminal accepts it"
    )


class ReferenceFaceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(pattern=ID_NUMBER_PATTERN, description="the resident's ID number")


class SignedItem(BaseModel):
    cursor: str
    document: dict[str, Any] = Field(
        description="a signed kiosk-decision/1 document (`contract.decisions.read_decision`)"
    )


class DecisionsOut(BaseModel):
    items: list[SignedItem]
    next: str | None = Field(
        description="cursor after the last item; null when nothing new (ask again later with "
        "the last cursor you had)"
    )


class StandingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(pattern=ID_NUMBER_PATTERN, description="the resident's ID number")


class RosterOut(BaseModel):
    etag: str = Field(description="send it back as ?have= to be answered 304 while unchanged")
    document: dict[str, Any] = Field(
        description="a kiosk-roster/1 document signed for this terminal "
        "(`contract.decisions.read_roster`); its `roster` is a kiosk-face-roster document"
    )


class VerifyOut(BaseModel):
    valid: bool
    reason: str
    fields: dict[str, Any]
    recorded_at: str | None = Field(
        description="when the platform received the case that carries this certificate; "
        "null when it has not (yet): a terminal without a link sends it later"
    )
    service_point: str = Field(description="the issuing terminal's service point, if known")


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
    413: {"model": Problem},
    422: {"model": Problem},
}
LIMITED: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    429: {"model": Problem, "description": "too many attempts: wait `Retry-After` seconds"},
}
