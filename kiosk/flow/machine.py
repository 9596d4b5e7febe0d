"""The pension-check state machine. Pure: no clocks, threads, Qt or devices.

Every public event handler returns the commands the driver must carry out, in order.
Timers are commands too (StartTimer / CancelTimer) and come back as TimerExpired events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import BACK, STEP_NUMBERS, FlowConfig, Outcome, Service, Session, Step

log = logging.getLogger(__name__)

# Steps where the machine, not the resident, is working: no "more time?" question there.
BUSY_STEPS = frozenset({Step.MATCHING, Step.LOOKUP})
NO_IDLE_TIMER = BUSY_STEPS | {Step.IDLE, Step.THANKS}
# Steps that use a device, and which device.
DEVICE_OF_STEP = {Step.READ_CARD: "card_reader", Step.FACE_CAPTURE: "camera"}
RESIDENT_EVENTS = (
    ev.Touched,
    ev.ServiceChosen,
    ev.Confirmed,
    ev.ConsentAnswered,
    ev.Continue,
    ev.Retry,
    ev.Rated,
    ev.HelpRequested,
    ev.HelpDismissed,
    ev.Back,
    ev.MoreTimeAnswered,
    ev.StaffUnlocked,
    ev.CardRead,
    ev.FaceProgress,
)
RECEIPT_OF_OUTCOME = {
    Outcome.VERIFIED: "certificate",
    Outcome.NOT_VERIFIED: "failure_notice",
    Outcome.PENDING: "pending_slip",
}


class SessionFlow:
    def __init__(self, config: FlowConfig | None = None) -> None:
        self.config = config or FlowConfig()
        self.step = Step.IDLE
        self.session = Session()
        self._view_extra: dict[str, Any] = {}
        self._greeted = False  # the welcome greeting plays once per stay on the welcome screen
        self._handlers: dict[type, Callable[[Any], list[cmd.Command]]] = {
            ev.Touched: self._on_touched,
            ev.ServiceChosen: self._on_service,
            ev.CardRead: self._on_card_read,
            ev.CardReadFailed: self._on_card_failed,
            ev.Confirmed: self._on_confirmed,
            ev.ConsentAnswered: self._on_consent,
            ev.FaceProgress: self._on_face_progress,
            ev.LivenessDone: self._on_liveness,
            ev.MatchDone: self._on_match,
            ev.CaseRecorded: self._on_recorded,
            ev.CaseRecordFailed: self._on_record_failed,
            ev.LookupDone: self._on_lookup,
            ev.PrintDone: self._on_print_done,
            ev.PrintFailed: self._on_print_failed,
            ev.Continue: self._on_continue,
            ev.Retry: self._on_retry,
            ev.Rated: self._on_rated,
            ev.HelpRequested: self._on_help,
            ev.HelpDismissed: self._on_help_dismissed,
            ev.StaffUnlocked: self._on_staff_unlocked,
            ev.Back: self._on_back,
            ev.Cancel: lambda _e: self._reset(),
            ev.MoreTimeAnswered: self._on_more_time,
            ev.TimerExpired: self._on_timer,
            ev.DeviceFailed: self._on_device_failed,
            ev.DeviceRecovered: self._on_device_recovered,
        }

    # -- public ------------------------------------------------------------------------
    def start(self) -> list[cmd.Command]:
        """The commands that put the kiosk on its welcome screen."""
        return [cmd.ShowScreen(Step.IDLE, self.view())]

    def handle(self, event: ev.Event) -> list[cmd.Command]:
        handler = self._handlers.get(type(event))
        out = handler(event) if handler else []
        timer_set = any(
            isinstance(c, cmd.StartTimer | cmd.CancelTimer) and c.name == cmd.IDLE_TIMER
            for c in out
        )
        resident = isinstance(event, RESIDENT_EVENTS) and not isinstance(event, ev.MoreTimeAnswered)
        if resident and not timer_set:
            out = [*out, *self._activity()]
        log.debug("%s in %s -> %s", type(event).__name__, self.step, _names(out))
        return out

    def view(self) -> dict[str, Any]:
        """What the screen of the current step shows: masked values only."""
        s = self.session
        numbers = STEP_NUMBERS.get(s.service, {}) if s.service else {}
        resident = s.resident
        return {
            "step": str(self.step),
            "service": str(s.service) if s.service else None,
            "step_no": numbers.get(self.step),
            "step_total": max(numbers.values()) if numbers else None,
            "masked_name": resident.masked_name if resident is not None else None,
            "masked_id_number": resident.masked_id_number if resident is not None else None,
            "outcome": str(s.outcome) if s.outcome else None,
            "reason": s.reason,
            "case_id": s.case_id,
            "card_attempts": s.card_attempts,
            "capture_attempts": s.capture_attempts,
            "max_card_attempts": self.config.max_card_attempts,
            "max_capture_attempts": self.config.max_capture_attempts,
            "print_failed": s.print_failed,
            "help_reason": s.help_reason,
            "fault_device": s.fault_device,
            "assisted": bool(s.assisted_by),
            "more_time": s.asking_more_time,
            "can_go_back": self.step in BACK,
            **s.details,
            **self._view_extra,
        }

    # -- moving between steps ----------------------------------------------------------
    def _go(self, step: Step, **extra: Any) -> list[cmd.Command]:
        out = self._leave(self.step)
        self.step = step
        self.session.asking_more_time = False
        self._view_extra = dict(extra)
        out.append(cmd.CancelTimer(cmd.MORE_TIME_TIMER))
        out += self._enter(step)
        return out

    def _leave(self, step: Step) -> list[cmd.Command]:
        if step is Step.READ_CARD:
            return [cmd.StopCardReader()]
        if step is Step.FACE_CAPTURE:
            return [cmd.StopFaceCapture()]
        return []

    def _enter(self, step: Step) -> list[cmd.Command]:
        out: list[cmd.Command] = []
        if step is Step.READ_CARD:
            out.append(cmd.StartCardReader())
        elif step is Step.FACE_CAPTURE:
            self.session.capture_attempts += 1
            out.append(cmd.StartFaceCapture(self.session.capture_attempts))
        out += [cmd.ShowScreen(step, self.view()), cmd.PlayPrompt(f"screen.{step}")]
        if step in NO_IDLE_TIMER:
            out.append(cmd.CancelTimer(cmd.IDLE_TIMER))
        else:
            out.append(cmd.StartTimer(cmd.IDLE_TIMER, self.config.idle_timeout_s))
        if step is Step.THANKS:
            out.append(cmd.StartTimer(cmd.THANKS_TIMER, self.config.thanks_s))
        return out

    def _show(self, prompt: str | None = None, **extra: Any) -> list[cmd.Command]:
        """Re-render the current step (same step, new details)."""
        self._view_extra.update(extra)
        out: list[cmd.Command] = [cmd.ShowScreen(self.step, self.view())]
        if prompt:
            out.append(cmd.PlayPrompt(prompt))
        return out

    def _reset(self) -> list[cmd.Command]:
        """End the visit: stop devices, forget the resident, back to welcome."""
        out = self._leave(self.step)
        out += [
            cmd.CancelTimer(cmd.IDLE_TIMER),
            cmd.CancelTimer(cmd.MORE_TIME_TIMER),
            cmd.CancelTimer(cmd.THANKS_TIMER),
            cmd.WipeSession(),
        ]
        self.step = Step.IDLE
        self.session = Session()
        self._view_extra = {}
        self._greeted = False
        out.append(cmd.ShowScreen(Step.IDLE, self.view()))
        return out

    def _activity(self) -> list[cmd.Command]:
        if self.step in NO_IDLE_TIMER or self.session.asking_more_time:
            return []
        return [cmd.StartTimer(cmd.IDLE_TIMER, self.config.idle_timeout_s)]

    # -- the resident's answers --------------------------------------------------------
    def _on_touched(self, _event: ev.Touched) -> list[cmd.Command]:
        if self.step is Step.IDLE and not self._greeted:
            self._greeted = True
            return [cmd.PlayPrompt("screen.idle")]
        return []

    def _on_service(self, event: ev.ServiceChosen) -> list[cmd.Command]:
        if self.step is not Step.IDLE:
            return []
        self.session.service = event.service
        return self._go(Step.READ_CARD)

    def _on_confirmed(self, event: ev.Confirmed) -> list[cmd.Command]:
        if self.step is not Step.CONFIRM_IDENTITY:
            return []
        if not event.its_me:
            self.session.resident = None
            return self._go(Step.READ_CARD, wrong_card=True)
        if self.session.service is Service.PENSION_CHECK:
            return self._go(Step.CONSENT)
        return [*self._go(Step.LOOKUP), cmd.Lookup(self._service(), self.session.resident)]

    def _on_consent(self, event: ev.ConsentAnswered) -> list[cmd.Command]:
        if self.step is not Step.CONSENT:
            return []
        if event.agreed:
            return self._go(Step.FACE_CAPTURE)
        return self._enter_help("consent_declined")

    def _on_continue(self, _event: ev.Continue) -> list[cmd.Command]:
        if self.step is Step.RESULT:
            printable = self.session.outcome in RECEIPT_OF_OUTCOME
            if self.session.service is Service.PENSION_CHECK and printable:
                return self._start_print()
            return self._go(Step.RATE)
        if self.step is Step.PRINT and self.session.print_failed:
            return self._go(Step.RATE)  # the job is kept; staff or a later visit reprints it
        if self.step is Step.THANKS:
            return self._reset()
        if self.step is Step.DEVICE_FAULT:
            return self._reset()
        return []

    def _on_retry(self, _event: ev.Retry) -> list[cmd.Command]:
        if self.step is Step.FACE_CAPTURE and self._view_extra.get("liveness_failed"):
            return self._go(Step.FACE_CAPTURE)
        if self.step is Step.PRINT and self.session.print_failed:
            return self._start_print()
        if self.step is Step.DEVICE_FAULT and self.session.fault_return is not None:
            return self._go(self.session.fault_return)
        return []

    def _on_rated(self, event: ev.Rated) -> list[cmd.Command]:
        if self.step is not Step.RATE:
            return []
        self.session.rating = event.score
        return self._go(Step.THANKS)

    def _on_back(self, _event: ev.Back) -> list[cmd.Command]:
        target = BACK.get(self.step)
        if target is None:
            return []
        if target is Step.IDLE:
            return self._reset()
        if target is Step.READ_CARD:
            self.session.resident = None
        return self._go(target)

    def _on_more_time(self, event: ev.MoreTimeAnswered) -> list[cmd.Command]:
        if not self.session.asking_more_time:
            return []
        if not event.more:
            return self._reset()
        self.session.asking_more_time = False
        return [
            cmd.CancelTimer(cmd.MORE_TIME_TIMER),
            *self._show(),
            cmd.StartTimer(cmd.IDLE_TIMER, self.config.idle_timeout_s),
        ]

    # -- help and staff ----------------------------------------------------------------
    def _on_help(self, event: ev.HelpRequested) -> list[cmd.Command]:
        if self.step is Step.HELP:
            return []
        if self.step in BUSY_STEPS or self.step is Step.PRINT:
            # The machine is mid-task: call staff without leaving it.
            return [cmd.CallStaff(event.reason), *self._show(staff_called=True)]
        return self._enter_help(event.reason)

    def _enter_help(self, reason: str) -> list[cmd.Command]:
        self.session.help_return = self.step
        self.session.help_reason = reason
        return [cmd.CallStaff(reason), *self._go(Step.HELP)]

    def _on_help_dismissed(self, _event: ev.HelpDismissed) -> list[cmd.Command]:
        if self.step is not Step.HELP:
            return []
        back = self.session.help_return or Step.IDLE
        self.session.help_reason = ""
        if back in (Step.IDLE, Step.THANKS):
            return self._reset()
        return self._go(back)

    def _on_staff_unlocked(self, event: ev.StaffUnlocked) -> list[cmd.Command]:
        if self.step is not Step.HELP:
            return []
        self.session.assisted_by = event.staff_id
        if self.session.help_reason == "consent_declined" and self.session.resident is not None:
            # Staff-assisted check without face processing: recorded as pending, decided by
            # the platform from the staff member's check.
            return self._record(Outcome.PENDING, "assisted_without_face")
        return self._on_help_dismissed(ev.HelpDismissed())

    # -- the card ----------------------------------------------------------------------
    def _on_card_read(self, event: ev.CardRead) -> list[cmd.Command]:
        if self.step is not Step.READ_CARD:
            return []
        self.session.resident = event.identity
        return self._go(Step.CONFIRM_IDENTITY)

    def _on_card_failed(self, event: ev.CardReadFailed) -> list[cmd.Command]:
        if self.step is not Step.READ_CARD:
            return []
        self.session.card_attempts += 1
        if self.session.card_attempts >= self.config.max_card_attempts:
            return self._enter_help("card_unreadable")
        return self._show("card.again", card_error=event.reason)

    # -- face, matching, recording -----------------------------------------------------
    def _on_face_progress(self, event: ev.FaceProgress) -> list[cmd.Command]:
        if self.step is not Step.FACE_CAPTURE or self.session.asking_more_time:
            return []
        prompt = event.view.get("prompt_id")
        return self._show(prompt if isinstance(prompt, str) else None, **event.view)

    def _on_liveness(self, event: ev.LivenessDone) -> list[cmd.Command]:
        if self.step is not Step.FACE_CAPTURE or self._view_extra.get("liveness_failed"):
            return []
        self.session.details["liveness"] = dict(event.evidence)
        if event.passed:
            out = self._go(Step.MATCHING)
            return [*out, cmd.StartMatching(self.session.resident, dict(event.evidence))]
        if self.session.capture_attempts < self.config.max_capture_attempts:
            return [cmd.StopFaceCapture(), *self._show("face.retry", liveness_failed=event.reason)]
        return self._record(Outcome.NOT_VERIFIED, event.reason or "liveness_failed")

    def _on_match(self, event: ev.MatchDone) -> list[cmd.Command]:
        if self.step is not Step.MATCHING or self.session.outcome is not None:
            return []
        self.session.details.update(event.details)
        return self._record(event.outcome, event.reason)

    def _record(self, outcome: Outcome, reason: str) -> list[cmd.Command]:
        self.session.outcome = outcome
        self.session.reason = reason
        out: list[cmd.Command] = []
        if self.step is not Step.MATCHING:
            out += self._go(Step.MATCHING)
        record = cmd.RecordCase(
            service=self._service(),
            outcome=outcome,
            resident=self.session.resident,
            reason=reason,
            assisted_by=self.session.assisted_by,
            details=dict(self.session.details),
        )
        return [*out, record]

    def _on_recorded(self, event: ev.CaseRecorded) -> list[cmd.Command]:
        if self.step is not Step.MATCHING or self.session.outcome is None:
            return []
        self.session.case_id = event.case_id
        return self._go(Step.RESULT)

    def _on_record_failed(self, event: ev.CaseRecordFailed) -> list[cmd.Command]:
        if self.step is not Step.MATCHING:
            return []
        self.session.details["record_error"] = event.reason
        return self._enter_help("store_failed")

    def _on_lookup(self, event: ev.LookupDone) -> list[cmd.Command]:
        if self.step is not Step.LOOKUP:
            return []
        self.session.outcome = event.outcome
        self.session.details = dict(event.details)
        self.session.case_id = str(event.details.get("case_id", ""))
        if self.session.service is Service.REPRINT and event.outcome is Outcome.VERIFIED:
            return self._start_print()
        return self._go(Step.RESULT)

    # -- printing ------------------------------------------------------------------------
    def _start_print(self) -> list[cmd.Command]:
        s = self.session
        s.print_failed = ""
        outcome = s.outcome or Outcome.PENDING
        kind = "reprint" if s.service is Service.REPRINT else RECEIPT_OF_OUTCOME[outcome]
        job = cmd.PrintReceipt(kind, s.case_id, outcome, s.resident, s.reason, dict(s.details))
        return [*self._go(Step.PRINT), job]

    def _on_print_done(self, _event: ev.PrintDone) -> list[cmd.Command]:
        if self.step is not Step.PRINT:
            return []
        return self._go(Step.RATE)

    def _on_print_failed(self, event: ev.PrintFailed) -> list[cmd.Command]:
        if self.step is not Step.PRINT:
            return []
        self.session.print_failed = event.status
        return [cmd.CallStaff(f"printer_{event.status}"), *self._show("print.failed")]

    # -- timers and devices --------------------------------------------------------------
    def _on_timer(self, event: ev.TimerExpired) -> list[cmd.Command]:
        if event.name == cmd.THANKS_TIMER and self.step is Step.THANKS:
            return self._reset()
        if event.name == cmd.MORE_TIME_TIMER and self.session.asking_more_time:
            return self._reset()
        if event.name == cmd.IDLE_TIMER and self.step not in NO_IDLE_TIMER:
            if self.session.asking_more_time:
                return []
            self.session.asking_more_time = True
            return [
                *self._show("more_time"),
                cmd.StartTimer(cmd.MORE_TIME_TIMER, self.config.more_time_answer_s),
            ]
        return []

    def _on_device_failed(self, event: ev.DeviceFailed) -> list[cmd.Command]:
        if DEVICE_OF_STEP.get(self.step) != event.device:
            return []
        self.session.fault_device = event.device
        self.session.fault_return = self.step
        return [cmd.CallStaff(f"{event.device}_fault"), *self._go(Step.DEVICE_FAULT)]

    def _on_device_recovered(self, event: ev.DeviceRecovered) -> list[cmd.Command]:
        s = self.session
        if self.step is not Step.DEVICE_FAULT or s.fault_device != event.device:
            return []
        target = s.fault_return or Step.IDLE
        s.fault_device, s.fault_return = "", None
        return self._go(target)

    def _service(self) -> Service:
        return self.session.service or Service.PENSION_CHECK


def _names(commands: list[cmd.Command]) -> str:
    return ", ".join(type(c).__name__ for c in commands)
