"""A real HTTP server on loopback that plays a hostile or scripted platform for the answer
routes (`/api/v1/decisions`, `/api/v1/roster`): the test sets what each path answers. It does
not check request signatures (the real platform's side is tested on `EmbeddedPlatform`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# (status, headers, body) for the request's query
Reply = tuple[int, dict[str, str], bytes]
# A reply with this header has no Content-Length: its end is the connection's end.
OMIT_LENGTH = "X-Test-Omit-Length"
Route = Callable[[dict[str, str]], Reply]


@dataclass
class ScriptedPlatform:
    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)  # every path + query asked for


@contextmanager
def scripted_platform() -> Iterator[ScriptedPlatform]:
    platform = ScriptedPlatform("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            platform.seen.append(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            route = platform.routes.get(parts.path)
            status, headers, body = route(query) if route else (404, {}, b"")
            self.send_response(status)
            for name, value in headers.items():
                if name != OMIT_LENGTH:
                    self.send_header(name, value)
            if "Content-Length" not in headers and OMIT_LENGTH not in headers and status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    platform.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
