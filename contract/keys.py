"""Key ids and the text forms of Ed25519 public keys, as both sides name and send them.

A key id is the first 16 hex digits of SHA-256 over the raw public key: the terminal puts it
in every signed request, case and certificate token; the platform looks the key up by it.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def public_key_raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key_raw(public_key)).hexdigest()[:16]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The unpadded base64url raw form used in certificate key files."""
    return base64.urlsafe_b64encode(public_key_raw(public_key)).rstrip(b"=").decode("ascii")
