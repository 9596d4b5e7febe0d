"""Signed certificate tokens: JWS compact serialisation (RFC 7515), Ed25519 signatures.

    header  {"alg":"Ed25519","kid":"<terminal key id>"}

The algorithm is named "Ed25519", the fully specified JOSE name (RFC 9864); tokens printed
before it said "EdDSA" (RFC 8037, deprecated by RFC 9864) and still verify. The two extra
header characters cost the terminal id budget 1 byte (config.settings.TERMINAL_ID_MAX_BYTES).
    payload [2, certificate_no, service, name_kept, name_length, id_kept, id_length,
             verified_at (Unix seconds), valid_until (yyyymmdd), terminal_id, outcome]

The payload is a JSON array, not an object: the claim names would cost about 48 of the under-300
characters a cheap phone reads reliably from a thermal-paper QR code. Its first element is
the payload version. The service point is not carried (a Chinese name costs ~40 characters):
it is printed on the paper and the platform knows it from the terminal id.

Version 2 carries the masked name and ID number as the characters the mask keeps and the
length, not the '*'s: "张*************英" is "张英",15 and "1101**********1239" is
"11011239",18. The verifier rebuilds exactly the masked text printed on the paper (the rules
of contract.masking), so `fields` read as before.
The signer refuses text that is not masked that way: it could not be rebuilt, and it may be
unmasked personal data. Version 1 (the '*'s spelled out) was never deployed and is refused.
service and outcome stay words: codes would save bytes the terminal id no longer needs.

The signer takes a plain `CertificateFields`: the terminal makes one from its certificate,
and nothing here knows how a certificate is issued or printed.

`verify_token` is the one verifier: the CLI and the central platform's /verify page call it.

What a printed QR code carries is `verify_link(base, token)`: the platform's public verify page
with the token in its path (`<base>/verify/<token>`), so a phone's scanner opens the verdict; a
terminal that knows no platform prints the bare token. `token_in` reads the token back out of
either, for the offline verifier.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from contract.errors import ContractError
from contract.masking import Shape, id_number_shape, kept_characters, name_shape, unmask

ALG = "Ed25519"  # RFC 9864
ACCEPTED_ALGS = frozenset({ALG, "EdDSA"})  # EdDSA: tokens printed before RFC 9864
PAYLOAD_VERSION = 2
MAX_MASKED_CHARS = 99  # longest name or ID number a token carries: two digits in the payload
MAX_TOKEN_CHARS = 300  # a token stays strictly under this: what the QR code must hold
MAX_INPUT_CHARS = 4096  # longer input is rejected before any decoding
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_FIELDS = (
    "certificate_no",
    "service",
    "name",
    "id_number",
    "verified_at",
    "valid_until",
    "terminal_id",
    "outcome",
)
_PAYLOAD_LENGTH = 1 + len(_FIELDS) + 2  # the version, and a length for each masked field
VERIFY_PATH = "/verify/"  # the platform's public page: <base>/verify/<token>


CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")  # the time zone of every printed date


class CertificateOutcome(StrEnum):
    """The outcome a certificate states (认证结果)."""

    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    PENDING = "pending"


@dataclass(frozen=True)
class CertificateFields:
    """What a certificate token signs: masked text only, as printed on the paper."""

    certificate_no: str
    service: str
    masked_name: str
    masked_id_number: str
    verified_at: dt.datetime  # timezone-aware
    valid_until: dt.date
    terminal_id: str
    outcome: CertificateOutcome = CertificateOutcome.PASS


class TokenError(ContractError):
    """A token could not be made (too long for the QR code) or keys could not be loaded."""


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str
    fields: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "reason": self.reason, "fields": dict(self.fields)}


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict base64url without padding; non-canonical spellings are refused (no malleability)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(data) != text:
        raise ValueError("not canonical base64url")
    return data


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _kept(masked: str, shape: Shape, what: str) -> tuple[str, int]:
    """(kept characters, length) of a masked text; TokenError when they cannot rebuild it."""
    length = len(masked)
    if length > MAX_MASKED_CHARS:
        raise TokenError(f"the {what} is {length} characters; a token carries {MAX_MASKED_CHARS}")
    try:
        return kept_characters(masked, shape), length
    except ValueError:  # never quoted: it may be unmasked personal data
        raise TokenError(
            f"the {what} ({length} characters) is not masked as a token carries it"
        ) from None


def sign_certificate(cert: CertificateFields, signing_key: Ed25519PrivateKey, key_id: str) -> str:
    """The certificate as a compact JWS. Raises TokenError if it would not fit the QR code."""
    payload = [
        PAYLOAD_VERSION,
        cert.certificate_no,
        cert.service,
        *_kept(cert.masked_name, name_shape, "name"),
        *_kept(cert.masked_id_number, id_number_shape, "ID number"),
        int(cert.verified_at.timestamp()),
        int(cert.valid_until.strftime("%Y%m%d")),
        cert.terminal_id,
        str(cert.outcome),
    ]
    signing_input = f"{_b64encode(_json({'alg': ALG, 'kid': key_id}))}.{_b64encode(_json(payload))}"
    signature = signing_key.sign(signing_input.encode("ascii"))
    token = f"{signing_input}.{_b64encode(signature)}"
    if len(token) >= MAX_TOKEN_CHARS:
        raise TokenError(f"token is {len(token)} characters; it must stay under {MAX_TOKEN_CHARS}")
    return token


def _current_version(payload: Any) -> list[Any]:
    """The payload when it is a version-2 certificate; ValueError naming what it is instead."""
    if not isinstance(payload, list) or not payload:
        raise ValueError("payload is not a certificate")
    version = payload[0]
    if type(version) is not int or version != PAYLOAD_VERSION:
        raise ValueError(
            f"payload version {str(version)[:20]} is not supported "
            f"(this verifier reads version {PAYLOAD_VERSION})"
        )
    if len(payload) != _PAYLOAD_LENGTH:
        raise ValueError(f"payload is not a version {PAYLOAD_VERSION} certificate")
    return payload


def _fields(payload: Any) -> dict[str, Any]:
    """Named fields from a version-2 payload, masked text as printed; ValueError otherwise."""
    _, no, service, name, name_length, id_number, id_length, verified, valid, terminal, outcome = (
        _current_version(payload)
    )
    if not all(isinstance(t, str) for t in (no, service, terminal, outcome)):
        raise ValueError(f"payload is not a version {PAYLOAD_VERSION} certificate")
    if type(verified) is not int or type(valid) is not int:
        raise ValueError("payload dates are not numbers")
    if outcome not in {str(o) for o in CertificateOutcome}:
        raise ValueError(f"unknown outcome {outcome!r}")
    try:
        verified_at = dt.datetime.fromtimestamp(verified, CHINA_TZ)
        valid_until = dt.datetime.strptime(str(valid), "%Y%m%d").date()
    except (ValueError, OverflowError, OSError):
        raise ValueError("payload dates are out of range") from None
    values = (
        no,
        service,
        unmask(name, name_length, name_shape, MAX_MASKED_CHARS),
        unmask(id_number, id_length, id_number_shape, MAX_MASKED_CHARS),
        verified_at.isoformat(),
        valid_until.isoformat(),
        terminal,
        outcome,
    )
    return dict(zip(_FIELDS, values, strict=True))


class _Rejected(Exception):
    """Raised by a verification step; its message is the reason given back."""


def _split(token: Any) -> list[str]:
    if not isinstance(token, str) or not token.strip():
        raise _Rejected("empty token")
    token = token.strip()
    if len(token) > MAX_INPUT_CHARS:
        raise _Rejected(f"token longer than {MAX_INPUT_CHARS} characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise _Rejected("not a compact JWS: expected three base64url parts separated by dots")
    return parts


def _key_for(
    header_part: str, public_keys: Mapping[str, Ed25519PublicKey]
) -> tuple[str, Ed25519PublicKey]:
    try:
        header = json.loads(_b64decode(header_part))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _Rejected("header is not base64url-encoded JSON") from None
    if not isinstance(header, dict):
        raise _Rejected("header is not a JSON object")
    if header.get("alg") not in ACCEPTED_ALGS:
        raise _Rejected("unsupported algorithm: Ed25519 expected")
    if "crit" in header:
        raise _Rejected("header has critical extensions this verifier does not know")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise _Rejected("header has no key id (kid)")
    key = public_keys.get(kid)
    if key is None:
        raise _Rejected("unknown key id: not a registered terminal key")
    return kid, key


def _check_signature(parts: list[str], key: Ed25519PublicKey) -> None:
    try:
        signature = _b64decode(parts[2])
    except ValueError:
        raise _Rejected("signature is not base64url") from None
    if len(signature) != 64:
        raise _Rejected("signature has the wrong length (truncated or altered token)")
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError):
        raise _Rejected(
            "signature does not match: the token was altered or signed by another key"
        ) from None


def _signed_fields(payload_part: str) -> dict[str, Any]:
    try:
        return _fields(json.loads(_b64decode(payload_part)))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _Rejected(f"signed payload unreadable: {exc}") from None


def verify_token(
    token: str,
    public_keys: Mapping[str, Ed25519PublicKey],
    *,
    today: dt.date | None = None,
) -> Verification:
    """Check a token offline against the terminals' public keys ({key id: key}).

    Never raises on bad input: every rejection comes back with `valid` false and a reason.
    `fields` is filled only when the signature is good (so also for an expired certificate).
    """
    try:
        parts = _split(token)
        kid, key = _key_for(parts[0], public_keys)
        _check_signature(parts, key)
        fields = _signed_fields(parts[1])
    except _Rejected as rejected:
        return Verification(False, str(rejected))
    fields["key_id"] = kid
    today = today or dt.datetime.now(CHINA_TZ).date()
    if dt.date.fromisoformat(fields["valid_until"]) < today:
        return Verification(False, f"certificate expired on {fields['valid_until']}", fields)
    return Verification(True, "signature valid; certificate current", fields)


def verify_link(base_url: str, token: str) -> str:
    """What a certificate's QR code carries: the verify page of the platform at `base_url`
    with the token in its path, or the bare token when no base is known ('')."""
    base = base_url.strip().rstrip("/")
    return f"{base}{VERIFY_PATH}{token}" if base else token


def token_in(scanned: str) -> str:
    """The token in what a QR code carries: a verify link (`.../verify/<token>`, any query or
    fragment dropped) or the bare token. Anything else comes back as it is, for
    `verify_token` to reject with its reason."""
    text = scanned.strip()
    head, found, tail = text.rpartition(VERIFY_PATH)
    if found and "://" in head:
        return re.split(r"[?#]", tail, maxsplit=1)[0]
    return text


def load_public_keys(path: Path) -> dict[str, Ed25519PublicKey]:
    """A JSON file {key id: base64url raw Ed25519 public key}. Raises TokenError."""
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TokenError(f"key file {path} unreadable: {exc}") from None
    if not isinstance(table, dict):
        raise TokenError(f"key file {path} is not a JSON object of key id -> key")
    keys: dict[str, Ed25519PublicKey] = {}
    for kid, text in table.items():
        try:
            keys[kid] = Ed25519PublicKey.from_public_bytes(_b64decode(str(text)))
        except (ValueError, binascii.Error):
            raise TokenError(f"key file {path}: key {kid!r} is not a raw Ed25519 key") from None
    return keys
