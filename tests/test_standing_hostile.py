"""查询认证结果 against a hostile or broken platform, over real HTTP (a local server playing the
platform): whatever it answers that is not the platform's signed answer to this request is
refused, and the terminal answers from what it holds, never with the platform's words. Real
stores; the synced decisions are the in-memory `HeldDecisions` (said in test_resident_lookup)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contract import wire
from contract.decisions import ResidentStanding, Standing, sign_standing
from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, Service
from kiosk.records.recorder import CaseRecorder
from kiosk.records.standing import ResidentLookup
from offline_queue.client import MAX_STANDING_BYTES, PlatformClient
from tests.printtests import test_resident_lookup as lookup_tests
from tests.printtests.test_resident_lookup import (
    ID_NUMBER,
    TODAY,
    HeldDecisions,
    resident,
    window_end,
)

PLATFORM = Ed25519PrivateKey.generate()
recorder = lookup_tests.recorder  # the fixture: real case and print-job stores
Reply = Callable[[dict[str, str], bytes], tuple[int, bytes, str]]


def standing_for(nonce: str, key: Ed25519PrivateKey = PLATFORM) -> bytes:
    at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    answer = ResidentStanding(
        nonce,
        Standing.VERIFIED,
        str(TODAY.year),
        valid_until=window_end(TODAY).isoformat(),
        verified_at=at,
        channel="kiosk",
    )
    return json.dumps(sign_standing(key, answer)).encode()


REPLIES: dict[str, Reply] = {
    "captive portal page": lambda h, b: (200, b"<html>login</html>", "text/html"),
    "too large": lambda h, b: (200, b'{"pad": "' + b"x" * MAX_STANDING_BYTES + b'"}', "json"),
    "server error": lambda h, b: (500, b"{}", "json"),
    "unauthorised": lambda h, b: (401, b'{"detail": "unknown key"}', "json"),
    "no such route": lambda h, b: (404, b"{}", "json"),
    "signed by another key": lambda h, b: (
        200,
        standing_for(h[wire.HEADER_NONCE], Ed25519PrivateKey.generate()),
        "json",
    ),
    "an answer to another request": lambda h, b: (200, standing_for("a" * 32), "json"),
    "cut off": lambda h, b: (200, standing_for(h[wire.HEADER_NONCE])[:40], "json"),
}


@pytest.fixture
def platform() -> Iterator[tuple[str, list[Reply], list[tuple[str, bytes]]]]:
    """A local HTTP server; the test sets how it replies and sees what it was sent."""
    reply: list[Reply] = []
    seen: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.append((self.path, body))
            status, data, kind = reply[0](dict(self.headers), body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if kind == "json" else kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="hostile-platform", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", reply, seen
    server.shutdown()
    server.server_close()
    thread.join()


def asking(recorder: CaseRecorder, url: str) -> tuple[ResidentLookup, PlatformClient]:
    client = PlatformClient(url, recorder.keys, timeout_s=3.0)
    held = HeldDecisions(waiting={ID_NUMBER})  # what the terminal holds: a check waiting
    return ResidentLookup(recorder, held, client, PLATFORM.public_key()), client


def test_the_platforms_signed_answer_to_this_request_is_believed(
    recorder: CaseRecorder, platform: tuple[str, list[Reply], list[tuple[str, bytes]]]
) -> None:
    url, reply, seen = platform
    reply.append(lambda h, b: (200, standing_for(h[wire.HEADER_NONCE]), "json"))
    lookup, client = asking(recorder, url)
    try:
        found = lookup.lookup(Service.QUERY, resident())
    finally:
        client.close()
    assert (found.outcome, found.answered_by) == (Outcome.VERIFIED, "platform")
    [(path, body)] = seen
    assert path == "/api/v1/residents/standing" and ID_NUMBER not in path  # never in a URL
    assert json.loads(body) == {"id_number": ID_NUMBER}  # in the signed body


@pytest.mark.parametrize("kind", list(REPLIES))
def test_anything_else_is_refused_and_the_terminal_answers(
    recorder: CaseRecorder,
    platform: tuple[str, list[Reply], list[tuple[str, bytes]]],
    kind: str,
) -> None:
    url, reply, seen = platform
    reply.append(REPLIES[kind])
    lookup, client = asking(recorder, url)
    try:
        found = lookup.lookup(Service.QUERY, resident())
    finally:
        client.close()
    assert len(seen) == 1  # asked once
    assert found == ev.LookupDone(Outcome.PENDING, answered_by="terminal")


def test_plain_http_to_another_machine_is_never_used(recorder: CaseRecorder) -> None:
    from offline_queue.errors import InvalidPlatformURL

    with pytest.raises(InvalidPlatformURL):
        PlatformClient("http://192.0.2.10:8000", recorder.keys)
