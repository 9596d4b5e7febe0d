"""The staff call's life in the flow: opened by CallStaff, ended once by EndStaffCall.

A call is opened whenever the flow needs staff (help asked for, a device fault, a failed
record, lookup or print). While it is open a further need rings again (CallStaff once more,
the same call: the driver does not open a second one) and restarts its time. It ends:
- answered: a staff member typed their PIN on the help screen (StaffUnlocked);
- cancelled: the resident said they need no help (我不需要帮助了), or ended the visit;
- timed_out: nobody answered within `FlowConfig.staff_call_s`, or the visit timed out.
"""

from __future__ import annotations

from kiosk.flow import commands as cmd

ANSWERED, CANCELLED, TIMED_OUT = "answered", "cancelled", "timed_out"


class StaffCallState:
    """Whether a call is open, and the commands that open, ring and end it."""

    def __init__(self, give_up_s: float) -> None:
        self.give_up_s = give_up_s
        self.reason = ""  # the open call's first reason ('' : none open)

    @property
    def open(self) -> bool:
        return bool(self.reason)

    def call(self, reason: str) -> list[cmd.Command]:
        self.reason = self.reason or reason
        return [cmd.CallStaff(reason), cmd.StartTimer(cmd.STAFF_CALL_TIMER, self.give_up_s)]

    def end(self, outcome: str, staff_id: str = "") -> list[cmd.Command]:
        if not self.reason:
            return []
        self.reason = ""
        return [cmd.CancelTimer(cmd.STAFF_CALL_TIMER), cmd.EndStaffCall(outcome, staff_id)]
