"""The card side of vsmartcard's vpcd: a virtual card that pcscd sees in "Virtual PCD 00 00".

Wire protocol (see hardware-facts.md): every message is a 2-byte big-endian length, then the
payload. One byte from the reader is a control message (00 off, 01 on, 02 reset, 04 ATR?);
anything longer is a command APDU, answered with the response APDU. Connecting is inserting the
card, closing the socket is pulling it out.
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Protocol

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963  # reader "Virtual PCD 00 00"
_TCP_QUICKACK = getattr(socket, "TCP_QUICKACK", 12)


class VirtualCard(Protocol):
    atr: bytes

    def reset(self) -> None: ...

    def apdu(self, command: bytes) -> bytes: ...


class VpcdCardEmulator:
    """Puts `card` into the vpcd reader on `insert()` and takes it out on `remove()`.

    `cut_after` makes the card vanish (socket closed, no answer) when that many APDUs have
    arrived: a card lifted half-way through a read.
    """

    def __init__(self, host: str = VPCD_HOST, port: int = VPCD_PORT) -> None:
        self.host, self.port = host, port
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.apdu_count = 0
        self.cut_after: int | None = None

    def insert(self, card: VirtualCard, timeout_s: float = 5.0) -> None:
        self.remove()
        self._stop.clear()
        self.apdu_count = 0
        sock = socket.create_connection((self.host, self.port), timeout=timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(0.1)  # so the thread notices remove() promptly
        self._sock = sock
        self._thread = threading.Thread(
            target=self._serve, args=(sock, card), name="kiosk-test-vpcd-card", daemon=True
        )
        self._thread.start()

    def remove(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @property
    def inserted(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _serve(self, sock: socket.socket, card: VirtualCard) -> None:
        try:
            while not self._stop.is_set():
                payload = self._receive(sock)
                if payload is None:
                    return
                answer = self._answer(card, payload)
                if answer is None:
                    return
                if answer:
                    sock.sendall(struct.pack(">H", len(answer)) + answer)
        except OSError:
            return
        finally:
            sock.close()

    def _answer(self, card: VirtualCard, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            if payload[0] == 0x04:
                return card.atr
            if payload[0] in (0x01, 0x02):
                card.reset()
            return b""  # power off/on/reset get no answer
        self.apdu_count += 1
        if self.cut_after is not None and self.apdu_count > self.cut_after:
            return None  # lifted mid-read: vanish without answering
        return card.apdu(payload)

    def _receive(self, sock: socket.socket) -> bytes | None:
        header = self._exactly(sock, 2)
        if header is None:
            return None
        (length,) = struct.unpack(">H", header)
        return self._exactly(sock, length) if length else b""

    def _exactly(self, sock: socket.socket, count: int) -> bytes | None:
        data = b""
        while len(data) < count:
            if self._stop.is_set():
                return None
            try:
                chunk = sock.recv(count - len(data))
            except TimeoutError:
                continue
            if not chunk:
                return None
            # Without QUICKACK the kernel delays the ACK and each APDU costs ~43 ms.
            sock.setsockopt(socket.IPPROTO_TCP, _TCP_QUICKACK, 1)
            data += chunk
        return data
