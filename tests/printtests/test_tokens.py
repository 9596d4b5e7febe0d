"""Certificate tokens: JWS compact, EdDSA. Valid ones verify; every kind of damage is refused
with a reason; property tests drive the verifier with generated certificates and garbage."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from config import ConfigError, load_settings
from config.settings import TERMINAL_ID_MAX_BYTES, TerminalSettings
from devices.card_reader.identity import mask_id_number, mask_name
from kiosk.certificate import CHINA_TZ, Certificate, Outcome
from kiosk.tokens import (
    MAX_TOKEN_CHARS,
    TokenError,
    load_public_keys,
    public_key_text,
    sign_certificate,
    verify_token,
)
from offline_queue.keys import key_id_of

TODAY = dt.date(2026, 11, 24)
KEY = Ed25519PrivateKey.generate()  # one key for the property tests: keygen is not under test
KID = key_id_of(KEY.public_key())
KEYS = {KID: KEY.public_key()}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(cert: Certificate, key: Ed25519PrivateKey = KEY) -> str:
    return sign_certificate(cert, key, key_id_of(key.public_key()))


def test_a_valid_token_verifies_with_every_field(certificate: Certificate) -> None:
    token = sign(certificate)
    assert len(token) < MAX_TOKEN_CHARS
    result = verify_token(token, KEYS, today=TODAY)
    assert result.valid, result.reason
    assert result.fields == {
        "certificate_no": certificate.certificate_no,
        "service": "pension",
        "name": "张*英",
        "id_number": "1101**********1239",
        "verified_at": "2026-11-24T10:30:00+08:00",
        "valid_until": "2027-01-31",
        "terminal_id": "SIM-0001",
        "outcome": "pass",
        "key_id": KID,
    }
    header = json.loads(unb64(token.split(".")[0]))
    assert header == {"alg": "EdDSA", "kid": KID}


def test_a_changed_field_is_rejected(certificate: Certificate) -> None:
    header, payload, signature = sign(certificate).split(".")
    fields = json.loads(unb64(payload))
    fields[3] = "李*四"  # another resident's name under the same signature
    forged = ".".join((header, b64(json.dumps(fields, ensure_ascii=False).encode()), signature))
    result = verify_token(forged, KEYS, today=TODAY)
    assert not result.valid
    assert "signature does not match" in result.reason
    assert result.fields == {}


def test_a_token_from_another_key_is_rejected(certificate: Certificate) -> None:
    other = Ed25519PrivateKey.generate()
    result = verify_token(sign(certificate, other), KEYS, today=TODAY)
    assert not result.valid and "unknown key id" in result.reason
    # the same key id claimed by an impostor key: the signature gives it away
    impostor = {key_id_of(other.public_key()): KEY.public_key()}
    result = verify_token(sign(certificate, other), impostor, today=TODAY)
    assert not result.valid and "signature does not match" in result.reason


def test_a_truncated_token_is_rejected(certificate: Certificate) -> None:
    token = sign(certificate)
    for cut in (len(token) - 1, len(token) - 10, token.rindex("."), 40, 1):
        result = verify_token(token[:cut], KEYS, today=TODAY)
        assert not result.valid and result.reason, cut


@pytest.mark.parametrize(
    ("garbage", "reason"),
    [
        ("", "empty token"),
        ("hello", "not a compact JWS"),
        ("a.b.c", "header is not"),
        ("!!.??.**", "header is not"),
        (b64(b'{"alg":"none","kid":"x"}') + ".e30.", "unsupported algorithm"),
        (b64(b'{"alg":"EdDSA"}') + ".e30.AAAA", "no key id"),
        (b64(b"[1,2]") + ".e30.AAAA", "not a JSON object"),
        (b64(b'{"alg":"EdDSA","kid":"k","crit":["b64"]}') + ".e30.AA", "critical"),
        ("x" * 5000, "longer than"),
    ],
)
def test_garbage_is_rejected_with_a_reason(garbage: str, reason: str) -> None:
    result = verify_token(garbage, KEYS, today=TODAY)
    assert not result.valid
    assert reason in result.reason


def test_an_expired_certificate_is_not_valid_but_shows_its_fields(certificate: Certificate) -> None:
    result = verify_token(sign(certificate), KEYS, today=dt.date(2027, 2, 1))
    assert not result.valid
    assert result.reason == "certificate expired on 2027-01-31"
    assert result.fields["certificate_no"] == certificate.certificate_no


def test_a_signed_payload_of_another_shape_is_refused() -> None:
    header = b64(json.dumps({"alg": "EdDSA", "kid": KID}).encode())
    payload = b64(b'{"no":"1"}')
    signature = b64(KEY.sign(f"{header}.{payload}".encode()))
    result = verify_token(f"{header}.{payload}.{signature}", KEYS, today=TODAY)
    assert not result.valid and "payload" in result.reason


def test_a_token_too_long_for_the_qr_code_is_not_made(certificate: Certificate) -> None:
    long = dataclasses.replace(certificate, terminal_id="T" * 80)
    with pytest.raises(TokenError):
        sign(long)


def test_key_files_load_and_bad_ones_are_named(tmp_path: Path, certificate: Certificate) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({KID: public_key_text(KEY.public_key())}))
    assert verify_token(sign(certificate), load_public_keys(path), today=TODAY).valid
    path.write_text(json.dumps({KID: "not-a-key"}))
    with pytest.raises(TokenError, match=KID):
        load_public_keys(path)
    with pytest.raises(TokenError):
        load_public_keys(tmp_path / "missing.json")


# -- the terminal id budget ---------------------------------------------------------------

# The longest masked name a card holds: 15 characters (the ID card's name field), the two it
# keeps outside the BMP (4 bytes each in UTF-8, as GB18030 social-security cards may carry).
LONGEST_NAME = "\U00020000" + "张" * 13 + "\U0002a6d6"


def worst_case(terminal_id: str) -> Certificate:
    """Every field but the terminal id at its longest."""
    return Certificate(
        certificate_no="261124-7KQ2M",  # always 12 characters
        service="pension",
        masked_name=mask_name(LONGEST_NAME),
        masked_id_number=mask_id_number("11010119500101123X"),
        verified_at=dt.datetime(2286, 11, 20, 17, 46, 39, tzinfo=dt.UTC),  # last 10-digit time
        valid_until=dt.date(9999, 12, 31),
        service_point="示范村便民服务站",
        terminal_id=terminal_id,
        outcome=max(Outcome, key=lambda o: len(str(o))),
    )


def test_the_longest_terminal_id_the_config_allows_always_fits() -> None:
    longest = "A" * TERMINAL_ID_MAX_BYTES
    assert TerminalSettings(id=longest).problems() == []
    assert len(sign(worst_case(longest))) < MAX_TOKEN_CHARS
    # One byte more is what the config refuses, and it would not fit: the bound is tight.
    assert TerminalSettings(id=longest + "A").problems()
    with pytest.raises(TokenError, match="must stay under 300"):
        sign(worst_case(longest + "A"))


def test_a_token_of_exactly_300_characters_is_refused() -> None:
    with pytest.raises(TokenError) as refused:
        sign(worst_case("A" * (TERMINAL_ID_MAX_BYTES + 1)))
    assert "token is 300 characters" in str(refused.value)  # 300 is not under 300


@settings(max_examples=80, deadline=None)
@given(
    terminal_id=st.text(
        alphabet=st.sampled_from("AZ09-_.村镇\U00020000"),
        min_size=1,
        max_size=TERMINAL_ID_MAX_BYTES,
    )
)
def test_property_every_terminal_id_the_config_accepts_fits(terminal_id: str) -> None:
    if TerminalSettings(id=terminal_id).problems():
        return  # refused by the config: never reaches a certificate
    assert len(sign(worst_case(terminal_id))) < MAX_TOKEN_CHARS


@pytest.mark.parametrize(
    ("terminal_id", "size"), [("GD-440106-001", 13), ("镇一二三", 12), ("", 0), ("   ", 3)]
)
def test_config_refuses_a_terminal_id_that_cannot_fit(
    tmp_path: Path, terminal_id: str, size: int
) -> None:
    path = tmp_path / "terminal.toml"
    path.write_text(f"[terminal]\nid = {json.dumps(terminal_id)}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    message = refused.value.message
    assert refused.value.key == "terminal.id" and str(path) in message
    assert f"is {size} bytes long" in message
    assert f"Use 1 to {TERMINAL_ID_MAX_BYTES} bytes" in message and "QR code" in message


def test_config_accepts_a_terminal_id_that_fits(tmp_path: Path) -> None:
    path = tmp_path / "terminal.toml"
    path.write_text('[terminal]\nid = "镇一-0017"\n', encoding="utf-8")  # 3 + 3 + 5 bytes
    assert load_settings(path).terminal.id == "镇一-0017"


# -- properties -----------------------------------------------------------------------------

names = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=6
)
id_numbers = st.from_regex(r"[1-6][0-9]{16}[0-9X]", fullmatch=True)
certificates = st.builds(
    Certificate,
    certificate_no=st.from_regex(r"[0-9]{6}-[0-9A-HJKMNP-TV-Z]{5}", fullmatch=True),
    service=st.just("pension"),
    masked_name=names.map(mask_name),
    masked_id_number=id_numbers.map(mask_id_number),
    verified_at=st.datetimes(
        min_value=dt.datetime(2020, 1, 1),
        max_value=dt.datetime(2040, 1, 1),
        timezones=st.just(CHINA_TZ),
    ).map(lambda d: d.replace(microsecond=0)),
    valid_until=st.dates(min_value=dt.date(2027, 1, 1), max_value=dt.date(2041, 12, 31)),
    service_point=st.just("示范村便民服务站"),
    terminal_id=st.from_regex(r"[A-Z]{2,4}-[0-9]{4,6}", fullmatch=True),
    outcome=st.sampled_from(Outcome),
)


@settings(max_examples=60, deadline=None)
@given(cert=certificates)
def test_property_every_signed_certificate_round_trips(cert: Certificate) -> None:
    token = sign(cert)
    assert len(token) < MAX_TOKEN_CHARS
    result = verify_token(token, KEYS, today=TODAY)
    assert result.valid, result.reason
    assert result.fields["name"] == cert.masked_name
    assert result.fields["id_number"] == cert.masked_id_number
    assert result.fields["verified_at"] == cert.verified_at.isoformat()
    assert result.fields["valid_until"] == cert.valid_until.isoformat()
    assert result.fields["outcome"] == str(cert.outcome)


@settings(max_examples=150, deadline=None)
@given(cert=certificates, data=st.data())
def test_property_any_single_character_change_is_rejected(
    cert: Certificate, data: st.DataObject
) -> None:
    token = sign(cert)
    index = data.draw(st.integers(0, len(token) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "
    char = data.draw(st.sampled_from(alphabet).filter(lambda c: c != token[index]))
    changed = token[:index] + char + token[index + 1 :]
    result = verify_token(changed, KEYS, today=TODAY)
    assert not result.valid
    assert result.reason


@settings(max_examples=100, deadline=None)
@given(cert=certificates, data=st.data())
def test_property_any_truncation_is_rejected(cert: Certificate, data: st.DataObject) -> None:
    token = sign(cert)
    cut = data.draw(st.integers(0, len(token) - 1))
    assert not verify_token(token[:cut], KEYS, today=TODAY).valid


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=400),
        st.lists(
            st.text(
                alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                max_size=120,
            ),
            min_size=3,
            max_size=3,
        ).map(".".join),
        st.binary(max_size=200).map(lambda b: ".".join((b64(b),) * 3)),
    )
)
def test_property_the_verifier_never_raises_and_never_accepts_garbage(garbage: str) -> None:
    result = verify_token(garbage, KEYS, today=TODAY)
    assert result.valid is False
    assert isinstance(result.reason, str) and result.reason
