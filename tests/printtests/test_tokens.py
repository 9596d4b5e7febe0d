"""Certificate tokens: JWS compact, Ed25519 (RFC 9864). Valid ones verify; every kind of damage
is refused with a reason; property tests drive the verifier with generated certificates and
garbage."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from config import ConfigError, load_settings
from config.settings import TERMINAL_ID_MAX_BYTES, TerminalSettings
from contract.certificates import (
    CHINA_TZ,
    MAX_MASKED_CHARS,
    MAX_TOKEN_CHARS,
    CertificateOutcome,
    TokenError,
    load_public_keys,
    sign_certificate,
    verify_token,
)
from contract.keys import key_id_of, public_key_text
from contract.masking import mask_id_number, mask_name
from kiosk.records.certificate import SERVICES, Certificate

TODAY = dt.date(2026, 11, 24)
KEY = Ed25519PrivateKey.generate()  # one key for the property tests: keygen is not under test
KID = key_id_of(KEY.public_key())
KEYS = {KID: KEY.public_key()}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(cert: Certificate, key: Ed25519PrivateKey = KEY) -> str:
    return sign_certificate(cert.token_fields(), key, key_id_of(key.public_key()))


def signed_payload(payload: object, alg: str = "Ed25519") -> str:
    """A token carrying `payload`, truly signed by KEY: only the verifier can refuse it."""
    header = b64(json.dumps({"alg": alg, "kid": KID}).encode())
    body = b64(json.dumps(payload, ensure_ascii=False).encode())
    return f"{header}.{body}.{b64(KEY.sign(f'{header}.{body}'.encode()))}"


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
    assert header == {"alg": "Ed25519", "kid": KID}
    # version 2 carries what the masks keep and the lengths, not the '*'s
    assert json.loads(unb64(token.split(".")[1])) == [
        2,
        certificate.certificate_no,
        "pension",
        "张英",
        3,
        "11011239",
        18,
        int(certificate.verified_at.timestamp()),
        20270131,
        "SIM-0001",
        "pass",
    ]


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("张秀英", "张*英"),
        ("张三", "张*"),
        ("张", "张"),
        ("欧阳" * 7 + "娜", "欧" + "*" * 13 + "娜"),
    ],
)
@pytest.mark.parametrize(
    ("id_number", "printed_id"),
    [
        ("11010119500101123X", "1101**********123X"),
        ("110101500101123", "1101*******1123"),  # a first-generation 15-digit number
        ("1234567", "*******"),  # under 8 characters nothing is kept
    ],
)
def test_the_verifier_rebuilds_the_masked_text_printed_on_paper(
    certificate: Certificate, name: str, printed: str, id_number: str, printed_id: str
) -> None:
    cert = dataclasses.replace(
        certificate, masked_name=mask_name(name), masked_id_number=mask_id_number(id_number)
    )
    fields = verify_token(sign(cert), KEYS, today=TODAY).fields
    assert (fields["name"], fields["id_number"]) == (printed, printed_id)


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"masked_name": "张秀英"}, "name (3 characters) is not masked"),
        ({"masked_name": "张秀"}, "name (2 characters) is not masked"),
        ({"masked_id_number": "110101195001011239"}, "ID number (18 characters) is not masked"),
        ({"masked_name": "张" + "*" * MAX_MASKED_CHARS}, "name is 100 characters"),
    ],
)
def test_text_the_token_cannot_carry_masked_is_not_signed(
    certificate: Certificate, change: dict[str, str], what: str
) -> None:
    with pytest.raises(TokenError, match=re.escape(what)) as refused:
        sign(dataclasses.replace(certificate, **change))
    assert "秀" not in str(refused.value) and "0119500" not in str(refused.value)  # never quoted


def test_a_changed_field_is_rejected(certificate: Certificate) -> None:
    header, payload, signature = sign(certificate).split(".")
    fields = json.loads(unb64(payload))
    fields[3] = "李四"  # another resident's name under the same signature
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


def test_tokens_printed_with_the_deprecated_eddsa_name_still_verify() -> None:
    # Printed before RFC 9864: header {"alg":"EdDSA"}; the signature is the same Ed25519.
    result = verify_token(signed_payload(V2, alg="EdDSA"), KEYS, today=TODAY)
    assert result.valid, result.reason
    assert verify_token(signed_payload(V2), KEYS, today=TODAY).valid
    for other in ("ES256", "HS256", "ed25519", "none"):
        refused = verify_token(signed_payload(V2, alg=other), KEYS, today=TODAY)
        assert not refused.valid and "unsupported algorithm" in refused.reason


def test_a_signed_payload_of_another_shape_is_refused() -> None:
    result = verify_token(signed_payload({"no": "1"}), KEYS, today=TODAY)
    assert not result.valid and "payload is not a certificate" in result.reason


V2 = [2, "261124-7KQ2M", "pension", "张英", 3, "11011239", 18, 1795400000, 20270131, "T-1", "pass"]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        # version 1 spelled the '*'s out; it was never deployed
        (
            [
                1,
                "261124-7KQ2M",
                "pension",
                "张*英",
                "1101**********1239",
                1795400000,
                20270131,
                "T-1",
                "pass",
            ],
            "payload version 1 is not supported (this verifier reads version 2)",
        ),
        ([3, *V2[1:]], "payload version 3 is not supported"),
        (["2", *V2[1:]], "payload version 2 is not supported"),  # a string, not the number
        ([2.0, *V2[1:]], "payload version 2.0 is not supported"),
        (V2[:-1], "not a version 2 certificate"),
        ([*V2[:3], "张英", 2, *V2[5:]], "kept characters do not fit a masked text of 2"),
        ([*V2[:3], "张", 3, *V2[5:]], "kept characters do not fit a masked text of 3"),
        ([*V2[:4], 10**6, *V2[5:]], "masked length is not a number from 0 to 99"),
        ([*V2[:4], -1, *V2[5:]], "masked length is not a number"),
        ([*V2[:4], True, *V2[5:]], "masked length is not a number"),
        ([*V2[:4], "3", *V2[5:]], "masked length is not a number"),
        ([*V2[:5], "1101239", 18, *V2[7:]], "kept characters do not fit a masked text of 18"),
        ([*V2[:5], 11011239, 18, *V2[7:]], "kept characters do not fit"),
        ([*V2[:6], 100, *V2[7:]], "masked length is not a number from 0 to 99"),
        ([*V2[:10], "passed"], "unknown outcome"),
    ],
)
def test_a_signed_payload_that_is_not_a_version_2_certificate_is_refused(
    payload: list[object], reason: str
) -> None:
    result = verify_token(signed_payload(payload), KEYS, today=TODAY)
    assert not result.valid
    assert result.reason.startswith("signed payload unreadable: ")
    assert reason in result.reason
    assert result.fields == {}


def test_the_reference_payload_of_those_refusals_is_itself_valid() -> None:
    result = verify_token(signed_payload(V2), KEYS, today=TODAY)
    assert result.valid, result.reason
    assert (result.fields["name"], result.fields["id_number"]) == ("张*英", "1101**********1239")


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

# The longest name a token carries (a card holds at most 15 characters, the ID card's name
# field; a token carries its length, so any length up to MAX_MASKED_CHARS costs the same two
# digits), the two characters it keeps outside the BMP (4 bytes each in UTF-8, as GB18030
# social-security cards may carry).
LONGEST_NAME = "\U00020000" + "张" * (MAX_MASKED_CHARS - 2) + "\U0002a6d6"


def worst_case(terminal_id: str) -> Certificate:
    """Every field but the terminal id at its longest."""
    return Certificate(
        certificate_no="261124-7KQ2M",  # always 12 characters
        service=max(SERVICES, key=len),
        masked_name=mask_name(LONGEST_NAME),
        masked_id_number=mask_id_number("11010119500101123X"),  # validated: always 18 ASCII
        verified_at=dt.datetime(2286, 11, 20, 17, 46, 39, tzinfo=dt.UTC),  # last 10-digit time
        valid_until=dt.date(9999, 12, 31),
        service_point="示范村便民服务站",
        terminal_id=terminal_id,
        outcome=max(CertificateOutcome, key=lambda o: len(str(o))),
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
    ("terminal_id", "size"),
    [("GD-440106-001-镇一二三四", 29), ("广东省广州市天河区-001", 31), ("", 0), ("   ", 3)],
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


@pytest.mark.parametrize(
    "terminal_id",
    [
        "镇一-0017",
        "GD-440106-001",
        "GD-440106-001-镇一二三",
        "广东广州天河区-001",
    ],  # 11, 13, 26, 25
)
def test_config_accepts_a_terminal_id_that_fits(tmp_path: Path, terminal_id: str) -> None:
    path = tmp_path / "terminal.toml"
    path.write_text(f"[terminal]\nid = {json.dumps(terminal_id)}\n", encoding="utf-8")
    assert load_settings(path).terminal.id == terminal_id


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
    terminal_id=st.from_regex(r"[A-Z]{2,4}-[0-9]{4,6}(-[0-9]{3})?", fullmatch=True),
    outcome=st.sampled_from(CertificateOutcome),
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


@settings(max_examples=100, deadline=None)
@given(
    name=st.text(
        alphabet=st.sampled_from("张秀英*a \U00020000\U0002a6d6"), max_size=MAX_MASKED_CHARS
    ),
    id_number=st.text(alphabet=st.sampled_from("0123456789X*"), max_size=MAX_MASKED_CHARS),
)
def test_property_any_masked_text_comes_back_as_printed(name: str, id_number: str) -> None:
    cert = worst_case("SIM-0001")
    cert = dataclasses.replace(
        cert, masked_name=mask_name(name), masked_id_number=mask_id_number(id_number)
    )
    fields = verify_token(sign(cert), KEYS, today=TODAY).fields
    assert fields["name"] == mask_name(name)
    assert fields["id_number"] == mask_id_number(id_number)


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
