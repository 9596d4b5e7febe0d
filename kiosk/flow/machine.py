"""The pension-check state machine. Pure: no clocks, threads, Qt or devices.

Every public event handler returns the commands the driver must carry out, in order.
Timers are commands too (StartTimer / CancelTimer) and come back as TimerExpired events.

Each step runs one timer, its length from FlowConfig.timeouts_s:
- the resident is waited on (card, confirm, consent, face, result, a failed print, rate, help,
  device fault): IDLE_TIMER, then "还需要更多时间吗?" (MORE_TIME_TIMER) before giving up;
- the machine is waited on (matching, lookup, a print job in flight): WAIT_TIMER, then the way
  on: a lost match is recorded as pending, a lost or failed record or lookup calls staff
  (dismissing help asks again), a lost print job is a print failure (kept, retry or skip);
- thanks: THANKS_TIMER, then welcome.

Devices: the machine remembers every device reported faulty (DeviceFailed, at any step and
across visits: the printer's status is watched between jobs too) until DeviceRecovered, or
until the device just worked (a card read, a print). The welcome screen's view lists them
(StepView.faults), so a resident knows before starting. A resident who reaches the step that
needs a faulty device (card reader: read_card; camera and face models: face_capture) goes to
DEVICE_FAULT instead, with the way back: the device's recovery returns there by itself; Retry
tries the device anyway; Continue ends the visit. The face models that could not load are such
a device: the check is never tried without them, so no case records a resident's failure for
the machine's. A printer known faulty still gets the receipt: the job is kept before it is
sent, the printer's answer (PrintFailed) shows the print-failed screen (retry, or go on: 补打
later), so a check done while the paper is out loses nothing.

An expired card (CardRead.card_expired: its validity ended before the day it is read) still
identifies its holder: the card's data are the issuer's, and the face is matched as for any
card. So the check is decided as any other (verified, not verified or pending); the case
records that the card had expired (RecordCase.card_expired, the payload's resident.card_*)
for the platform, which decides what it means for the pension, and the result screen asks
the resident to renew the card.

Staff calls (kiosk.flow.staff_call): every need for staff opens a call or rings the open one
again (CallStaff); it ends once (EndStaffCall): answered by a staff PIN on the help screen,
cancelled by the resident, or timed out (its own STAFF_CALL_TIMER, or the visit's end by timer).

The card (CardRemoved): lifting it while the reader waits, or after a successful read, changes
nothing (the read is done). On the thanks screen the reader watches again: a card still lying
there (the reader reports it as read) brings a reminder to take it back, its removal clears it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.answers import AnswersAndRatings, query_prompt
from kiosk.flow.model import (
    BACK,
    FlowConfig,
    Outcome,
    ReceiptKind,
    Service,
    Session,
    Step,
)
from kiosk.flow.rules import (
    BUSY_STEPS,
    DEVICES_OF_STEP,
    FINAL_LIVENESS_REASONS,
    LEFT_ON_FAULT,
    RECEIPT_OF_OUTCOME,
    RESIDENT_EVENTS,
    UNTIMED_BY_RESIDENT,
)
from kiosk.flow.staff_call import ANSWERED, CANCELLED, TIMED_OUT, StaffCallState
from kiosk.flow.view import StepNews, StepView, step_view

log = logging.getLogger(__name__)


class SessionFlow(AnswersAndRatings):
    def __init__(self, config: FlowConfig | None = None) -> None:
        self.config = config or FlowConfig()
        self.step = Step.IDLE
        self.session = Session()
        self._news = StepNews()  # what happened on the current step, for its screen
        self._greeted = False  # the welcome greeting plays once per stay on the welcome screen
        self.faults: dict[str, str] = {}  # device -> detail, kept across visits until recovered
        self.staff_call = StaffCallState(self.config.staff_call_s)  # kiosk.flow.staff_call
        self._handlers: dict[type, Callable[[Any], list[cmd.Command]]] = {
            ev.Touched: self._on_touched,
            ev.ServiceChosen: self._on_service,
            ev.CardRead: self._on_card_read,
            ev.CardReadFailed: self._on_card_failed,
            ev.CardRemoved: self._on_card_removed,
            ev.Confirmed: self._on_confirmed,
            ev.ConsentAnswered: self._on_consent,
            ev.FaceProgress: self._on_face_progress,
            ev.LivenessDone: self._on_liveness,
            ev.MatchDone: self._on_match,
            ev.CaseRecorded: self._on_recorded,
            ev.CaseRecordFailed: self._on_record_failed,
            ev.LookupDone: self._on_lookup,
            ev.LookupFailed: self._on_lookup_failed,
            ev.PrintDone: self._on_print_done,
            ev.PrintFailed: self._on_print_failed,
            ev.Continue: self._on_continue,
            ev.Retry: self._on_retry,
            ev.Rated: self._on_rated,
            ev.RatingReasonChosen: self._on_rating_reason,
            ev.StartCheck: self._on_start_check,
            ev.Decline: self._on_decline,
            ev.HelpRequested: self._on_help,
            ev.HelpDismissed: self._on_help_dismissed,
            ev.StaffUnlocked: self._on_staff_unlocked,
            ev.Back: self._on_back,
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

    def view(self) -> StepView:
        """What the screen of the current step shows: masked values only."""
        return step_view(self.step, self.session, self._news, self.faults)

    # -- moving between steps ----------------------------------------------------------
    def _go(
        self, step: Step, *, despite_fault: bool = False, news: StepNews | None = None
    ) -> list[cmd.Command]:
        faulty = self._faulty_device(step)
        if faulty and not despite_fault:
            return self._fault_at(step, faulty)
        out = self._leave(self.step)
        self.step = step
        self.session.asking_more_time = False
        self._news = news or StepNews()
        out.append(cmd.CancelTimer(cmd.MORE_TIME_TIMER))
        out += self._enter(step)
        return out

    def _leave(self, step: Step) -> list[cmd.Command]:
        if step in (Step.READ_CARD, Step.THANKS):
            return [cmd.StopCardReader()]
        if step is Step.FACE_CAPTURE:
            return [cmd.StopFaceCapture()]
        return []

    def _enter(self, step: Step) -> list[cmd.Command]:
        out: list[cmd.Command] = []
        if step in (Step.READ_CARD, Step.THANKS):  # thanks: is the card still on the reader?
            out.append(cmd.StartCardReader())
        elif step is Step.FACE_CAPTURE:
            self.session.capture_attempts += 1
            out.append(cmd.StartFaceCapture(self.session.capture_attempts))
        out += [cmd.ShowScreen(step, self.view()), cmd.PlayPrompt(self._prompt_of(step))]
        return out + self._step_timer()

    def _prompt_of(self, step: Step) -> str:
        outcome = self.session.outcome
        if step is Step.RESULT and self.session.service is Service.QUERY:
            return query_prompt(self.session)  # the standing, and what to do next
        if step is Step.RESULT and self.session.reason in FINAL_LIVENESS_REASONS:
            return f"face.{self.session.reason}"  # the neutral request and the staff path
        if step is Step.RESULT and outcome in RECEIPT_OF_OUTCOME:
            return f"result.{outcome}"  # verified / not_verified / pending: said, not just shown
        return f"screen.{step}"

    def _waits_on_machine(self) -> bool:
        return self.step in BUSY_STEPS or (self.step is Step.PRINT and self.session.printing)

    def _waits_on_resident(self) -> bool:
        return self.step not in UNTIMED_BY_RESIDENT and not self._waits_on_machine()

    def _step_timer(self) -> list[cmd.Command]:
        """Start the one timer the current step runs (see the module doc); stop the others."""
        seconds = self.config.timeout_of(self.step) if self.step is not Step.IDLE else 0.0
        if self.step is Step.THANKS:
            running = cmd.THANKS_TIMER
        elif self._waits_on_machine():
            running = cmd.WAIT_TIMER
        elif self._waits_on_resident():
            running = cmd.IDLE_TIMER
        else:
            running = ""
        out: list[cmd.Command] = [
            cmd.CancelTimer(name) for name in (cmd.IDLE_TIMER, cmd.WAIT_TIMER) if name != running
        ]
        if running:
            out.append(cmd.StartTimer(running, seconds))
        return out

    def _show(self, prompt: str | None = None, news: StepNews | None = None) -> list[cmd.Command]:
        """Re-render the current step (same step, new news)."""
        self._news = news or self._news
        out: list[cmd.Command] = [cmd.ShowScreen(self.step, self.view())]
        if prompt:
            out.append(cmd.PlayPrompt(prompt))
        return out

    def _reset(self, call_ends: str = CANCELLED) -> list[cmd.Command]:
        """End the visit: stop devices, forget the resident, back to welcome; an open staff
        call ends too (`call_ends`: cancelled when the resident ended it, else timed_out)."""
        out = [*self.staff_call.end(call_ends), *self._leave(self.step)]
        out += self._rating_left_behind()
        out += [
            cmd.CancelTimer(cmd.IDLE_TIMER),
            cmd.CancelTimer(cmd.WAIT_TIMER),
            cmd.CancelTimer(cmd.MORE_TIME_TIMER),
            cmd.CancelTimer(cmd.THANKS_TIMER),
            cmd.WipeSession(),
        ]
        self.step = Step.IDLE
        self.session = Session()
        self._news = StepNews()
        self._greeted = False
        out.append(cmd.ShowScreen(Step.IDLE, self.view()))
        return out

    def _activity(self) -> list[cmd.Command]:
        if not self._waits_on_resident() or self.session.asking_more_time:
            return []
        return [cmd.StartTimer(cmd.IDLE_TIMER, self.config.timeout_of(self.step))]

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
            return self._go(Step.READ_CARD, news=StepNews(wrong_card=True))
        if self.session.service is Service.PENSION_CHECK:
            return self._go(Step.CONSENT)
        return self._lookup()

    def _on_consent(self, event: ev.ConsentAnswered) -> list[cmd.Command]:
        if self.step is not Step.CONSENT:
            return []
        if event.agreed:
            return self._go(Step.FACE_CAPTURE)
        return self._enter_help("consent_declined")

    def _on_continue(self, _event: ev.Continue) -> list[cmd.Command]:
        if self.step is Step.RESULT:
            return self._result_continue()
        if self.step is Step.PRINT and self.session.print_failed:
            return self._go(Step.RATE)  # the job is kept; staff or a later visit reprints it
        if self.step is Step.THANKS:
            return self._reset()
        if self.step is Step.DEVICE_FAULT:
            return self._give_up_on_fault()
        return []

    def _result_continue(self) -> list[cmd.Command]:
        if self.session.service is Service.QUERY:
            return self._query_result_continue()
        printable = self.session.outcome in RECEIPT_OF_OUTCOME
        if self.session.service is Service.PENSION_CHECK and printable:
            return self._start_print()
        return self._go(Step.RATE)

    def _give_up_on_fault(self) -> list[cmd.Command]:
        self._leave_fault()
        return self._reset()

    def _on_retry(self, _event: ev.Retry) -> list[cmd.Command]:
        if self.step is Step.FACE_CAPTURE and self._news.liveness_failed:
            return self._go(Step.FACE_CAPTURE)
        if self.step is Step.PRINT and self.session.print_failed:
            return self._start_print()
        if self.step is Step.DEVICE_FAULT and self.session.fault_return is not None:
            return self._resume(self._leave_fault(), despite_fault=True)
        return []

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
            cmd.StartTimer(cmd.IDLE_TIMER, self.config.timeout_of(self.step)),
        ]

    # -- help and staff ----------------------------------------------------------------
    def _on_help(self, event: ev.HelpRequested) -> list[cmd.Command]:
        if self.step is Step.HELP:
            return []
        if self.step in BUSY_STEPS or self.step is Step.PRINT:
            # The machine is mid-task: call staff without leaving it.
            news = replace(self._news, staff_called=True)
            return [*self.staff_call.call(event.reason), *self._show(news=news)]
        return self._enter_help(event.reason)

    def _enter_help(self, reason: str) -> list[cmd.Command]:
        self.session.help_return = self.step
        self.session.help_reason = reason
        return [*self.staff_call.call(reason), *self._go(Step.HELP)]

    def _on_help_dismissed(self, _event: ev.HelpDismissed) -> list[cmd.Command]:
        if self.step is not Step.HELP:
            return []
        back = self.session.help_return or Step.IDLE
        self.session.help_reason = ""
        ended = self.staff_call.end(CANCELLED)  # nothing when staff just answered it
        over = back in (Step.IDLE, Step.THANKS)
        return [*ended, *(self._reset() if over else self._resume(back))]

    def _resume(self, step: Step, *, despite_fault: bool = False) -> list[cmd.Command]:
        """Back to `step`, asking again for the answer it waits on (a lost record or lookup)."""
        s = self.session
        if step is Step.MATCHING and s.outcome is not None:
            return self._go(Step.RESULT) if s.case_id else self._record(s.outcome, s.reason)
        if step is Step.LOOKUP:
            return self._lookup()
        if step is Step.PRINT:
            return self._start_print()
        if step is Step.DEVICE_FAULT and s.fault_device not in self.faults:
            return self._resume(self._leave_fault())  # it recovered meanwhile
        return self._go(step, despite_fault=despite_fault)

    def _on_staff_unlocked(self, event: ev.StaffUnlocked) -> list[cmd.Command]:
        if self.step is not Step.HELP:
            return []
        self.session.assisted_by = event.staff_id
        answered = self.staff_call.end(ANSWERED, event.staff_id)
        if self.session.help_reason == "consent_declined" and self.session.resident is not None:
            # Staff-assisted check without face processing: recorded as pending, decided by
            # the platform from the staff member's check.
            return [*answered, *self._record(Outcome.PENDING, "assisted_without_face")]
        return [*answered, *self._on_help_dismissed(ev.HelpDismissed())]

    # -- the card ----------------------------------------------------------------------
    def _on_card_read(self, event: ev.CardRead) -> list[cmd.Command]:
        if self.step is Step.THANKS:
            return self._card_left_behind()
        if self.step is not Step.READ_CARD:
            return []
        self.session.resident = event.identity
        self.session.card_expired = event.card_expired  # decided on as usual: see the doc
        self.faults.pop("card_reader", None)  # it just read a card
        return self._go(Step.CONFIRM_IDENTITY)

    def _card_left_behind(self) -> list[cmd.Command]:
        """The card still lies on the reader as the visit ends: remind, with the full time."""
        if self._news.card_left:
            return []
        shown = self._show("card.take_back", replace(self._news, card_left=True))
        return [*shown, cmd.StartTimer(cmd.THANKS_TIMER, self.config.timeout_of(Step.THANKS))]

    def _on_card_removed(self, _event: ev.CardRemoved) -> list[cmd.Command]:
        if self.step is Step.THANKS and self._news.card_left:
            return self._show(news=replace(self._news, card_left=False))  # taken back
        return []  # waiting for a card, or the read is done: nothing depends on it

    def _on_card_failed(self, event: ev.CardReadFailed) -> list[cmd.Command]:
        if self.step is not Step.READ_CARD:
            return []
        self.session.card_attempts += 1
        if self.session.card_attempts >= self.config.max_card_attempts:
            return self._enter_help("card_unreadable")
        return self._show("card.again", replace(self._news, card_error=event.reason))

    # -- face, matching, recording -----------------------------------------------------
    def _on_face_progress(self, event: ev.FaceProgress) -> list[cmd.Command]:
        if self.step is not Step.FACE_CAPTURE or self.session.asking_more_time:
            return []
        guide = event.guide
        return self._show(guide.prompt_id or None, replace(self._news, face=guide))

    def _on_liveness(self, event: ev.LivenessDone) -> list[cmd.Command]:
        if self.step is not Step.FACE_CAPTURE or self._news.liveness_failed:
            return []
        self.session.liveness = dict(event.evidence)
        if event.passed:
            out = self._go(Step.MATCHING)
            return [*out, cmd.StartMatching(self.session.resident, dict(event.evidence))]
        # The liveness reason (timeout, no_face, ...) travels on: the retry screen, its prompt
        # (face.retry.<reason>), the result screen and the printed notice each say it. A
        # suspected presentation attack is final: no retry to probe the detector with.
        reason = event.reason or "liveness_failed"
        final = reason in FINAL_LIVENESS_REASONS
        if self.session.capture_attempts < self.config.max_capture_attempts and not final:
            failed = replace(self._news, liveness_failed=reason)
            return [cmd.StopFaceCapture(), *self._show(f"face.retry.{reason}", failed)]
        return self._record(Outcome.NOT_VERIFIED, reason)

    def _on_match(self, event: ev.MatchDone) -> list[cmd.Command]:
        if self.step is not Step.MATCHING or self.session.outcome is not None:
            return []
        self.session.match = event.match
        self.session.valid_until = event.valid_until
        return self._record(event.outcome, event.reason)

    def _record(self, outcome: Outcome, reason: str) -> list[cmd.Command]:
        self.session.outcome = outcome
        self.session.reason = reason
        out: list[cmd.Command] = []
        if self.step is not Step.MATCHING:
            out += self._go(Step.MATCHING)
        else:  # the match is in: the record gets the step's full time
            out.append(cmd.StartTimer(cmd.WAIT_TIMER, self.config.timeout_of(Step.MATCHING)))
        s = self.session
        record = cmd.RecordCase(
            service=self._service(),
            outcome=outcome,
            resident=s.resident,
            reason=reason,
            assisted_by=s.assisted_by,
            liveness=s.liveness,
            match=s.match,
            valid_until=s.valid_until,
            card_expired=s.card_expired,
        )
        return [*out, record]

    def _on_recorded(self, event: ev.CaseRecorded) -> list[cmd.Command]:
        s = self.session
        if s.outcome is None or s.case_id:
            return []
        if self.step is Step.MATCHING:
            s.case_id, s.certificate = event.case.case_id, event.case.certificate
            return self._go(Step.RESULT)
        if self.step is Step.HELP and s.help_return is Step.MATCHING:
            # late, after staff were called: kept, not asked again
            s.case_id, s.certificate = event.case.case_id, event.case.certificate
        return []

    def _on_record_failed(self, event: ev.CaseRecordFailed) -> list[cmd.Command]:
        if self.step is not Step.MATCHING:
            return []
        log.warning("the case could not be recorded: %s", event.reason)
        return self._enter_help("store_failed")

    # -- printing ------------------------------------------------------------------------
    def _start_print(self) -> list[cmd.Command]:
        """Send the receipt, whatever the printer's known state: it is kept first (the
        printer's answer, PrintFailed, offers retry or going on; 补打 prints it later)."""
        s = self.session
        s.print_failed = ""
        s.printing = True
        outcome = s.outcome or Outcome.PENDING
        # 补打 or a query: the kept job printed again, unless the platform's decision brought
        # a certificate to issue now.
        reprint = s.service in (Service.REPRINT, Service.QUERY) and s.certificate is None
        kind = ReceiptKind.REPRINT if reprint else RECEIPT_OF_OUTCOME[outcome]
        job = cmd.PrintReceipt(kind, s.case_id, outcome, s.resident, s.reason, s.certificate)
        return [*self._go(Step.PRINT), job]

    def _on_print_done(self, _event: ev.PrintDone) -> list[cmd.Command]:
        if self.step is not Step.PRINT:
            return []
        self.session.printing = False
        self.faults.pop("printer", None)  # it just printed
        return self._go(Step.RATE)

    def _on_print_failed(self, event: ev.PrintFailed) -> list[cmd.Command]:
        if self.step is not Step.PRINT or not self.session.printing:
            return []
        self.session.printing = False
        self.session.print_failed = event.status
        shown = self._show("print.failed")
        return [*self.staff_call.call(f"printer_{event.status}"), *shown, *self._step_timer()]

    # -- timers and devices --------------------------------------------------------------
    def _on_timer(self, event: ev.TimerExpired) -> list[cmd.Command]:
        if event.name == cmd.STAFF_CALL_TIMER:
            return self.staff_call.end(TIMED_OUT)
        thanks_over = event.name == cmd.THANKS_TIMER and self.step is Step.THANKS
        if thanks_over or (event.name == cmd.MORE_TIME_TIMER and self.session.asking_more_time):
            return self._reset(TIMED_OUT)  # nobody there any more
        if event.name == cmd.IDLE_TIMER and self._waits_on_resident():
            if self.session.asking_more_time:
                return []
            self.session.asking_more_time = True
            return [
                *self._show("more_time"),
                cmd.StartTimer(cmd.MORE_TIME_TIMER, self.config.more_time_answer_s),
            ]
        if event.name == cmd.WAIT_TIMER and self._waits_on_machine():
            return self._on_overdue()
        return []

    def _on_overdue(self) -> list[cmd.Command]:
        """The machine's answer did not come in the step's time: never leave the resident stuck."""
        s = self.session
        log.warning("no answer in %s within %.0f s", self.step, self.config.timeout_of(self.step))
        if self.step is Step.PRINT:
            return self._on_print_failed(ev.PrintFailed("no_answer"))
        if self.step is Step.LOOKUP:
            return self._enter_help("lookup_failed")
        if s.outcome is None:  # the match: pending, decided later from the recorded evidence
            return self._record(Outcome.PENDING, "match_timeout")
        return self._enter_help("store_failed")

    def _on_device_failed(self, event: ev.DeviceFailed) -> list[cmd.Command]:
        known = event.device in self.faults
        self.faults[event.device] = event.detail
        if self.step in LEFT_ON_FAULT and event.device in DEVICES_OF_STEP[self.step]:
            return self._fault_at(self.step, event.device)
        if known or (event.device == "printer" and self.step is Step.PRINT):
            return []  # told already, or the job's own answer (PrintFailed) tells it
        # Not in use now: remembered for the step that needs it; staff hear of it at once.
        out = self.staff_call.call(f"{event.device}_fault")
        return [*out, *self._show()] if self.step is Step.IDLE else out  # the welcome says it

    def _faulty_device(self, step: Step) -> str:
        """The first of the step's devices known to be faulty ('' : none)."""
        return next((d for d in DEVICES_OF_STEP.get(step, ()) if d in self.faults), "")

    def _fault_at(self, step: Step, device: str) -> list[cmd.Command]:
        """DEVICE_FAULT instead of `step`, whose `device` is faulty; `step` is the way back."""
        self.session.fault_device, self.session.fault_return = device, step
        if self.step is Step.FACE_CAPTURE:
            self.session.capture_attempts -= 1  # the camera broke the attempt off: not counted
        return [*self.staff_call.call(f"{device}_fault"), *self._go(Step.DEVICE_FAULT)]

    def _leave_fault(self) -> Step:
        """Forget the session's fault; where it came from."""
        s = self.session
        target = s.fault_return or Step.IDLE
        s.fault_device, s.fault_return = "", None
        return target

    def _on_device_recovered(self, event: ev.DeviceRecovered) -> list[cmd.Command]:
        known = self.faults.pop(event.device, None) is not None
        if self.step is Step.IDLE and known:
            return self._show()  # the welcome screen no longer warns of it
        if self.step is not Step.DEVICE_FAULT or self.session.fault_device != event.device:
            return []
        return self._resume(self._leave_fault())

    def _service(self) -> Service:
        return self.session.service or Service.PENSION_CHECK


def _names(commands: list[cmd.Command]) -> str:
    return ", ".join(type(c).__name__ for c in commands)
