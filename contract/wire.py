"""What kiosk and platform agree on byte for byte: canonical JSON, case signatures, signed
requests, sealed export bundles and the platform's receipts. Both sides import this module.

- A case is signed once, when it is stored; a resend is byte-identical, so the platform can
  tell "the same case again" (accept) from "a different case under the same id" (refuse).
- A request is signed over method, path, time, nonce and the body's SHA-256, so a captured
  request cannot be replayed or altered.
- An export bundle is encrypted to the platform's X25519 key and signed by the terminal.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from contract.errors import ContractError

SCHEMA_VERSION = 1
BUNDLE_FORMAT = "kiosk-bundle/1"
# Fields of a case that its signature covers (attachments by digest, not by content).
SIGNED_FIELDS = (
    "case_id",
    "kind",
    "created_at",
    "schema_version",
    "test",
    "key_id",
    "payload",
    "attachments",
)
HEADER_KEY = "X-Kiosk-Key-Id"
HEADER_TIME = "X-Kiosk-Timestamp"
HEADER_NONCE = "X-Kiosk-Nonce"
HEADER_SIGNATURE = "X-Kiosk-Signature"
MAX_CLOCK_SKEW_S = 300


class WireError(ContractError, ValueError):
    """A signature, digest or ciphertext does not check out."""


def canonical(value: Any) -> bytes:
    """One byte form per JSON value: sorted keys, no spaces, UTF-8."""
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode()


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise WireError("not valid base64") from None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- encryption at rest -------------------------------------------------------------------


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM; the 12-byte random nonce is stored in front of the ciphertext."""
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, blob: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], aad)
    except (InvalidTag, ValueError):
        raise WireError("stored data does not decrypt with this terminal's key") from None


# --- cases ----------------------------------------------------------------------------------


def signed_part(case: Mapping[str, Any]) -> dict[str, Any]:
    return {name: case[name] for name in SIGNED_FIELDS}


def case_digest(case: Mapping[str, Any]) -> str:
    """Identity of a case's content: equal digests = the same case sent again."""
    return sha256_hex(canonical(signed_part(case)))


def sign_case(signing_key: Ed25519PrivateKey, case: Mapping[str, Any]) -> str:
    return b64e(signing_key.sign(canonical(signed_part(case))))


def verify_case(public_key: Ed25519PublicKey, case: Mapping[str, Any]) -> None:
    """Check the case's signature and that every attachment matches its signed digest."""
    try:
        public_key.verify(b64d(case["signature"]), canonical(signed_part(case)))
    except (InvalidSignature, KeyError, TypeError):
        raise WireError("case signature does not verify") from None
    data = case.get("attachment_data") or {}
    declared = case["attachments"]
    if set(data) != set(declared):
        raise WireError("attachments differ from the signed list")
    for name, blob_b64 in data.items():
        blob = b64d(blob_b64)
        if sha256_hex(blob) != declared[name]["sha256"] or len(blob) != declared[name]["size"]:
            raise WireError(f"attachment {name!r} does not match its signed digest")


# --- signed requests -------------------------------------------------------------------------


