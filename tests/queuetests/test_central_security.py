"""The platform as an attacker meets it, on a real `kiosk-central serve` (a child process):
closed operator routes, bodies bounded before parsing, rate limits shared by processes,
certificates bound to their terminal, revocation, per-case validation, file modes."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from central.db import PlatformDB
from contract import wire
from tests.queuetests.conftest import files_of
from tests.queuetests.platform_proc import central, enrol, serving, token

MARKER = "ECHO-ME-1234567890"  # sent in bad input: no answer may repeat it


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_operator_routes_are_closed_without_a_token_and_scoped_with_one(
    tmp_path: Path, platform_db: str
) -> None:
    db = platform_db
    with serving(db) as url:
        closed = requests.get(f"{url}/api/v1/cases", timeout=5)
        assert closed.status_code == 401 and closed.headers["WWW-Authenticate"] == "Bearer"
        for path in ("/api/v1/terminals", "/openapi.json", "/api/v1/cases/x/attachments/y"):
            assert requests.get(url + path, timeout=5).status_code in (401, 422), path
        assert requests.get(f"{url}/docs", timeout=5).status_code == 404  # not served at all
        face = requests.put(
            f"{url}/api/v1/admin/reference-faces/110101195001011239", data=b"\xff\xd8", timeout=5
        )
        assert face.status_code == 401

        feed = token(db, "odk-pull", "feed")
        faces = token(db, "enrolment", "faces")
        assert requests.get(f"{url}/api/v1/cases", headers=feed, timeout=5).status_code == 200
        wrong = requests.get(f"{url}/api/v1/cases", headers=faces, timeout=5)
        assert wrong.status_code == 403 and "feed" in wrong.json()["detail"]
        assert requests.get(f"{url}/api/v1/terminals", headers=feed, timeout=5).status_code == 403
        uploaded = requests.put(
            f"{url}/api/v1/admin/reference-faces/110101195001011239",
            data=b"\xff\xd8\xff\xe0face",
            headers={"Content-Type": "image/jpeg", **faces},
            timeout=5,
        )
        assert uploaded.status_code == 204
        # built at its first request: slow on a busy machine
        document = requests.get(f"{url}/openapi.json", headers=feed, timeout=30).json()
        assert set(document["components"]["securitySchemes"]) == {
            "operatorToken",
            "terminalSignature",
        }
        # Tokens are kept as hashes, listed without them, and revoked by name.
        listed = json.loads(central("tokens", "list", "--db", str(db)).stdout)["tokens"]
        assert [(t["name"], t["scopes"]) for t in listed] == [
            ("odk-pull", ["feed"]),
            ("enrolment", ["faces"]),
        ]
        secret = feed["Authorization"].split()[1]
        opened = PlatformDB(db, files_dir=files_of(db))
        stored = opened.rows("SELECT token_hash FROM api_tokens")
        opened.close()
        assert secret not in json.dumps(stored) and len(stored[0][0]) == 64
        assert central("tokens", "revoke", "odk-pull", "--db", str(db)).returncode == 0
        assert requests.get(f"{url}/api/v1/cases", headers=feed, timeout=5).status_code == 401


def test_a_short_bootstrap_token_is_refused_and_a_long_one_opens_every_scope(
    tmp_path: Path,
    platform_db: str,
) -> None:
    db = platform_db
    refused = central("serve", "--db", str(db), env={**os.environ, "KIOSK_CENTRAL_TOKEN": "abc"})
    assert refused.returncode == 2 and "32 characters" in refused.stderr
    bootstrap = "b" * 40
    with serving(db, env={"KIOSK_CENTRAL_TOKEN": bootstrap}) as url:
        headers = {"Authorization": f"Bearer {bootstrap}"}
        assert requests.get(f"{url}/api/v1/terminals", headers=headers, timeout=5).ok
        assert requests.get(f"{url}/api/v1/cases", headers=headers, timeout=5).ok


def _raw_post(url: str, path: str, length: int, send: bytes = b"") -> tuple[float, bytes]:
    """POST announcing `length` body bytes, sending only `send`: (seconds to answer, answer)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        started = time.perf_counter()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n"
        )
        sock.sendall(head.encode() + send)
        answer = _read_answer(sock)
        return time.perf_counter() - started, answer


