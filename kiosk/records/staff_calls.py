"""Staff calls on the terminal, without Qt: the records that go to the platform and the
deployer's local hook (a buzzer, a signal light).

A call is recorded twice through the outbox, with the same call id (contract.staff_calls):
"open" the moment it goes out, so the platform shows it open even when the link is down at
its end, and its end (answered, cancelled, timed_out) when it ends. The times are taken when
things happen (on the GUI thread); the records are written later, off it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contract.certificates import CHINA_TZ
from contract.ids import uuid7
from contract.staff_calls import (
    ANSWERED,
    OPEN,
    STAFF_CALL_KIND,
    staff_call_payload,
)

log = logging.getLogger(__name__)

HOOK_OUTPUT_LOGGED = 200  # characters of a failing hook's stderr in the log
Enqueue = Callable[[str, dict[str, Any], dict[str, bytes]], str]  # CaseStore.enqueue


def now_iso() -> str:
    return dt.datetime.now(CHINA_TZ).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class OpenCall:
    reason: str
    called_at: str = field(default_factory=now_iso)
    call_id: str = field(default_factory=uuid7)


class StaffCallRecorder:
    """Builds a call's two records and stores them (`record` runs off the GUI thread)."""

    def __init__(
        self,
        enqueue: Enqueue,
        terminal_id: str,
        service_point: str,
        *,
        after_enqueue: Callable[[], None] | None = None,
    ) -> None:
        self._enqueue = enqueue
        self.terminal_id = terminal_id
        self.service_point = service_point
        self._after_enqueue = after_enqueue  # wake the sync worker: the platform sees it now

    def opening(self, call: OpenCall) -> dict[str, Any]:
        return staff_call_payload(**self._common(call), outcome=OPEN)

    def closing(
        self, call: OpenCall, outcome: str, ended_at: str, staff_id: str = ""
    ) -> dict[str, Any]:
        if outcome == ANSWERED:
            ends: dict[str, Any] = {"answered_at": ended_at, "answered_by": staff_id or "staff"}
        else:
            ends = {"cancelled_at": ended_at}
        return staff_call_payload(**self._common(call), outcome=outcome, **ends)

    def record(self, payload: dict[str, Any]) -> str:
        """Store one record (the store's errors are raised: the caller logs them)."""
        case_id = self._enqueue(STAFF_CALL_KIND, payload, {})
        if self._after_enqueue is not None:
            self._after_enqueue()
        return case_id

    def _common(self, call: OpenCall) -> dict[str, Any]:
        return {
            "call_id": call.call_id,
            "service_point": self.service_point,
            "terminal_id": self.terminal_id,
            "reason": call.reason,
            "called_at": call.called_at,
        }


class HookFailed(Exception):
    """The staff call hook could not run, failed or hung (the call goes on without it)."""


def run_hook(command: tuple[str, ...], reason: str, timeout_s: float) -> None:
    """Run the deployer's command with the reason as its last argument; raise HookFailed when it
    cannot start, exits non-zero or outlives `timeout_s` (then it is killed with everything it
    started: its own process group). Blocks: run it off the GUI thread."""
    try:
        proc = subprocess.Popen(  # noqa: S603 - the deployer's own command, from the config
            [*command, reason],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise HookFailed(f"{command[0]} cannot run: {exc.strerror or exc}") from None
    try:
        _out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise HookFailed(f"{command[0]} still running after {timeout_s:g} s: killed") from None
    if proc.returncode != 0:
        said = err.decode("utf-8", "replace").strip()[-HOOK_OUTPUT_LOGGED:]
        raise HookFailed(f"{command[0]} exited with {proc.returncode}: {said}")
