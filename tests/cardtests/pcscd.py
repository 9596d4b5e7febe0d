"""Run a real pcscd (with vsmartcard's vpcd driver) for the card tests and the benchmark.

Only one pcscd can run on a machine. `Pcscd.session()` reuses a pcscd that is already running
when it shows the vpcd reader, stops one that does not, and otherwise starts its own
(`pcscd -f -a`, in the foreground, no systemd) and stops it at the end.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from smartcard import scard

log = logging.getLogger(__name__)

VPCD_READER = "Virtual PCD 00 00"


class PcscdError(RuntimeError):
    pass


def running_pids() -> list[int]:
    """Live (not zombie) pcscd processes."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        state = stat[stat.rfind(")") + 2 :].split(" ", 1)[0]
        if name == "pcscd" and state not in ("Z", "X"):
            pids.append(int(entry.name))
    return pids


def vpcd_visible() -> bool:
    rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rc != scard.SCARD_S_SUCCESS:
        return False
    try:
        rc, readers = scard.SCardListReaders(context, [])
        return rc == scard.SCARD_S_SUCCESS and VPCD_READER in readers
    finally:
        scard.SCardReleaseContext(context)


def service_answers() -> bool:
    rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rc != scard.SCARD_S_SUCCESS:
        return False
    scard.SCardReleaseContext(context)
    return True


class Pcscd:
    """A pcscd this process started (`owned`) or found running with vpcd (not owned)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self.owned = False
        self.log_path = Path(tempfile.gettempdir()) / f"kiosk-test-pcscd-{os.getpid()}.log"

    @classmethod
    def session(cls) -> Pcscd:
        daemon = cls()
        if shutil.which("pcscd") is None:
            raise PcscdError("pcscd is not installed (Debian: pcscd vsmartcard-vpcd)")
        found = running_pids()
        if found and vpcd_visible():
            log.info("reusing the running pcscd %s", found)
            return daemon
        for pid in found:  # a pcscd without the virtual reader is of no use to the tests
            log.warning("stopping pcscd %d: it shows no vpcd reader", pid)
            os.kill(pid, signal.SIGTERM)
        _wait(lambda: not running_pids(), 10.0, "the old pcscd to exit")
        daemon.start()
        return daemon

    def start(self, timeout_s: float = 15.0, *, with_vpcd: bool = True) -> None:
        """Start pcscd; `with_vpcd=False` gives it an empty reader configuration instead.

        pcsc-lite cannot drop a reader.conf reader while running (its reload is cancelled
        once the file changed, and vpcd never reports itself gone), so a restart without the
        vpcd reader is how the tests unplug it.
        """
        command = ["pcscd", "-f", "-a"]  # foreground; -a logs APDUs to the log file
        if not with_vpcd:
            empty = Path(tempfile.gettempdir()) / f"kiosk-test-no-readers-{os.getpid()}"
            empty.mkdir(exist_ok=True)
            command += ["-c", str(empty)]
        with self.log_path.open("ab") as log_file:
            self._proc = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        self.owned = True
        if with_vpcd:
            _wait(vpcd_visible, timeout_s, "pcscd to show the vpcd reader")
        else:
            _wait(service_answers, timeout_s, "pcscd to answer")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the pcscd this object started (reused ones are left alone)."""
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout_s)
        self._proc = None
        _wait(lambda: not running_pids(), timeout_s, "pcscd to exit")


def _wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise PcscdError(f"timed out waiting for {what}")