def _read_answer(sock: socket.socket) -> bytes:
    """The whole answer: headers and the Content-Length bytes after them."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(65536)
        if not chunk:
            return answer
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = int(
        next(
            (
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            b"0",
        )
    )
    while len(body) < length and (chunk := sock.recv(65536)):
        body += chunk
    return head + b"\r\n\r\n" + body


def _chunked_post(url: str, path: str, chunks: int, size: int) -> tuple[float, bytes]:
    """POST a chunked body (no Content-Length) until the platform answers."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        started = time.perf_counter()
        head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nTransfer-Encoding: chunked\r\n\r\n"
        sock.sendall(head.encode())
        chunk = f"{size:x}\r\n".encode() + b"[" * size + b"\r\n"
        try:
            for _ in range(chunks):
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the platform answered and closed: read what it said
        answer = _read_answer(sock)
        return time.perf_counter() - started, answer


def test_an_oversized_body_is_refused_at_once(tmp_path: Path, platform_db: str) -> None:
    db = platform_db
    with serving(db) as url:
        for path in ("/api/v1/terminals/register", "/api/v1/ingest", "/api/v1/bundles"):
            took, answer = _raw_post(url, path, 60 * 2**20, b'{"terminal_id": "')
            status = answer.split(b"\r\n", 1)[0]
            # 413 from the length alone; an unsigned or unauthorised request may be refused
            # for that first (its headers are checked before the body): never read, never parsed
            assert status.split()[1] in (b"413", b"401"), (path, status)
            assert took < 0.5, (path, took)
            print(f"{path}: {status.decode()} after {took * 1000:.1f} ms")
        took, answer = _raw_post(url, "/api/v1/terminals/register", 60 * 2**20, b"{")
        assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
        assert answer.endswith(b'{"detail":"the request body is larger than this route accepts"}')
        assert took < 0.5
        # Without a Content-Length the count is kept while the body streams in.
        took, answer = _chunked_post(url, "/api/v1/terminals/register", 100, 64 * 1024)
        assert answer.startswith(b"HTTP/1.1 413") and took < 1.0, (took, answer[:80])
        print(f"chunked register: 413 after {took * 1000:.1f} ms")
        assert requests.get(f"{url}/api/v1/health", timeout=2).json() == {"status": "ok"}


def test_health_answers_while_the_largest_allowed_batch_is_processed(
    tmp_path: Path, platform_db: str
) -> None:
    """500 cases of the documented size (~20 KB face each), signed: the largest batch."""
    db = platform_db
    with serving(db) as url:
        kiosk = enrol(db, url, tmp_path / "kiosk", "BIG-1")
        face = b"\xff\xd8" + os.urandom(21_000)
        cases = []
        for _ in range(500):
            case = kiosk.case()
            case.pop("signature"), case.pop("attachment_data")
            case["attachments"] = {"face.jpg": {"sha256": wire.sha256_hex(face), "size": 21_002}}
            case["signature"] = wire.sign_case(kiosk.keys.signing_key, case)
            case["attachment_data"] = {"face.jpg": wire.b64e(face)}
            cases.append(case)
        body_size = len(wire.canonical({"cases": cases}))
        latencies: list[float] = []
        done = threading.Event()

        def probe() -> None:
            with requests.Session() as session:
                while not done.is_set():
                    started = time.perf_counter()
                    assert session.get(f"{url}/api/v1/health", timeout=5).ok
                    latencies.append(time.perf_counter() - started)
                    time.sleep(0.02)

        prober = threading.Thread(target=probe)
        prober.start()
        started = time.perf_counter()
        with kiosk.client() as client:
            results = client.send_batch(cases)
        took = time.perf_counter() - started
        done.set()
        prober.join()
        assert [r["status"] for r in results] == ["accepted"] * 500
        print(
            f"batch {body_size / 2**20:.1f} MiB in {took:.2f} s; health max "
            f"{max(latencies) * 1000:.0f} ms over {len(latencies)} probes"
        )
        assert max(latencies) < 0.5
        assert len(latencies) >= 3


