"""Carrying out the flow's staff calls (CallStaff, EndStaffCall) at the service point.

    desk = StaffCallDesk(recorder, chime, hook=("/usr/local/bin/staff-light",), parent=...)
    desk.call("resident"); ...; desk.end("answered", "0107")

A call goes out three ways, none of which blocks the GUI thread:
- the attention chime rings until the call ends (kiosk.voice.chime), where staff can hear it;
- the deployer's hook runs with the reason (a buzzer, a signal light), on its own thread
  (`kiosk-staff-hook`) and killed after its timeout: a hanging hook delays nothing else;
- the call is recorded for the platform, "open" at once and again when it ends (kiosk-background).

`notified` says whether the call really went out (the chime rings, or the hook ran and did
not fail): the help screen says 已通知工作人员 only then, else where to find staff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from kiosk.qt.runner import Done, Failed, OffGuiRunner, Result
from kiosk.records.staff_calls import HookFailed, OpenCall, StaffCallRecorder, now_iso, run_hook

log = logging.getLogger(__name__)


class Chime(Protocol):
    def can_ring(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class StaffCallDesk(QObject):
    changed = Signal()  # whether staff were notified changed (a hook failed): re-render
    recorded = Signal(str, str)  # outcome ("open" first), case id: the record is stored

    def __init__(
        self,
        recorder: StaffCallRecorder,
        chime: Chime | None,
        records: OffGuiRunner,
        *,
        hook: tuple[str, ...] = (),
        hook_timeout_s: float = 5.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.recorder = recorder
        self.chime = chime
        self._records = records  # the controller's background runner (started by it)
        self._hook = hook
        self._hook_timeout_s = hook_timeout_s
        self._hook_runner = OffGuiRunner("staff-hook", self)
        self._hook_ok = bool(hook)  # until a run says otherwise
        self.call_open: OpenCall | None = None

    def start(self) -> None:
        self._hook_runner.start()

    def shutdown(self) -> None:
        """Stop ringing; a call still open ends as timed out (nobody answered before the kiosk
        stopped), recorded here and now: the runners drop what is queued when they stop."""
        if self.chime is not None:
            self.chime.stop()
        self._hook_runner.shutdown()
        call, self.call_open = self.call_open, None
        if call is not None:
            try:
                self.recorder.record(self.recorder.closing(call, "timed_out", now_iso()))
            except Exception as exc:  # the store is broken: the open record stays the last word
                log.error("the open staff call could not be closed at shutdown: %s", exc)

    @property
    def ringing(self) -> bool:
        return self.chime is not None and self.call_open is not None and self.chime.can_ring()

    @property
    def notified(self) -> bool:
        """Whether the open call reached anyone: its chime rings, or its hook did not fail."""
        return self.call_open is not None and (self.ringing or (bool(self._hook) and self._hook_ok))

    # -- the flow's commands ----------------------------------------------------------------
    def call(self, reason: str) -> None:
        """Open a call (recorded "open" at once), or ring the open one again."""
        if self.call_open is None:
            self.call_open = OpenCall(reason)
            log.info("staff called: %s (call %s)", reason, self.call_open.call_id)
            opened = self.call_open
            self._record("open", lambda: self.recorder.opening(opened))
        else:
            log.info("staff called again: %s (call %s)", reason, self.call_open.call_id)
        if self.chime is not None:
            self.chime.start()
        if self._hook:
            self._hook_runner.run(
                lambda: run_hook(self._hook, reason, self._hook_timeout_s), self._hook_done
            )

    def end(self, outcome: str, staff_id: str = "") -> None:
        call, self.call_open = self.call_open, None
        if self.chime is not None:
            self.chime.stop()
        if call is None:
            log.warning("staff call end (%s) with no call open: ignored", outcome)
            return
        log.info("staff call %s %s%s", call.call_id, outcome, f" by {staff_id}" if staff_id else "")
        ended_at = now_iso()
        self._record(outcome, lambda: self.recorder.closing(call, outcome, ended_at, staff_id))
        self.changed.emit()

    # -- off the GUI thread ------------------------------------------------------------------
    def _record(self, outcome: str, payload: Callable[[], dict[str, Any]]) -> None:
        """Build (a malformed one raises there, not here) and store the record off the GUI
        thread; what went wrong is logged, never raised into the flow."""

        def stored(result: Result[str]) -> None:
            match result:
                case Done(case_id):
                    self.recorded.emit(outcome, case_id)
                case Failed(error):  # the store is full or broken: the technician sees it there
                    log.error("the staff call (%s) could not be recorded: %s", outcome, error)

        self._records.run(lambda: self.recorder.record(payload()), stored)

    def _hook_done(self, result: Result[None]) -> None:
        ok = isinstance(result, Done)
        if isinstance(result, Failed):
            error = result.error
            why = str(error) if isinstance(error, HookFailed) else repr(error)
            log.error("the staff call hook failed (the call goes on without it): %s", why)
        if ok != self._hook_ok:
            self._hook_ok = ok
            self.changed.emit()
