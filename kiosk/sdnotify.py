"""systemd service notifications (the sd_notify protocol) without libsystemd. No Qt.

    notifier = Notifier.from_environment()     # None when not started by systemd
    if notifier is not None:
        notifier.ready()                        # the window is up
        every notifier.ping_interval_s:  notifier.watchdog()   # from the GUI thread's loop
        notifier.stopping()

Ping the watchdog from a timer on the Qt event loop, never from a helper thread: the point is
that a frozen GUI stops the pings, and systemd then kills and restarts the kiosk
(`WatchdogSec=` in deploy/kiosk.service). The kiosk runs as a child of the cage compositor,
so the unit sets `NotifyAccess=all`; `WATCHDOG_PID` (cage's) is therefore not compared.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)

SOCKET_ENV = "NOTIFY_SOCKET"
WATCHDOG_ENV = "WATCHDOG_USEC"


class Notifier:
    def __init__(self, address: str, watchdog_usec: int = 0) -> None:
        # "@name" is a socket in the abstract namespace (leading NUL byte).
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self.watchdog_usec = watchdog_usec

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Notifier | None:
        env = os.environ if environ is None else environ
        address = env.get(SOCKET_ENV, "")
        if not address or not (address.startswith(("/", "@"))):
            return None
        try:
            usec = int(env.get(WATCHDOG_ENV, "0") or 0)
        except ValueError:
            log.warning("ignoring malformed %s=%r", WATCHDOG_ENV, env.get(WATCHDOG_ENV))
            usec = 0
        return cls(address, max(0, usec))

    @property
    def watchdog_enabled(self) -> bool:
        return self.watchdog_usec > 0

    @property
    def ping_interval_s(self) -> float:
        """Ping at least this often: half the watchdog timeout, as systemd recommends."""
        return self.watchdog_usec / 2_000_000 if self.watchdog_enabled else 0.0

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def notify(self, message: str) -> bool:
        """Send one datagram; False (and a log line) if systemd is not listening."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self._address)
                sock.sendall(message.encode())
        except OSError as exc:
            log.warning("sd_notify %s failed: %s", message.split("=", 1)[0], exc)
            return False
        return True