def test_repeated_wrong_registration_codes_get_429_across_two_processes(
    tmp_path: Path, platform_db: str
) -> None:
    """Two `serve` processes on one database count together (the limit state is in it)."""
    db = platform_db
    assert central("terminals", "add", "V-1", "--db", str(db)).returncode == 0
    with serving(db) as first, serving(db) as second:
        answers = []
        for attempt in range(6):
            url = (first, second)[attempt % 2]
            body = {"terminal_id": "V-1", "code": f"WRONG-{attempt}", "public_key": "AAAA"}
            answers.append(requests.post(f"{url}/api/v1/terminals/register", json=body, timeout=5))
        assert [a.status_code for a in answers] == [403] * 5 + [429]
        assert int(answers[-1].headers["Retry-After"]) > 0
        # The limit is per terminal id: another id from the same address still gets an answer,
        # until the per-address limit (20 an hour) is spent too.
        statuses = [
            requests.post(
                f"{first}/api/v1/terminals/register",
                json={"terminal_id": f"OTHER-{i}", "code": "WRONG-000", "public_key": "AAAA"},
                timeout=5,
            ).status_code
            for i in range(16)
        ]
        assert statuses == [403] * 14 + [429] * 2
        # A new code from the operator clears the terminal id's limit (not the address's).
        assert central("terminals", "add", "V-1", "--db", str(db)).returncode == 0


def test_reference_face_lookups_are_limited_per_terminal(tmp_path: Path, platform_db: str) -> None:
    db = platform_db
    with serving(db) as url:
        kiosk = enrol(db, url, tmp_path / "kiosk", "FACES-1")
        with kiosk.client() as client:
            for _ in range(120):
                assert client.reference_face("110101195001011239") is None  # 404: none enrolled
            body = wire.canonical({"id_number": "110101195001011239"})
            path = "/api/v1/reference-faces/lookup"
            signed = wire.sign_request(
                kiosk.keys.signing_key, kiosk.keys.key_id, "POST", path, body
            )
            limited = requests.post(url + path, data=body, headers=signed, timeout=5)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_a_certificate_signed_by_one_terminal_naming_another_is_refused(
    tmp_path: Path, platform_db: str
) -> None:
    db = platform_db
    with serving(db) as url:
        a = enrol(db, url, tmp_path / "a", "VILLAGE-A", "甲村便民服务站")
        b = enrol(db, url, tmp_path / "b", "VILLAGE-B")
        genuine = requests.get(f"{url}/api/v1/verify/{a.certificate('261124-AAAAA')}", timeout=5)
        assert genuine.json()["valid"] is True
        assert genuine.json()["service_point"] == "甲村便民服务站"
        forged = b.certificate("261124-BBBBB", names_terminal="VILLAGE-A")
        answer = requests.get(f"{url}/api/v1/verify/{forged}", timeout=5).json()
        assert answer["valid"] is False
        assert "does not belong to the terminal it names" in answer["reason"]
        page = requests.get(f"{url}/verify/{forged}", timeout=5).text
        assert "证书无效" in page and "签名与它所写的服务终端不符" in page
        assert "261124-BBBBB" not in page  # a forgery's text is not shown as a certificate


