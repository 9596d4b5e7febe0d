"""A network receipt printer on 127.0.0.1 for tests: captures what a tcp:// target sends and
answers `DLE EOT n` real-time status requests like an Epson-compatible printer."""

from __future__ import annotations

import select
import socket
import threading

from devices.printer import status as dle
from devices.printer.base import PrinterStatus


class FakeNetworkPrinter:
    def __init__(self, state: PrinterStatus = PrinterStatus.READY, answers: bool = True) -> None:
        self.state = state
        self.answers = answers  # False: a printer (or print server) that never replies
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._received = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._drop = threading.Event()
        self._paper_left: int | None = None  # None: an endless roll
        self._thread = threading.Thread(target=self._serve, name="kiosk-fake-printer", daemon=True)
        self._thread.start()

    @property
    def target(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def run_out_of_paper_after(self, nbytes: int | None) -> None:
        """Paper for `nbytes` more bytes of data, then PAPER_OUT (None: an endless roll again).

        The bytes go on being captured, as a real printer keeps reading after its paper ends.
        """
        with self._lock:
            self._paper_left = nbytes

    def drop_connection(self) -> None:
        """Close the current client connection (a printer switched off mid-session)."""
        self._drop.set()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._listener], [], [], 0.05)
            if ready:
                conn, _ = self._listener.accept()
                with conn:
                    self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        pending = b""  # the tail of the last chunk, in case a request is split
        while not self._stop.is_set() and not self._drop.is_set():
            ready, _, _ = select.select([conn], [], [], 0.05)
            if not ready:
                continue
            chunk = conn.recv(65536)
            if not chunk:
                return
            with self._lock:
                self._received += chunk
                self._use_paper(len(chunk))
            data = pending + chunk
            for index in range(len(data) - 2):
                request = data[index : index + 3]
                if self.answers and request in dle.QUERIES and index >= len(pending) - 2:
                    conn.sendall(bytes((self._reply(request),)))
            pending = data[-2:]
        self._drop.clear()

    def _use_paper(self, nbytes: int) -> None:
        """With the lock held, before any status request in the same chunk is answered."""
        if self._paper_left is None:
            return
        self._paper_left -= nbytes
        if self._paper_left <= 0:
            self.state = PrinterStatus.PAPER_OUT

    def _reply(self, request: bytes) -> int:
        printer, cause, paper = dle.replies_for(self.state)
        return {dle.PRINTER_STATUS: printer, dle.OFFLINE_CAUSE: cause}.get(request, paper)
