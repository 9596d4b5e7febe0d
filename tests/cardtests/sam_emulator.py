"""A GA 467 ID card reader (its SAM side) on a pseudo-terminal pair, with fault knobs.

The reader under test opens `emulator.port` (the pty's slave path) as its serial port; this
thread answers on the master side. Framing here is written from the spec independently of
`devices.card_reader.ga467`, so the codec is checked against the spec, not against itself.

Knobs (set any time): `card` (None = no card), `silent`, `bad_checksum` (set of commands whose
answer gets a wrong XOR), `corrupt_next` (that many of the next answers get a wrong XOR),
`garbled` (set of commands answered with line noise only, never a whole frame), `split`
(answers dribble out a few bytes at a time), `garbage` (noise before every answer), `status`
(command -> SW3 to answer instead), `pace_baud` (sleep the wire time a real line would take).
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import threading
import time
import tty
from dataclasses import dataclass, field

PREAMBLE = bytes([0xAA, 0xAA, 0xAA, 0x96, 0x69])
FIND, SELECT, READ, SAM_STATUS = (0x20, 0x01), (0x20, 0x02), (0x30, 0x01), (0x11, 0xFF)


@dataclass
class IdCard:
    name: str = "张秀英"
    sex: str = "2"
    nation: str = "01"
    birth_date: str = "19500101"
    address: str = "示范省示范市示范县示范村1号"
    id_number: str = "110101195001011239"
    authority: str = "示范县公安局"
    valid_from: str = "20160301"
    valid_to: str = "长期"
    photo: bytes = field(default_factory=lambda: bytes(range(256)) * 4)  # 1024 "WLT" bytes

    def text(self) -> bytes:
        widths = (15, 1, 2, 8, 35, 18, 15, 8, 8, 18)
        values = (
            self.name,
            self.sex,
            self.nation,
            self.birth_date,
            self.address,
            self.id_number,
            self.authority,
            self.valid_from,
            self.valid_to,
            "",
        )
        chars = "".join(v.ljust(w)[:w] for v, w in zip(values, widths, strict=True))
        return chars.encode("utf-16-le")  # 128 characters = 256 bytes

    def read_data(self) -> bytes:
        text = self.text()
        return len(text).to_bytes(2, "big") + len(self.photo).to_bytes(2, "big") + text + self.photo


def frame(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    check = 0
    for byte in length + body:
        check ^= byte
    return PREAMBLE + length + body + bytes([check])


class SamEmulator:
    def __init__(self, card: IdCard | None = None) -> None:
        self.card = card
        self.silent = False
        self.bad_checksum: set[tuple[int, int]] = set()
        self.corrupt_next = 0
        self.garbled: set[tuple[int, int]] = set()
        self.split = False
        self.garbage = b""
        self.status: dict[tuple[int, int], int] = {}
        self.pace_baud: int | None = None
        self.commands: list[tuple[int, int]] = []
        self.command_times: list[float] = []
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        tty.setraw(self._master)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="kiosk-test-sam", daemon=True)

    def __enter__(self) -> SamEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                buffer += os.read(self._master, 4096)
            except OSError:
                return
            buffer = self._handle(buffer)

    def _handle(self, buffer: bytes) -> bytes:
        while True:
            start = buffer.find(PREAMBLE)
            if start < 0 or len(buffer) < start + 7:
                return buffer[start:] if start >= 0 else buffer[-4:]
            length = int.from_bytes(buffer[start + 5 : start + 7], "big")
            end = start + 7 + length
            if len(buffer) < end:
                return buffer[start:]
            body = buffer[start + 7 : end - 1]
            buffer = buffer[end:]
            command = (body[0], body[1])
            self.commands.append(command)
            self.command_times.append(time.monotonic())
            if not self.silent:
                self._answer(command)

    def _answer(self, command: tuple[int, int]) -> None:
        sw3, data = self._result(command)
        sw3 = self.status.get(command, sw3)
        if sw3 not in (0x90, 0x9F):
            data = b""
        out = bytearray(frame(bytes([0, 0, sw3]) + data))
        if command in self.garbled:
            # A preamble with an impossible length, then noise: bytes, but never a frame.
            out = bytearray(PREAMBLE + b"\xff\xff" + bytes(range(0x20, 0x40)))
        if command in self.bad_checksum or self.corrupt_next > 0:
            self.corrupt_next = max(0, self.corrupt_next - 1)
            out[-1] ^= 0x5A
        self._write(self.garbage + bytes(out))

    def _result(self, command: tuple[int, int]) -> tuple[int, bytes]:
        card = self.card
        if command == SAM_STATUS:
            return 0x90, b""
        if command == FIND:
            return (0x9F, bytes(4)) if card else (0x80, b"")
        if command == SELECT:
            return (0x90, bytes(8)) if card else (0x81, b"")
        if command == READ:
            return (0x90, card.read_data()) if card else (0x41, b"")
        return 0x21, b""

    def _write(self, data: bytes) -> None:
        if self.pace_baud:
            time.sleep(len(data) * 10 / self.pace_baud)  # 8N1: ten bit times a byte
        if not self.split:
            os.write(self._master, data)
            return
        rng = random.Random(len(data))
        pos = 0
        while pos < len(data):
            step = rng.randint(1, 7)
            os.write(self._master, data[pos : pos + step])
            pos += step
            time.sleep(0.0005)