def test_after_revocation_only_certificates_recorded_before_verify(
    tmp_path: Path, platform_db: str
) -> None:
    db = platform_db
    with serving(db) as url:
        kiosk = enrol(db, url, tmp_path / "kiosk", "LOST-1", "乙村便民服务站")
        recorded = kiosk.certificate("261124-REC01")
        unrecorded = kiosk.certificate("261124-NOREC")
        payload = {
            "service": "pension_check",
            "outcome": "verified",
            "certificate": {"certificate_no": "261124-REC01", "token": recorded},
        }
        with kiosk.client() as client:
            assert client.send_batch([kiosk.case(payload)])[0]["status"] == "accepted"
        before = requests.get(f"{url}/api/v1/verify/{unrecorded}", timeout=5).json()
        assert before["valid"] is True and before["recorded_at"] is None  # still offline, say
        page = requests.get(f"{url}/verify/{unrecorded}", timeout=5).text
        assert "平台尚未收到本次认证的记录" in page

        revoked = central("terminals", "revoke", "LOST-1", "--db", str(db))
        assert revoked.returncode == 0 and "1 key(s) revoked" in revoked.stdout

        kept = requests.get(f"{url}/api/v1/verify/{recorded}", timeout=5).json()
        assert kept["valid"] is True and kept["recorded_at"], kept
        page = requests.get(f"{url}/verify/{recorded}", timeout=5).text
        assert "证书有效" in page and "收到本次认证的记录" in page
        refused = requests.get(f"{url}/api/v1/verify/{unrecorded}", timeout=5).json()
        assert refused["valid"] is False and "revoked" in refused["reason"]
        # The stolen key can neither sync a case now nor mint one the platform will take.
        with kiosk.client() as client, pytest.raises(Exception, match="401"):
            client.send_batch([kiosk.case()])
        listed = json.loads(central("terminals", "list", "--db", str(db)).stdout)
        assert listed[0]["status"] == "revoked" and listed[0]["revoked_at"]


def test_a_malformed_case_is_rejected_alone_with_its_reason(
    tmp_path: Path, platform_db: str
) -> None:
    db = platform_db
    with serving(db) as url:
        kiosk = enrol(db, url, tmp_path / "kiosk", "BATCH-1")
        good = kiosk.case()
        yes = kiosk.case(test="yes")  # signed as sent: only the type is wrong
        listed = kiosk.case()
        listed["attachment_data"] = ["not", "an", "object"]
        extra = kiosk.case()
        extra["unsigned"] = MARKER
        not_a_case = [MARKER]
        with kiosk.client() as client:
            results = client.send_batch([good, yes, listed, extra, not_a_case])  # type: ignore[list-item]
        assert [r["status"] for r in results] == ["accepted"] + ["rejected"] * 4
        assert results[1]["reason"] == "invalid: test: Input should be a valid boolean"
        assert "attachment_data" in results[2]["reason"]
        assert "unsigned" in results[3]["reason"]
        assert results[4]["case_id"] == ""
        assert MARKER not in json.dumps(results)
        feed = requests.get(
            f"{url}/api/v1/cases", headers=token(db, "feed", "feed"), timeout=5
        ).json()
        assert [item["case_id"] for item in feed["items"]] == [good["case_id"]]
        assert feed["items"][0]["test"] is True


def test_case_ids_are_unique_per_terminal(tmp_path: Path, platform_db: str) -> None:
    db = platform_db
    with serving(db) as url:
        a = enrol(db, url, tmp_path / "a", "A-1")
        b = enrol(db, url, tmp_path / "b", "B-1")
        mine = a.case()
        squatter = b.case(case_id=mine["case_id"])  # B learnt A's id and sent it first
        with b.client() as client:
            assert client.send_batch([squatter])[0]["status"] == "accepted"
        with a.client() as client:
            assert client.send_batch([mine])[0]["status"] == "accepted"
            assert client.send_batch([mine])[0]["status"] == "duplicate"
        feed = token(db, "feed", "feed")
        detail = f"{url}/api/v1/cases/{mine['case_id']}"
        assert requests.get(detail, headers=feed, timeout=5).status_code == 409
        own = requests.get(detail, params={"terminal_id": "A-1"}, headers=feed, timeout=5)
        assert own.json()["terminal_id"] == "A-1" and own.json()["key_id"] == a.keys.key_id
        face = requests.get(
            f"{detail}/attachments/face.jpg", params={"terminal_id": "A-1"}, headers=feed, timeout=5
        )
        assert face.content == wire.b64d(mine["attachment_data"]["face.jpg"])