def request_message(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([method.upper(), path, timestamp, nonce, sha256_hex(body)]).encode()


def sign_request(
    signing_key: Ed25519PrivateKey, key_id: str, method: str, path: str, body: bytes
) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    signature = signing_key.sign(request_message(method, path, timestamp, nonce, body))
    return {
        HEADER_KEY: key_id,
        HEADER_TIME: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: b64e(signature),
    }


def check_request_headers(
    headers: Mapping[str, str], *, now: float | None = None
) -> tuple[str, str, bytes]:
    """(timestamp, nonce, signature) of a signed request's headers, checked without its body:
    all present, the time within MAX_CLOCK_SKEW_S of `now`, the nonce 16 to 64 characters."""
    try:
        timestamp, nonce = headers[HEADER_TIME], headers[HEADER_NONCE]
        signature = b64d(headers[HEADER_SIGNATURE])
        if len(timestamp) > 20:
            raise ValueError("timestamp too long")
        sent = int(timestamp)
    except (KeyError, ValueError):
        raise WireError("request is not signed") from None
    now = time.time() if now is None else now
    if abs(now - sent) > MAX_CLOCK_SKEW_S:
        raise WireError("request time is too far from the platform's clock")
    if not 16 <= len(nonce) <= 64:
        raise WireError("request nonce has the wrong length")
    return timestamp, nonce, signature


def verify_request(
    public_key: Ed25519PublicKey,
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
    *,
    now: float | None = None,
) -> tuple[str, int]:
    """Check a signed request; return (nonce, timestamp) for the caller's replay check."""
    timestamp, nonce, signature = check_request_headers(headers, now=now)
    sent = int(timestamp)
    try:
        public_key.verify(signature, request_message(method, path, timestamp, nonce, body))
    except InvalidSignature:
        raise WireError("request signature does not verify") from None
    return nonce, sent


# --- keys as text ----------------------------------------------------------------------------


def ed25519_from_b64(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(b64d(text))
    except ValueError:
        raise WireError("not a raw Ed25519 public key") from None


def x25519_public_b64(key: X25519PublicKey) -> str:
    return b64e(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


# --- sealed bundles --------------------------------------------------------------------------


def _bundle_key(shared: bytes, epk: bytes, recipient: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=epk + recipient, info=b"kiosk-bundle/1")
    return hkdf.derive(shared)


def seal_for(recipient_b64: str, plaintext: bytes, aad: bytes) -> dict[str, str]:
    """Encrypt to the platform's X25519 public key (ephemeral ECDH + HKDF + AES-GCM)."""
    recipient_raw = b64d(recipient_b64)
    recipient = X25519PublicKey.from_public_bytes(recipient_raw)
    ephemeral = X25519PrivateKey.generate()
    epk = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key = _bundle_key(ephemeral.exchange(recipient), epk, recipient_raw)
    blob = seal(key, plaintext, aad)
    return {"epk": b64e(epk), "ciphertext": b64e(blob)}


def open_sealed(private_key: X25519PrivateKey, sealed: Mapping[str, str], aad: bytes) -> bytes:
    epk = b64d(sealed["epk"])
    recipient_raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(epk))
    except ValueError:
        raise WireError("bundle key is not an X25519 key") from None
    return unseal(_bundle_key(shared, epk, recipient_raw), b64d(sealed["ciphertext"]), aad)


def seal_bundle(
    signing_key: Ed25519PrivateKey,
    header: Mapping[str, Any],
    cases: list[dict[str, Any]],
    recipient_b64: str,
) -> dict[str, Any]:
    """An export bundle: cases encrypted to the platform, the whole signed by the terminal."""
    head = dict(header, format=BUNDLE_FORMAT, count=len(cases), platform_key=recipient_b64)
    sealed = seal_for(recipient_b64, canonical({"cases": cases}), canonical(head))
    body = dict(head, sealed=sealed)
    return dict(body, signature=b64e(signing_key.sign(canonical(body))))


def open_bundle_plaintext(
    bundle: Mapping[str, Any], public_key: Ed25519PublicKey, private_key: X25519PrivateKey
) -> bytes:
    """Check the terminal's signature and decrypt: the JSON text {"cases": [...]}."""
    if bundle.get("format") != BUNDLE_FORMAT:
        raise WireError(f"not a {BUNDLE_FORMAT} bundle")
    body = {k: v for k, v in bundle.items() if k != "signature"}
    try:
        public_key.verify(b64d(str(bundle.get("signature", ""))), canonical(body))
    except InvalidSignature:
        raise WireError("bundle signature does not verify") from None
    head = {k: v for k, v in body.items() if k != "sealed"}
    try:
        return open_sealed(private_key, body["sealed"], canonical(head))
    except (KeyError, TypeError, AttributeError) as exc:
        raise WireError(f"bundle content is unreadable: {type(exc).__name__}") from None


def open_bundle(
    bundle: Mapping[str, Any], public_key: Ed25519PublicKey, private_key: X25519PrivateKey
) -> list[dict[str, Any]]:
    """Check the terminal's signature, decrypt, return the cases (each still signed)."""
    head = {k: v for k, v in bundle.items() if k not in ("signature", "sealed")}
    plain = open_bundle_plaintext(bundle, public_key, private_key)
    try:
        cases = json.loads(plain)["cases"]
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise WireError(f"bundle content is unreadable: {exc}") from None
    if not isinstance(cases, list) or len(cases) != head.get("count"):
        raise WireError("bundle holds a different number of cases than it declares")
    return cases


RECEIPT_FORMAT = "kiosk-receipt/1"


def sign_platform_document(
    signing_key: Ed25519PrivateKey, body: Mapping[str, Any]
) -> dict[str, Any]:
    """A document the platform vouches for (a receipt, a decision, a roster, a standing):
    `body` (with its "format") and an Ed25519 signature over its canonical JSON."""
    if "signature" in body or not isinstance(body.get("format"), str):
        raise WireError("a signed document has a format and no signature yet")
    return dict(body, signature=b64e(signing_key.sign(canonical(dict(body)))))


def verify_platform_document(
    document: Any, platform_key: Ed25519PublicKey, document_format: str
) -> dict[str, Any]:
    """The body of a document of `document_format` signed by the platform; WireError when it
    is something else, unsigned, or signed by another key."""
    if not isinstance(document, Mapping) or document.get("format") != document_format:
        raise WireError(f"not a {document_format} document")
    body = {k: v for k, v in document.items() if k != "signature"}
    try:
        platform_key.verify(b64d(str(document.get("signature", ""))), canonical(body))
    except (InvalidSignature, TypeError, ValueError):
        raise WireError(f"{document_format} signature does not verify") from None
    return body


def sign_receipt(
    signing_key: Ed25519PrivateKey, terminal_key_id: str, cases: Mapping[str, str]
) -> dict[str, Any]:
    """The platform's signed word that it holds these cases ({case id: case digest})."""
    body = {
        "format": RECEIPT_FORMAT,
        "key_id": terminal_key_id,
        "issued_at": int(time.time()),
        "cases": dict(cases),
    }
    return sign_platform_document(signing_key, body)


def verify_receipt(receipt: Mapping[str, Any], platform_key: Ed25519PublicKey) -> dict[str, str]:
    """Check a receipt's platform signature; return {case id: digest}."""
    body = verify_platform_document(receipt, platform_key, RECEIPT_FORMAT)
    cases = body.get("cases")
    if not isinstance(cases, dict):
        raise WireError("receipt lists no cases")
    return {str(k): str(v) for k, v in cases.items()}
