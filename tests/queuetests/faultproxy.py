"""A fault-injecting HTTP proxy between the kiosk and the platform, for tests.

Each request to a path starting with `fault_prefix` takes the next scripted fault:
  reset  close the connection with a TCP RST, nothing forwarded
  500    answer 500, nothing forwarded
  429    answer 429 with Retry-After (seconds), nothing forwarded
  413    answer 413 (request too large), nothing forwarded
  slow   forward (the platform commits), then answer only after `slow_s`
  cut    forward (the platform commits), then send half the reply and close
  pass   forward
Everything else (and requests after the script ran out) passes through.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


@dataclass
class Seen:
    at: float
    path: str
    fault: str
    reply: bytes = b""  # what the platform answered, when the request was forwarded


@dataclass
class FaultScript:
    faults: deque[str]
    fault_prefix: str = "/api/v1/ingest"
    retry_after_s: int = 1
    slow_s: float = 2.0
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self, path: str) -> Seen:
        with self.lock:
            fault = "pass"
            if path.startswith(self.fault_prefix) and self.faults:
                fault = self.faults.popleft()
            seen = Seen(time.monotonic(), path, fault)
            self.seen.append(seen)
            return seen


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    upstream: tuple[str, int]
    script: FaultScript

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Broken pipes are the point of this proxy; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""

    def do_GET(self) -> None:
        self._proxy()

    def do_POST(self) -> None:
        self._proxy()

    def do_PUT(self) -> None:
        self._proxy()

    def _proxy(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        seen = self.server.script.next_fault(self.path)
        fault = seen.fault
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault in ("500", "429", "413"):
            headers = {"Content-Type": "application/json"}
            if fault == "429":
                headers["Retry-After"] = str(self.server.script.retry_after_s)
            self._reply(int(fault), headers, b'{"detail":"injected"}')
            return
        status, headers, data = self._forward(body)
        seen.reply = data
        if fault == "slow":
            time.sleep(self.server.script.slow_s)
        if fault == "cut":
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._reply(status, headers, data)

    def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        host, port = self.server.upstream
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_HEADERS}
            return response.status, kept, data
        finally:
            conn.close()

    def _reply(self, status: int, headers: dict[str, str], data: bytes) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True


class FaultProxy:
    """`with FaultProxy(upstream_url, script) as url:` runs on a thread named kiosk-testproxy."""

    def __init__(self, upstream_url: str, script: FaultScript) -> None:
        parts = urlsplit(upstream_url)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._server.script = script
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="kiosk-testproxy",
            daemon=True,
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> str:
        self._thread.start()
        return self.url

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
