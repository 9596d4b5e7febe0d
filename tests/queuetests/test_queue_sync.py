"""Sync against the real platform on loopback: exactly once, dead letters, replay, reconnect."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from central.embedded import EmbeddedPlatform
from contract import wire
from offline_queue.client import PlatformClient, parse_retry_after
from offline_queue.errors import InvalidPlatformURL, PlatformRefused, PlatformUnreachable
from offline_queue.keys import load_or_create
from offline_queue.registration import register_local_terminal
from offline_queue.store import CaseStore
from tests.queuetests.conftest import ID_NUMBER, OPERATOR, Terminal, case_payload, make_worker

FACE = b"\xff\xd8" + b"\x10\x20" * 10_000


def feed(url: str) -> list[dict[str, object]]:
    items, cursor = [], None
    while True:
        params = {"limit": 7} if cursor is None else {"limit": 7, "after": cursor}
        page = requests.get(
            f"{url}/api/v1/cases", params=params, headers=OPERATOR, timeout=5
        ).json()
        items += page["items"]
        if page["next"] is None:
            return items
        cursor = page["next"]


def test_drain_delivers_every_case_once_and_purges_it(terminal: Terminal) -> None:
    ids = [
        terminal.store.enqueue(
            "pension_check", case_payload(i), {"face.jpg": FACE}, test=i % 2 == 0
        )
        for i in range(45)
    ]
    worker = make_worker(terminal.store, terminal.keys, terminal.url)
    report = worker.drain(30)
    worker.client.close()
    assert report.acked == 45 and report.error is None
    assert report.batches == 3  # batches of 20
    got = feed(terminal.url)
    assert [item["case_id"] for item in got] == ids
    assert sum(item["test"] for item in got) == 23
    real = requests.get(
        f"{terminal.url}/api/v1/cases?test=false&limit=100", headers=OPERATOR, timeout=5
    ).json()
    assert [item["case_id"] for item in real["items"]] == ids[1::2]
    assert got[0]["payload"] == case_payload(0)
    assert got[0]["terminal_id"] == "TEST-0001"
    face = requests.get(
        f"{terminal.url}/api/v1/cases/{ids[0]}/attachments/face.jpg", headers=OPERATOR, timeout=5
    )
    assert face.content == FACE
    status = terminal.store.status()
    assert (status["pending"], status["acked"]) == (0, 45)
    assert status["last_sync"] is not None
    assert all(terminal.store.case_info(i)["purged"] for i in ids)


def test_resend_is_a_duplicate_and_a_changed_body_is_refused(terminal: Terminal) -> None:
    case_id = terminal.store.enqueue("pension_check", case_payload(), {"face.jpg": FACE})
    envelope = terminal.store.envelope(case_id)
    with PlatformClient(terminal.url, terminal.keys) as client:
        assert client.send_batch([envelope])[0]["status"] == "accepted"
        assert client.send_batch([envelope])[0]["status"] == "duplicate"
        changed = dict(envelope, payload=dict(envelope["payload"], outcome="not_verified"))
        changed["signature"] = wire.sign_case(terminal.keys.signing_key, changed)
        answer = client.send_batch([changed])[0]
    assert answer["status"] == "rejected" and "conflict" in answer["reason"]
    assert len(feed(terminal.url)) == 1


def test_an_invalid_case_goes_to_dead_letter_and_does_not_block_the_rest(
    terminal: Terminal,
) -> None:
    good = [terminal.store.enqueue("pension_check", case_payload(i), {}) for i in range(3)]
    bad = terminal.store.enqueue("pension_check", case_payload(9), {"face.jpg": FACE})
    # Tamper with the stored signature: the platform must refuse this one case only.
    with terminal.store._db.atomic():
        terminal.store._db.execute(
            "UPDATE cases SET signature = ? WHERE id = ?", [wire.b64e(b"\0" * 64), bad]
        )
    more = [terminal.store.enqueue("pension_check", case_payload(i), {}) for i in range(3)]
    worker = make_worker(terminal.store, terminal.keys, terminal.url)
    report = worker.drain(20)
    worker.client.close()
    assert report.rejected_ids == [bad]
    assert terminal.store.case_info(bad)["status"] == "rejected"
    assert "signature" in terminal.store.case_info(bad)["last_error"]
    assert {item["case_id"] for item in feed(terminal.url)} == set(good + more)
    assert terminal.store.status()["pending"] == 0


def test_a_replayed_request_is_refused(terminal: Terminal) -> None:
    case_id = terminal.store.enqueue("pension_check", case_payload(), {})
    body = wire.canonical({"cases": [terminal.store.envelope(case_id)]})
    path = "/api/v1/ingest"
    headers = wire.sign_request(terminal.keys.signing_key, terminal.keys.key_id, "POST", path, body)
    headers["Content-Type"] = "application/json"
    first = requests.post(terminal.url + path, data=body, headers=headers, timeout=5)
    again = requests.post(terminal.url + path, data=body, headers=headers, timeout=5)
    assert first.status_code == 200
    assert again.status_code == 401
    assert "already received" in again.json()["detail"]


def test_altered_body_stale_clock_and_unknown_keys_are_refused(
    terminal: Terminal, tmp_path: Path
) -> None:
    path = "/api/v1/ingest"
    body = b'{"cases":[]}'
    signed = wire.sign_request(terminal.keys.signing_key, terminal.keys.key_id, "POST", path, body)
    altered = requests.post(terminal.url + path, data=b'{"cases": []}', headers=signed, timeout=5)
    assert altered.status_code == 401
    stale = dict(signed, **{wire.HEADER_TIME: str(int(time.time()) - 3600)})
    assert (
        requests.post(terminal.url + path, data=body, headers=stale, timeout=5).status_code == 401
    )
    stranger = load_or_create(tmp_path / "stranger")
    with PlatformClient(terminal.url, stranger) as client, pytest.raises(PlatformRefused) as err:
        client.send_batch([])
    assert err.value.status == 401


def test_reference_face_for_online_matching(terminal: Terminal, platform: EmbeddedPlatform) -> None:
    jpeg = b"\xff\xd8\xff\xe0reference"
    upload = requests.put(
        f"{terminal.url}/api/v1/admin/reference-faces/{ID_NUMBER}",
        data=jpeg,
        headers={"Content-Type": "image/jpeg", **OPERATOR},
        timeout=5,
    )
    assert upload.status_code == 204
    with PlatformClient(terminal.url, terminal.keys) as client:
        assert client.reference_face(ID_NUMBER) == jpeg
        assert client.reference_face("11010119500101123X") is None
    # unsigned requests get nothing
    plain = requests.post(
        f"{terminal.url}/api/v1/reference-faces/lookup", json={"id_number": ID_NUMBER}, timeout=5
    )
    assert plain.status_code == 401
    # the number is not in the URL any more: the old lookup path does not exist
    old = requests.get(f"{terminal.url}/api/v1/reference-faces/{ID_NUMBER}", timeout=5)
    assert old.status_code in (404, 405)
    url = terminal.url
    platform.stop()
    with PlatformClient(url, terminal.keys, timeout_s=1) as client:
        with pytest.raises(PlatformUnreachable) as offline:
            client.reference_face(ID_NUMBER)
        assert ID_NUMBER not in str(offline.value)  # the message may well be logged
        assert client.probe() is False


def test_a_reference_face_lookup_logs_no_id_number_even_at_debug(
    terminal: Terminal, platform: EmbeddedPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    # `kiosk -v` / logging.level=DEBUG: urllib3 logs every request line, uvicorn its own
    # messages; the platform runs in this process, so both sides' records land in caplog.
    platform.add_reference_face(ID_NUMBER, b"\xff\xd8\xff\xe0reference")
    other = "11010119500101123X"
    with caplog.at_level(logging.DEBUG), PlatformClient(terminal.url, terminal.keys) as client:
        assert client.reference_face(ID_NUMBER) == b"\xff\xd8\xff\xe0reference"
        assert client.reference_face(other) is None
    lookups = [r for r in caplog.records if "/api/v1/reference-faces/lookup" in r.getMessage()]
    assert len(lookups) == 2 and {r.name for r in lookups} == {"urllib3.connectionpool"}
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert ID_NUMBER not in logged and other not in logged
    assert ID_NUMBER[-8:] not in logged  # not even its tail


def test_worker_thread_syncs_on_demand_and_after_reconnect(tmp_path: Path) -> None:
    platform = EmbeddedPlatform(tmp_path / "central.sqlite3")
    platform.start()
    keys = register_local_terminal(platform, tmp_path / "kiosk", "TEST-0002")
    store = CaseStore.open(tmp_path / "kiosk" / "queue.db", keys)
    worker = make_worker(store, keys, platform.url, timeout_s=1.0)
    try:
        worker.start()
        store.enqueue("pension_check", case_payload(1), {})
        worker.sync_now()
        wait_for(lambda: store.status()["acked"] == 1)
        # the link drops: the worker notices, keeps the case, and probes
        port_url = platform.url
        platform.stop()
        store.enqueue("pension_check", case_payload(2), {})
        worker.sync_now()
        wait_for(lambda: worker.online is False)
        assert store.status()["pending"] == 1
        # the platform comes back on the same port: sent without waiting for the backoff
        platform = EmbeddedPlatform(
            tmp_path / "central.sqlite3", port=int(port_url.rsplit(":", 1)[1])
        )
        platform.start()
        wait_for(lambda: store.status()["acked"] == 2, timeout_s=10)
        assert worker.online is True
    finally:
        worker.stop()
        worker.client.close()
        store.close()
        platform.stop()


def wait_for(condition: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_backoff_grows_with_jitter_and_is_capped(terminal: Terminal) -> None:
    worker = make_worker(terminal.store, terminal.keys, terminal.url)
    worker.client.close()
    delays = [worker.backoff(n) for n in range(1, 12)]
    assert all(0.025 <= d <= 10 for d in delays)
    assert delays[5] > delays[0] * 4
    assert max(worker.backoff(30) for _ in range(50)) <= 10
    assert len({round(worker.backoff(4), 6) for _ in range(20)}) > 1  # jittered


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def _self_signed(folder: Path) -> tuple[str, str, str]:
    """A throwaway CA and a server certificate for 127.0.0.1 (cert, key, CA bundle)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiosk test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "server.pem", folder / "server.key", folder / "ca.pem"
    paths[0].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths[2].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return str(paths[0]), str(paths[1]), str(paths[2])


