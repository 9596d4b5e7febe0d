"""The reference platform's API on a real server: registration codes, the pull feed's cursor,
operator token, bundle import, certificate verification page, OpenAPI (schemathesis).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from central.app import create_app
from central.cli import main as central_main
from central.db import PlatformDB
from central.embedded import EmbeddedPlatform
from central.legacy_schema import SCHEMA
from contract import wire
from contract.certificates import CHINA_TZ, sign_certificate
from contract.ids import uuid7
from contract.keys import public_key_raw
from kiosk.records.certificate import Certificate
from offline_queue.client import PlatformClient
from offline_queue.errors import PlatformRefused
from offline_queue.export import export_bundle
from offline_queue.keys import load_or_create
from offline_queue.registration import load_registration, register_local_terminal
from tests.queuetests.conftest import (
    ID_NUMBER,
    NAME,
    OPERATOR,
    OPERATOR_TOKEN,
    REPO_ROOT,
    Terminal,
    case_payload,
    files_of,
    make_worker,
)


def test_terminals_add_prints_a_single_use_code_on_its_last_line(
    tmp_path: Path, platform_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert central_main(["terminals", "add", "VILLAGE-7", "--db", platform_db]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    with EmbeddedPlatform(platform_db, files_dir=files_of(platform_db)) as platform:
        keys = load_or_create(tmp_path / "kiosk")
        public = wire.b64e(public_key_raw(keys.public_key))
        with PlatformClient(platform.url, keys) as client:
            with pytest.raises(PlatformRefused) as wrong:
                client.register("VILLAGE-8", code, public)  # the code is for another terminal
            assert wrong.value.status == 403
            answer = client.register("VILLAGE-7", code, public)
            assert answer["key_id"] == keys.key_id
            with pytest.raises(PlatformRefused, match="used or has expired"):
                client.register("VILLAGE-7", code, public)
        assert requests.get(f"{platform.url}/api/v1/terminals", timeout=5).status_code == 401
        admin = platform.operator_headers("admin")
        listed = requests.get(f"{platform.url}/api/v1/terminals", headers=admin, timeout=5).json()
        assert listed[0]["terminal_id"] == "VILLAGE-7"
        assert listed[0]["public_key"] == public


def test_the_feed_cursor_stays_stable_while_cases_arrive(terminal: Terminal) -> None:
    worker = make_worker(terminal.store, terminal.keys, terminal.url)
    first = [terminal.store.enqueue("pension_check", case_payload(i), {}) for i in range(5)]
    worker.drain(10)
    page = requests.get(f"{terminal.url}/api/v1/cases?limit=3", headers=OPERATOR, timeout=5).json()
    seen = [item["case_id"] for item in page["items"]]
    cursor = page["next"]
    later = [terminal.store.enqueue("pension_check", case_payload(i), {}) for i in range(5)]
    worker.drain(10)
    worker.client.close()
    while cursor is not None:
        page = requests.get(
            f"{terminal.url}/api/v1/cases?after={cursor}&limit=3", headers=OPERATOR, timeout=5
        )
        body = page.json()
        seen += [item["case_id"] for item in body["items"]]
        cursor = body["next"] or None if body["items"] else None
    assert seen == first + later
    # asking again from the end gives nothing new, and a null cursor
    end = requests.get(f"{terminal.url}/api/v1/cases?after=10", headers=OPERATOR, timeout=5).json()
    assert end == {"items": [], "next": None}
    detail = requests.get(
        f"{terminal.url}/api/v1/cases/{first[0]}", headers=OPERATOR, timeout=5
    ).json()
    assert detail["payload"]["resident"]["name"] == NAME
    missing = requests.get(f"{terminal.url}/api/v1/cases/{uuid7()}", headers=OPERATOR, timeout=5)
    assert missing.status_code == 404


def test_the_bootstrap_token_from_the_environment_opens_every_scope(platform_db: str) -> None:
    files = files_of(platform_db)
    with EmbeddedPlatform(platform_db, files_dir=files, operator_token=OPERATOR_TOKEN) as platform:
        url = f"{platform.url}/api/v1/cases"
        assert requests.get(url, timeout=5).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert requests.get(url, headers=wrong, timeout=5).status_code == 401
        assert requests.get(url, headers=OPERATOR, timeout=5).json() == {"items": [], "next": None}
        terminals = requests.get(f"{platform.url}/api/v1/terminals", headers=OPERATOR, timeout=5)
        assert terminals.status_code == 200
        assert requests.get(f"{platform.url}/api/v1/health", timeout=5).status_code == 200


def test_an_exported_bundle_imports_and_the_resend_acknowledges(terminal: Terminal) -> None:
    ids = [
        terminal.store.enqueue("pension_check", case_payload(i), {"f.jpg": b"\xff\xd8"})
        for i in range(4)
    ]
    registration = load_registration(terminal.data_dir)
    result = export_bundle(terminal.store, terminal.keys, registration, terminal.data_dir / "usb")
    assert result.count == 4
    raw = result.path.read_bytes()
    assert NAME.encode() not in raw and ID_NUMBER.encode() not in raw
    # the cases stay until the platform acknowledges them
    assert terminal.store.status()["pending"] == 4
    bundle = json.loads(raw)
    tampered = dict(bundle, terminal_id="SOMEONE-ELSE")
    assert (
        requests.post(f"{terminal.url}/api/v1/bundles", json=bundle, timeout=5).status_code == 401
    )
    refused = requests.post(
        f"{terminal.url}/api/v1/bundles", json=tampered, headers=OPERATOR, timeout=5
    )
    assert refused.status_code == 403
    imported = requests.post(
        f"{terminal.url}/api/v1/bundles", json=bundle, headers=OPERATOR, timeout=5
    ).json()
    assert [r["status"] for r in imported["results"]] == ["accepted"] * 4
    assert sorted(imported["receipt"]["cases"]) == sorted(ids)
    again = requests.post(
        f"{terminal.url}/api/v1/bundles", json=bundle, headers=OPERATOR, timeout=5
    ).json()
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 4
    feed = requests.get(f"{terminal.url}/api/v1/cases", headers=OPERATOR, timeout=5).json()["items"]
    assert [item["case_id"] for item in feed] == ids
    assert {item["source"] for item in feed} == {"bundle"}
    worker = make_worker(terminal.store, terminal.keys, terminal.url)
    report = worker.drain(10)  # when the link comes: duplicates = acknowledged
    worker.client.close()
    assert report.acked == 4
    assert terminal.store.status()["acked"] == 4


def test_verify_page_checks_certificate_tokens_against_terminal_keys(terminal: Terminal) -> None:
    certificate = Certificate(
        certificate_no="261124-7KQ2M",
        service="pension_check",
        masked_name="张*英",
        masked_id_number="1101**********1239",
        verified_at=dt.datetime(2026, 11, 24, 9, 30, tzinfo=CHINA_TZ),
        valid_until=dt.date(2099, 1, 31),
        service_point="示范村便民服务站",
        terminal_id="TEST-0001",
    )
    token = sign_certificate(
        certificate.token_fields(), terminal.keys.signing_key, terminal.keys.key_id
    )
    page = requests.get(f"{terminal.url}/verify/{token}", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "证书有效" in page.text and "261124-7KQ2M" in page.text
    as_json = requests.get(f"{terminal.url}/verify/{token}?format=json", timeout=5).json()
    assert as_json["valid"] is True
    assert as_json["fields"]["certificate_no"] == "261124-7KQ2M"
    assert requests.get(f"{terminal.url}/api/v1/verify/{token}", timeout=5).json()["valid"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    bad = requests.get(
        f"{terminal.url}/verify/{forged}", headers={"Accept": "application/json"}, timeout=5
    ).json()
    assert bad["valid"] is False
    html = requests.get(f"{terminal.url}/verify/%3Cscript%3E", timeout=5).text
    assert "<script>" not in html and "证书无效" in html


def _certificate(
    terminal_id: str, verified_at: dt.datetime, no: str = "261124-7KQ2M"
) -> Certificate:
    return Certificate(
        certificate_no=no,
        service="pension_check",
        masked_name="张*英",
        masked_id_number="1101**********1239",
        verified_at=verified_at.astimezone(CHINA_TZ).replace(microsecond=0),
        valid_until=dt.date(2099, 1, 31),
        service_point="示范村便民服务站",
        terminal_id=terminal_id,
    )


def _verify(url: str, token: str) -> dict[str, object]:
    answer: dict[str, object] = requests.get(f"{url}/api/v1/verify/{token}", timeout=5).json()
    return answer


def test_re_registering_keeps_old_keys_for_certificates_but_not_for_requests(
    terminal: Terminal, platform: EmbeddedPlatform, tmp_path: Path
) -> None:
    old = terminal.keys
    before = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    old_token = sign_certificate(
        _certificate("TEST-0001", before).token_fields(), old.signing_key, old.key_id
    )
    # The terminal is replaced: new hardware, new keys, a new one-time code, the same id.
    new = register_local_terminal(platform, tmp_path / "replacement", "TEST-0001")
    assert new.key_id != old.key_id

    printed_before = _verify(terminal.url, old_token)
    assert printed_before["valid"] is True, printed_before["reason"]
    page = requests.get(f"{terminal.url}/verify/{old_token}", timeout=5).text
    assert "证书有效" in page
    after = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    late = sign_certificate(
        _certificate("TEST-0001", after, "261124-LATE1").token_fields(), old.signing_key, old.key_id
    )
    refused = _verify(terminal.url, late)  # the old key kept signing after it was replaced
    assert refused["valid"] is False and "replaced" in str(refused["reason"])
    current = sign_certificate(
        _certificate("TEST-0001", after).token_fields(), new.signing_key, new.key_id
    )
    assert _verify(terminal.url, current)["valid"] is True

    # Requests and cases need the current key.
    with PlatformClient(terminal.url, old) as stale, pytest.raises(PlatformRefused) as err:
        stale.send_batch([])
    assert err.value.status == 401
    case_id = terminal.store.enqueue("pension_check", case_payload(0), {})
    with PlatformClient(terminal.url, new) as client:
        answer = client.send_batch([terminal.store.envelope(case_id)])  # signed by the old key
    assert answer[0]["status"] == "rejected" and "another key" in answer[0]["reason"]

    listed = requests.get(f"{terminal.url}/api/v1/terminals", headers=OPERATOR, timeout=5).json()
    entry = next(t for t in listed if t["terminal_id"] == "TEST-0001")
    assert entry["key_id"] == new.key_id
    assert [k["key_id"] for k in entry["previous_keys"]] == [old.key_id]
    assert entry["previous_keys"][0]["public_key"] == wire.b64e(public_key_raw(old.public_key))


def test_keys_registered_before_the_key_history_still_verify(tmp_path: Path) -> None:
    # A platform database from before the terminal_keys table (schema version 1 only).
    path = tmp_path / "old.sqlite3"
    keys = load_or_create(tmp_path / "kiosk")
    public = wire.b64e(public_key_raw(keys.public_key))
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        conn.executescript(SCHEMA[0][1])
        conn.execute("INSERT INTO schema_migrations VALUES (1, '2026-01-01T00:00:00+00:00')")
        conn.execute(
            "INSERT INTO terminals VALUES (?, ?, ?, ?, 'active')",
            ["OLD-1", keys.key_id, public, "2026-01-01T00:00:00+00:00"],
        )
    conn.close()
    db = PlatformDB(path)
    try:
        assert set(db.public_keys()) == {keys.key_id}
        assert db.terminal_by_key(keys.key_id) is not None
        assert db.terminals()[0]["previous_keys"] == []
    finally:
        db.close()


# schemathesis' lazy fixture loader does not run under this pytest, so the app is built once
# at import, on an in-memory database.
# It is given the bootstrap token, so operator routes answer beyond 401.
_SCHEMA_DB = PlatformDB(Path(":memory:"))
_SCHEMA_DB.add_terminal("SCHEMA-1")
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(_SCHEMA_DB, operator_token=OPERATOR_TOKEN), headers=OPERATOR
)


@schema.auth()
class _OperatorAuth:
    """The operator token on the generated requests (schemathesis leaves it off where it
    checks that a route refuses a request without it)."""

    def get(self, case: schemathesis.Case, context: object) -> str:
        return OPERATOR_TOKEN

    def set(self, case: schemathesis.Case, data: str, context: object) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_published_openapi_document_is_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert central_main(["openapi", "--out", str(tmp_path / "openapi.json")]) == 0
    current = json.loads((tmp_path / "openapi.json").read_text(encoding="utf-8"))
    published = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert published == current, "regenerate: kiosk-central openapi --out docs/openapi.json"
