"""Printer targets from config: usb://VID:PID, serial:///dev/ttyUSB0?baud=115200,
tcp://host:9100, file:///dev/usb/lp0, cups://name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from devices.printer.base import PrinterError

Scheme = Literal["usb", "serial", "tcp", "file", "cups"]
SCHEMES: tuple[Scheme, ...] = ("usb", "serial", "tcp", "file", "cups")
BAUDS = (9600, 19200, 38400, 57600, 115200)


class InvalidTarget(PrinterError):
    """printer.target cannot be understood."""


@dataclass(frozen=True)
class Target:
    scheme: Scheme
    host: str = ""
    port: int = 9100
    path: str = ""  # serial device, file path or CUPS queue name
    baud: int = 115200
    vendor_id: int = 0
    product_id: int = 0

    def __str__(self) -> str:
        if self.scheme == "tcp":
            return f"tcp://{self.host}:{self.port}"
        if self.scheme == "usb":
            return f"usb://{self.vendor_id:04x}:{self.product_id:04x}"
        if self.scheme == "serial":
            return f"serial://{self.path}?baud={self.baud}"
        if self.scheme == "file":
            return f"file://{self.path}"
        return f"cups://{self.path}"


def _hex_id(text: str, what: str, target: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise InvalidTarget(f"{target}: {what} {text!r} is not a hex number") from None
    if not 0 <= value <= 0xFFFF:
        raise InvalidTarget(f"{target}: {what} out of range")
    return value


def parse_target(target: str) -> Target:
    """Parse a target URL; raises InvalidTarget naming what is wrong."""
    parts = urlsplit(target.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidTarget(f"{target!r}: scheme must be one of {', '.join(SCHEMES)}")
    if scheme == "usb":
        vid, _, pid = parts.netloc.partition(":")
        return Target(
            "usb",
            vendor_id=_hex_id(vid, "vendor id", target),
            product_id=_hex_id(pid, "product id", target),
        )
    if scheme == "tcp":
        if not parts.hostname:
            raise InvalidTarget(f"{target!r}: no host")
        try:
            port = parts.port or 9100
        except ValueError:
            raise InvalidTarget(f"{target!r}: bad port") from None
        return Target("tcp", host=parts.hostname, port=port)
    if scheme == "serial":
        baud_text = parse_qs(parts.query).get("baud", ["115200"])[0]
        if not baud_text.isdigit() or int(baud_text) not in BAUDS:
            raise InvalidTarget(f"{target!r}: baud must be one of {BAUDS}")
        if not parts.path:
            raise InvalidTarget(f"{target!r}: no serial device")
        return Target("serial", path=unquote(parts.path), baud=int(baud_text))
    if scheme == "file":
        if not parts.path:
            raise InvalidTarget(f"{target!r}: no file path")
        return Target("file", path=unquote(parts.path))
    name = unquote(parts.netloc + parts.path).strip("/")
    if not name:
        raise InvalidTarget(f"{target!r}: no CUPS queue name")
    return Target("cups", path=name)