def test_error_answers_never_repeat_the_input(tmp_path: Path, platform_db: str) -> None:
    db = platform_db
    with serving(db) as url:
        answers = [
            requests.post(
                f"{url}/api/v1/terminals/register",
                json={"terminal_id": 7, "code": [MARKER], "public_key": {MARKER: MARKER}},
                timeout=5,
            ),
            requests.post(f"{url}/api/v1/terminals/register", data=f'{{"{MARKER}', timeout=5),
            requests.get(f"{url}/api/v1/cases?after={MARKER}", timeout=5),
            requests.get(f"{url}/api/v1/verify/{MARKER}.{MARKER}.{MARKER}", timeout=5),
            requests.get(f"{url}/verify/{MARKER}?format={MARKER}", timeout=5),
        ]
        assert [a.status_code for a in answers] == [422, 422, 401, 200, 422]
        for answer in answers:
            assert MARKER not in answer.text, answer.text


def test_every_answer_carries_the_security_headers(tmp_path: Path, platform_db: str) -> None:
    db = platform_db
    with serving(db) as url:
        for path in ("/verify/a.b.c", "/api/v1/health", "/api/v1/cases", "/nowhere"):
            headers = requests.get(url + path, timeout=5).headers
            csp = headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
            assert "script-src" not in csp and "unsafe-inline" not in csp
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "no-referrer"
            assert headers["X-Frame-Options"] == "DENY"
            assert "server" not in {name.lower() for name in headers}


def test_database_wal_and_keys_are_private_and_old_keys_leave_the_database(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "platform"
    db = folder / "central.sqlite3"
    with serving(db) as url:
        enrol(db, url, tmp_path / "kiosk", "MODES-1")  # writes: the WAL exists now
        assert mode(folder) == 0o700
        for suffix in ("", "-wal", "-shm"):
            assert mode(db.with_name(db.name + suffix)) == 0o600, suffix
        keys = db.with_name("central.sqlite3.keys")
        assert mode(keys) == 0o700
        assert sorted(p.name for p in keys.iterdir()) == [
            "bundle_x25519.key",
            "receipt_ed25519.key",
        ]
        assert all(mode(p) == 0o600 for p in keys.iterdir())

    # A database from before: 0644, keys inside it. Opening it moves them out.
    old = tmp_path / "old" / "central.sqlite3"
    PlatformDB(old).close()
    raw = (old.with_name("central.sqlite3.keys") / "receipt_ed25519.key").read_bytes()
    for key_file in old.with_name("central.sqlite3.keys").iterdir():
        key_file.unlink()
    with sqlite3.connect(old) as conn:
        conn.execute("INSERT INTO platform_keys VALUES ('receipt_ed25519', ?)", [raw])
        conn.execute("DELETE FROM platform_identity")  # that release recorded no public keys
    conn.close()
    os.chmod(old, 0o644)
    reopened = PlatformDB(old)
    try:
        assert reopened.rows("SELECT COUNT(*) FROM platform_keys") == [(0,)]
        assert reopened.receipt_public_b64  # the same key, now from its file
    finally:
        reopened.close()
    assert mode(old) == 0o600
    moved = old.with_name("central.sqlite3.keys") / "receipt_ed25519.key"
    assert moved.read_bytes() == raw and mode(moved) == 0o600
    os.chmod(moved, 0o644)
    with pytest.raises(Exception, match="chmod 600"):
        PlatformDB(old)


def test_import_refuses_deeply_nested_json_in_one_line(tmp_path: Path) -> None:
    bundle = tmp_path / "nested.kbundle.json"
    bundle.write_text("[" * 200_000 + "]" * 200_000)
    done = central("import", str(bundle), "--db", str(tmp_path / "central.sqlite3"))
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1 and "not a bundle" in done.stderr
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