def test_tls_is_verified_against_the_configured_ca_bundle(tmp_path: Path) -> None:
    certfile, keyfile, ca_bundle = _self_signed(tmp_path)
    platform = EmbeddedPlatform(tmp_path / "central.sqlite3", certfile=certfile, keyfile=keyfile)
    url = platform.start()
    try:
        assert url.startswith("https://")
        with PlatformClient(url, None, timeout_s=3) as untrusting:
            with pytest.raises(PlatformUnreachable, match="TLS verification failed"):
                untrusting.register("X", "0000-0000", "AAAA")
            assert untrusting.probe() is False
        with PlatformClient(url, None, ca_bundle=ca_bundle, timeout_s=3) as trusting:
            assert trusting.probe() is True
    finally:
        platform.stop()
    with pytest.raises(ValueError, match="https"):
        PlatformClient("ftp://example.org")


@pytest.mark.parametrize(
    "url", ["http://192.0.2.10:8080", "http://platform.example.org", "http://10.0.0.1/api"]
)
def test_plain_http_to_another_machine_is_refused(url: str) -> None:
    with pytest.raises(InvalidPlatformURL) as refused:
        PlatformClient(url)
    message = str(refused.value)
    assert url in message and "https://" in message and "127.0.0.1" in message


def test_plain_http_to_this_machine_stays_allowed(platform: EmbeddedPlatform) -> None:
    port = platform.url.rsplit(":", 1)[1]
    for host in ("127.0.0.1", "localhost"):
        with PlatformClient(f"http://{host}:{port}") as client:
            assert client.probe() is True  # the embedded / demo platform
    PlatformClient("http://[::1]:8080").close()
    PlatformClient("https://platform.example.org").close()


def test_forced_sync_sends_cases_waiting_out_a_backoff(terminal: Terminal) -> None:
    case_id = terminal.store.enqueue("pension_check", case_payload(0), {"face.jpg": FACE})
    terminal.store.claim_batch(1)
    terminal.store.release([case_id], "connection reset", time.time() + 3600)  # backing off
    worker = make_worker(terminal.store, terminal.keys, terminal.url)
    try:
        assert worker.run_pass().sent == 0  # not due: an ordinary pass leaves it alone
        worker.start()
        worker.sync_now(force=True)  # the technician's "sync now"
        deadline = time.monotonic() + 15
        while terminal.store.status()["acked"] != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert terminal.store.status()["acked"] == 1
        assert [item["case_id"] for item in feed(terminal.url)] == [case_id]
    finally:
        worker.stop()
        worker.client.close()
