"""The session flow without a screen: assert the next step and the commands, as Electrum
tests its wizard. Every transition, timeout and fault path."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kiosk.flow import FlowConfig, Outcome, Service, SessionFlow, Step
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import DEFAULT_TIMEOUTS_S, MatchEvidence, ReceiptKind, RecordedCase
from kiosk.flow.view import FaceGuide


@dataclass(frozen=True)
class FakeResident:
    masked_name: str = "张*英"
    masked_id_number: str = "1101**********1239"


RESIDENT = FakeResident()


@dataclass(frozen=True)
class FakeCertificate:
    certificate_no: str = "261124-7KQ2M"


CERTIFICATE = FakeCertificate()


def kinds(commands: list[cmd.Command]) -> list[type]:
    return [type(c) for c in commands]


def of(commands: list[cmd.Command], kind: type) -> list:
    return [c for c in commands if isinstance(c, kind)]


def screen(commands: list[cmd.Command]) -> cmd.ShowScreen:
    shown = of(commands, cmd.ShowScreen)
    assert shown, f"no screen shown in {kinds(commands)}"
    return shown[-1]


# A different limit per step, so a test can tell which step's limit a timer got.
TIMEOUTS = {step: 100.0 + i for i, step in enumerate(DEFAULT_TIMEOUTS_S)}


@pytest.fixture
def flow() -> SessionFlow:
    f = SessionFlow(FlowConfig(TIMEOUTS, max_card_attempts=3, max_capture_attempts=2))
    f.start()
    return f


def to_step(flow: SessionFlow, step: Step, service: Service = Service.PENSION_CHECK) -> None:
    """Walk the happy path up to `step`."""
    path = [
        (Step.READ_CARD, ev.ServiceChosen(service)),
        (Step.CONFIRM_IDENTITY, ev.CardRead(RESIDENT)),
        (Step.CONSENT, ev.Confirmed(True)),
        (Step.FACE_CAPTURE, ev.ConsentAnswered(True)),
        (Step.MATCHING, ev.LivenessDone(True, evidence={"actions": ["blink"]})),
    ]
    for target, event in path:
        if flow.step is step:
            return
        flow.handle(event)
        assert flow.step is target
    assert flow.step is step


def reach(flow: SessionFlow, step: Step) -> list[cmd.Command]:
    """Any step, by the resident's usual way there; returns the commands of the last event."""
    later = {
        Step.RESULT: (
            Step.MATCHING,
            [ev.MatchDone(Outcome.VERIFIED), ev.CaseRecorded(RecordedCase("c1"))],
        ),
        Step.PRINT: (Step.RESULT, [ev.Continue()]),
        Step.RATE: (Step.PRINT, [ev.PrintDone()]),
        Step.THANKS: (Step.RATE, [ev.Rated(4)]),
        Step.RATE_REASON: (Step.RATE, [ev.Rated(2)]),
        Step.HELP: (Step.CONSENT, [ev.HelpRequested()]),
        Step.DEVICE_FAULT: (Step.READ_CARD, [ev.DeviceFailed("card_reader", "unplugged")]),
    }
    if step is Step.LOOKUP:
        to_step(flow, Step.CONFIRM_IDENTITY, Service.REPRINT)
        out = flow.handle(ev.Confirmed(True))
    elif step in later:
        before, events = later[step]
        reach(flow, before)
        for event in events:
            out = flow.handle(event)
    else:
        assert flow.step is Step.IDLE  # a fresh flow: on the welcome screen
        flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
        out = flow.handle(ev.Back())  # and back: welcome, every timer stopped
        for target, event in [
            (Step.READ_CARD, ev.ServiceChosen(Service.PENSION_CHECK)),
            (Step.CONFIRM_IDENTITY, ev.CardRead(RESIDENT)),
            (Step.CONSENT, ev.Confirmed(True)),
            (Step.FACE_CAPTURE, ev.ConsentAnswered(True)),
            (Step.MATCHING, ev.LivenessDone(True)),
        ]:
            if flow.step is step:
                break
            out = flow.handle(event)
            assert flow.step is target
    assert flow.step is step
    return out


def end_visit(flow: SessionFlow) -> None:
    """The resident walks away: no touch, no answer to "more time?", back to welcome."""
    flow.handle(ev.TimerExpired(cmd.IDLE_TIMER))
    flow.handle(ev.MoreTimeAnswered(False))
    assert flow.step is Step.IDLE and flow.session.resident is None


def started(commands: list[cmd.Command]) -> dict[str, float]:
    """The timers started, but the staff call's own (tests/test_flow_staff_call.py)."""
    timers = of(commands, cmd.StartTimer)
    return {c.name: c.seconds for c in timers if c.name != cmd.STAFF_CALL_TIMER}


def test_start_shows_welcome() -> None:
    flow = SessionFlow()
    out = flow.start()
    assert screen(out).step is Step.IDLE
    assert flow.step is Step.IDLE


def test_happy_path_verified_to_welcome(flow: SessionFlow) -> None:
    out = flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    assert flow.step is Step.READ_CARD
    assert of(out, cmd.StartCardReader)
    assert screen(out).view.step_no == 1 and screen(out).view.step_total == 5
    assert of(out, cmd.PlayPrompt)[0].prompt_id == "screen.read_card"
    assert of(out, cmd.StartTimer)[0].name == cmd.IDLE_TIMER

    out = flow.handle(ev.CardRead(RESIDENT))
    assert flow.step is Step.CONFIRM_IDENTITY
    assert of(out, cmd.StopCardReader)
    assert screen(out).view.masked_name == "张*英"

    out = flow.handle(ev.Confirmed(True))
    assert flow.step is Step.CONSENT

    out = flow.handle(ev.ConsentAnswered(True))
    assert flow.step is Step.FACE_CAPTURE
    assert of(out, cmd.StartFaceCapture)[0].attempt == 1

    out = flow.handle(ev.FaceProgress(FaceGuide(action="blink", prompt_id="face.blink")))
    assert flow.step is Step.FACE_CAPTURE
    assert screen(out).view.face.action == "blink"
    assert of(out, cmd.PlayPrompt)[0].prompt_id == "face.blink"

    out = flow.handle(ev.LivenessDone(True, evidence={"best_frame": "x"}))
    assert flow.step is Step.MATCHING
    assert of(out, cmd.StopFaceCapture)
    assert of(out, cmd.StartMatching)[0].evidence == {"best_frame": "x"}
    assert of(out, cmd.CancelTimer)  # no "more time?" while the machine works

    match = MatchEvidence(distance=0.3, threshold=0.5, reference="card_photo")
    out = flow.handle(ev.MatchDone(Outcome.VERIFIED, match=match, valid_until="2027-11-30"))
    assert flow.step is Step.MATCHING
    record = of(out, cmd.RecordCase)[0]
    assert record.outcome is Outcome.VERIFIED
    assert (record.match, record.liveness) == (match, {"best_frame": "x"})
    assert record.valid_until == "2027-11-30"

    # The certificate comes with the recorded case and goes with the print job.
    out = flow.handle(ev.CaseRecorded(RecordedCase("case-1", CERTIFICATE)))
    assert flow.step is Step.RESULT
    assert screen(out).view.outcome == "verified"

    out = flow.handle(ev.Continue())
    assert flow.step is Step.PRINT
    job = of(out, cmd.PrintReceipt)[0]
    assert (job.kind, job.case_id, job.certificate) == ("certificate", "case-1", CERTIFICATE)

    out = flow.handle(ev.PrintDone())
    assert flow.step is Step.RATE
    out = flow.handle(ev.Rated(5))
    assert flow.step is Step.THANKS
    assert any(t.name == cmd.THANKS_TIMER for t in of(out, cmd.StartTimer))
    out = flow.handle(ev.TimerExpired(cmd.THANKS_TIMER))
    assert flow.step is Step.IDLE
    assert of(out, cmd.WipeSession)
    assert flow.session.resident is None and flow.session.case_id == ""
    assert flow.session.certificate is None


@pytest.mark.parametrize(
    ("outcome", "receipt"),
    [(Outcome.NOT_VERIFIED, "failure_notice"), (Outcome.PENDING, "pending_slip")],
)
def test_other_outcomes_print_their_receipt(
    flow: SessionFlow, outcome: Outcome, receipt: str
) -> None:
    to_step(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(outcome, reason="face_mismatch"))
    flow.handle(ev.CaseRecorded(RecordedCase("c2")))
    assert flow.view().outcome == str(outcome)
    out = flow.handle(ev.Continue())
    assert of(out, cmd.PrintReceipt)[0].kind == receipt
    assert of(out, cmd.PrintReceipt)[0].reason == "face_mismatch"


def test_card_read_failure_retries_then_calls_staff(flow: SessionFlow) -> None:
    flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    out = flow.handle(ev.CardReadFailed("torn_read"))
    assert flow.step is Step.READ_CARD
    assert screen(out).view.card_error == "torn_read"
    assert of(out, cmd.PlayPrompt)[0].prompt_id == "card.again"
    flow.handle(ev.CardReadFailed("torn_read"))
    assert flow.step is Step.READ_CARD
    out = flow.handle(ev.CardReadFailed("torn_read"))
    assert flow.step is Step.HELP
    assert of(out, cmd.CallStaff)[0].reason == "card_unreadable"
    assert of(out, cmd.StopCardReader)
    # staff fixed it: back to reading, the reader starts again
    out = flow.handle(ev.HelpDismissed())
    assert flow.step is Step.READ_CARD
    assert of(out, cmd.StartCardReader)


def test_not_me_goes_back_to_the_card(flow: SessionFlow) -> None:
    to_step(flow, Step.CONFIRM_IDENTITY)
    out = flow.handle(ev.Confirmed(False))
    assert flow.step is Step.READ_CARD
    assert flow.session.resident is None
    assert screen(out).view.wrong_card is True


def test_consent_declined_offers_assisted_check(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    out = flow.handle(ev.ConsentAnswered(False))
    assert flow.step is Step.HELP
    assert of(out, cmd.CallStaff)[0].reason == "consent_declined"
    out = flow.handle(ev.StaffUnlocked("staff-07"))
    assert flow.step is Step.MATCHING
    record = of(out, cmd.RecordCase)[0]
    assert record.outcome is Outcome.PENDING
    assert record.assisted_by == "staff-07"
    assert record.reason == "assisted_without_face"
    flow.handle(ev.CaseRecorded(RecordedCase("c3")))
    assert flow.step is Step.RESULT
    assert flow.session.assisted_by == "staff-07"


def test_staff_unlock_from_help_returns_assisted(flow: SessionFlow) -> None:
    to_step(flow, Step.FACE_CAPTURE)
    flow.handle(ev.HelpRequested())
    assert flow.step is Step.HELP
    out = flow.handle(ev.StaffUnlocked("staff-01"))
    assert flow.step is Step.FACE_CAPTURE
    assert of(out, cmd.StartFaceCapture)
    flow.handle(ev.LivenessDone(True))
    out = flow.handle(ev.MatchDone(Outcome.VERIFIED))
    assert of(out, cmd.RecordCase)[0].assisted_by == "staff-01"


def test_liveness_failure_retries_then_not_verified(flow: SessionFlow) -> None:
    to_step(flow, Step.FACE_CAPTURE)
    out = flow.handle(ev.LivenessDone(False, reason="timeout"))
    assert flow.step is Step.FACE_CAPTURE
    assert of(out, cmd.StopFaceCapture)
    assert screen(out).view.liveness_failed == "timeout"
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == ["face.retry.timeout"]
    assert flow.handle(ev.LivenessDone(False, reason="again")) == []  # stale result ignored
    out = flow.handle(ev.Retry())
    assert of(out, cmd.StartFaceCapture)[0].attempt == 2
    out = flow.handle(ev.LivenessDone(False, reason="timeout"))
    assert flow.step is Step.MATCHING
    record = of(out, cmd.RecordCase)[0]
    assert (record.outcome, record.reason) == (Outcome.NOT_VERIFIED, "timeout")


def test_a_presentation_attack_is_recorded_at_once_without_a_retry(flow: SessionFlow) -> None:
    to_step(flow, Step.FACE_CAPTURE)
    evidence = {"reason": "presentation_attack", "pad": {"attack": True, "score": 0.97}}
    out = flow.handle(ev.LivenessDone(False, "presentation_attack", evidence))
    # The first attempt of several: still no "try again", recorded as not verified at once.
    assert flow.session.capture_attempts < flow.config.max_capture_attempts
    assert flow.step is Step.MATCHING
    assert of(out, cmd.StopFaceCapture) and not of(out, cmd.StartMatching)
    [record] = of(out, cmd.RecordCase)
    assert (record.outcome, record.reason) == (Outcome.NOT_VERIFIED, "presentation_attack")
    assert record.liveness == evidence  # the PAD scores reach the case
    out = flow.handle(ev.CaseRecorded(RecordedCase("c9")))
    assert flow.step is Step.RESULT
    assert screen(out).view.reason == "presentation_attack"
    # Said in neutral words with the way to staff, not the plain "not verified".
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == ["face.presentation_attack"]
    out = flow.handle(ev.Continue())
    [job] = of(out, cmd.PrintReceipt)
    assert job.kind is ReceiptKind.FAILURE_NOTICE and job.certificate is None


def test_record_failure_asks_staff_and_loses_nothing_silently(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(Outcome.VERIFIED))
    out = flow.handle(ev.CaseRecordFailed("disk full"))
    assert flow.step is Step.HELP
    assert of(out, cmd.CallStaff)[0].reason == "store_failed"
    assert flow.view().help_reason == "store_failed"


def test_print_failure_keeps_job_and_allows_retry_or_continue(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(Outcome.VERIFIED))
    flow.handle(ev.CaseRecorded(RecordedCase("c4")))
    flow.handle(ev.Continue())
    out = flow.handle(ev.PrintFailed("paper_out"))
    assert flow.step is Step.PRINT
    assert screen(out).view.print_failed == "paper_out"
    assert of(out, cmd.CallStaff)[0].reason == "printer_paper_out"
    out = flow.handle(ev.Retry())
    assert of(out, cmd.PrintReceipt)[0].case_id == "c4"
    flow.handle(ev.PrintFailed("offline"))
    flow.handle(ev.Continue())
    assert flow.step is Step.RATE


def test_idle_timeout_asks_for_more_time_then_continues(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    out = flow.handle(ev.TimerExpired(cmd.IDLE_TIMER))
    assert flow.step is Step.CONSENT
    assert screen(out).view.more_time is True
    assert of(out, cmd.PlayPrompt)[0].prompt_id == "more_time"
    assert of(out, cmd.StartTimer)[0].name == cmd.MORE_TIME_TIMER
    out = flow.handle(ev.MoreTimeAnswered(True))
    assert flow.step is Step.CONSENT
    assert screen(out).view.more_time is False
    assert [t.name for t in of(out, cmd.StartTimer)] == [cmd.IDLE_TIMER]


def test_unanswered_more_time_wipes_and_goes_home(flow: SessionFlow) -> None:
    to_step(flow, Step.FACE_CAPTURE)
    flow.handle(ev.TimerExpired(cmd.IDLE_TIMER))
    out = flow.handle(ev.TimerExpired(cmd.MORE_TIME_TIMER))
    assert flow.step is Step.IDLE
    assert of(out, cmd.StopFaceCapture) and of(out, cmd.WipeSession)
    assert flow.session.resident is None


def test_declining_more_time_goes_home(flow: SessionFlow) -> None:
    to_step(flow, Step.READ_CARD)
    flow.handle(ev.TimerExpired(cmd.IDLE_TIMER))
    out = flow.handle(ev.MoreTimeAnswered(False))
    assert flow.step is Step.IDLE
    assert of(out, cmd.StopCardReader)


def test_touch_restarts_idle_timer_and_late_timers_are_ignored(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    out = flow.handle(ev.Touched())
    assert [t.name for t in of(out, cmd.StartTimer)] == [cmd.IDLE_TIMER]
    assert flow.handle(ev.TimerExpired(cmd.MORE_TIME_TIMER)) == []
    assert flow.handle(ev.TimerExpired(cmd.THANKS_TIMER)) == []


def test_no_more_time_question_while_matching(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    assert flow.handle(ev.TimerExpired(cmd.IDLE_TIMER)) == []
    assert flow.step is Step.MATCHING


def test_help_while_matching_calls_staff_without_leaving(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    out = flow.handle(ev.HelpRequested())
    assert flow.step is Step.MATCHING
    assert of(out, cmd.CallStaff)
    assert screen(out).view.staff_called is True


def test_help_from_welcome_returns_to_welcome(flow: SessionFlow) -> None:
    flow.handle(ev.HelpRequested())
    assert flow.step is Step.HELP
    flow.handle(ev.HelpDismissed())
    assert flow.step is Step.IDLE


@pytest.mark.parametrize(
    ("step", "device", "stop"),
    [
        (Step.READ_CARD, "card_reader", cmd.StopCardReader),
        (Step.FACE_CAPTURE, "camera", cmd.StopFaceCapture),
    ],
)
def test_device_fault_and_the_way_back(
    flow: SessionFlow, step: Step, device: str, stop: type
) -> None:
    to_step(flow, step)
    out = flow.handle(ev.DeviceFailed("printer", "offline"))  # not this step's device
    assert flow.step is step and not of(out, cmd.ShowScreen)
    assert [c.reason for c in of(out, cmd.CallStaff)] == ["printer_fault"]  # staff told at once
    out = flow.handle(ev.DeviceFailed(device, "unplugged"))
    assert flow.step is Step.DEVICE_FAULT
    assert of(out, stop)
    assert of(out, cmd.CallStaff)[0].reason == f"{device}_fault"
    assert screen(out).view.fault_device == device
    assert flow.handle(ev.DeviceRecovered("printer")) == []
    flow.handle(ev.DeviceRecovered(device))
    assert flow.step is step


def test_device_fault_retry_and_give_up(flow: SessionFlow) -> None:
    to_step(flow, Step.READ_CARD)
    flow.handle(ev.DeviceFailed("card_reader"))
    out = flow.handle(ev.Retry())
    assert flow.step is Step.READ_CARD and of(out, cmd.StartCardReader)
    flow.handle(ev.DeviceFailed("card_reader"))
    flow.handle(ev.Continue())
    assert flow.step is Step.IDLE


@pytest.mark.parametrize(
    ("step", "target"),
    [
        (Step.READ_CARD, Step.IDLE),
        (Step.CONFIRM_IDENTITY, Step.READ_CARD),
        (Step.CONSENT, Step.CONFIRM_IDENTITY),
        (Step.FACE_CAPTURE, Step.CONSENT),
    ],
)
def test_back(flow: SessionFlow, step: Step, target: Step) -> None:
    to_step(flow, step)
    flow.handle(ev.Back())
    assert flow.step is target


def test_no_back_from_matching(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    assert flow.handle(ev.Back()) == []


def test_events_in_the_wrong_step_are_ignored(flow: SessionFlow) -> None:
    assert flow.handle(ev.CardRead(RESIDENT)) == []
    assert flow.handle(ev.MatchDone(Outcome.VERIFIED)) == []
    assert flow.handle(ev.PrintDone()) == []
    assert flow.handle(ev.CaseRecorded(RecordedCase("x"))) == []
    assert flow.step is Step.IDLE


def test_reprint_service(flow: SessionFlow) -> None:
    to_step(flow, Step.CONFIRM_IDENTITY, Service.REPRINT)
    out = flow.handle(ev.Confirmed(True))
    assert flow.step is Step.LOOKUP
    assert of(out, cmd.Lookup)[0].service is Service.REPRINT
    out = flow.handle(ev.LookupDone(Outcome.VERIFIED, job_id="old-1"))
    assert flow.step is Step.PRINT
    job = of(out, cmd.PrintReceipt)[0]
    assert (job.kind, job.case_id) == ("reprint", "old-1")


@pytest.mark.parametrize("outcome", [Outcome.NOT_VERIFIED, Outcome.PENDING])
def test_reprint_prints_a_notice_or_slip_that_never_printed(
    flow: SessionFlow, outcome: Outcome
) -> None:
    """The print-failed screen said 可以稍后补打 of it: 补打 finds it (the records' lookup)."""
    to_step(flow, Step.CONFIRM_IDENTITY, Service.REPRINT)
    flow.handle(ev.Confirmed(True))
    out = flow.handle(ev.LookupDone(outcome, job_id="failure_notice-c7"))
    assert flow.step is Step.PRINT
    job = of(out, cmd.PrintReceipt)[0]
    assert (job.kind, job.case_id) == ("reprint", "failure_notice-c7")


def test_reprint_with_nothing_on_record(flow: SessionFlow) -> None:
    to_step(flow, Step.CONFIRM_IDENTITY, Service.REPRINT)
    flow.handle(ev.Confirmed(True))
    flow.handle(ev.LookupDone(Outcome.NOT_FOUND))
    assert flow.step is Step.RESULT
    flow.handle(ev.Continue())
    assert flow.step is Step.RATE


def test_query_service_shows_result_without_printing(flow: SessionFlow) -> None:
    to_step(flow, Step.CONFIRM_IDENTITY, Service.QUERY)
    flow.handle(ev.Confirmed(True))
    out = flow.handle(ev.LookupDone(Outcome.VERIFIED, valid_until="2027-11-30"))
    assert flow.step is Step.RESULT
    assert screen(out).view.valid_until == "2027-11-30"
    out = flow.handle(ev.Continue())
    assert flow.step is Step.RATE and not of(out, cmd.PrintReceipt)


def test_rating_can_be_skipped(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(Outcome.VERIFIED))
    flow.handle(ev.CaseRecorded(RecordedCase("c")))
    flow.handle(ev.Continue())
    flow.handle(ev.PrintDone())
    flow.handle(ev.Rated(None))
    assert flow.step is Step.THANKS
    flow.handle(ev.Continue())
    assert flow.step is Step.IDLE


@dataclass(frozen=True)
class FakeCardHolder(FakeResident):
    name: str = "张秀英"
    id_number: str = "110101195001011239"


@pytest.mark.parametrize("outcome", [Outcome.VERIFIED, Outcome.NOT_VERIFIED, Outcome.PENDING])
def test_an_expired_card_is_decided_as_usual_recorded_and_told(
    flow: SessionFlow, outcome: Outcome
) -> None:
    flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    flow.handle(ev.CardRead(RESIDENT, card_expired=True))
    for event in (ev.Confirmed(True), ev.ConsentAnswered(True), ev.LivenessDone(True)):
        flow.handle(event)
    out = flow.handle(ev.MatchDone(outcome))
    [record] = of(out, cmd.RecordCase)
    assert (record.outcome, record.card_expired) == (outcome, True)  # the match decides
    out = flow.handle(ev.CaseRecorded(RecordedCase("c1")))
    assert flow.step is Step.RESULT and screen(out).view.card_expired
    flow.handle(ev.Continue())
    flow.handle(ev.PrintDone())
    flow.handle(ev.Rated(None))
    flow.handle(ev.Continue())
    flow.handle(ev.ServiceChosen(Service.QUERY))
    flow.handle(ev.CardRead(RESIDENT))  # the next visit, a valid card
    assert flow.view().card_expired is False


def test_view_never_holds_the_full_identity(flow: SessionFlow) -> None:
    holder = FakeCardHolder()
    flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    flow.handle(ev.CardRead(holder))
    assert flow.step is Step.CONFIRM_IDENTITY
    view = flow.view()
    assert not any(value is holder for value in vars(view).values())
    assert holder.name not in repr(view) and holder.id_number not in repr(view)
    assert (view.masked_name, view.masked_id_number) == ("张*英", "1101**********1239")


def test_a_touch_on_the_welcome_screen_greets_once_per_visit(flow: SessionFlow) -> None:
    out = flow.handle(ev.Touched())
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == ["screen.idle"]
    assert flow.handle(ev.Touched()) == []  # not again while the same person is there
    flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    assert not of(flow.handle(ev.Touched()), cmd.PlayPrompt)  # only the welcome greets
    end_visit(flow)
    out = flow.handle(ev.Touched())
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == ["screen.idle"]


# -- per-step time limits ------------------------------------------------------------------
WAITS_ON_RESIDENT = [
    Step.READ_CARD,
    Step.CONFIRM_IDENTITY,
    Step.CONSENT,
    Step.FACE_CAPTURE,
    Step.RESULT,
    Step.RATE,
    Step.HELP,
    Step.DEVICE_FAULT,
]


@pytest.mark.parametrize("step", list(Step))
def test_each_step_runs_one_timer_with_its_own_limit(flow: SessionFlow, step: Step) -> None:
    out = reach(flow, step)
    expected = {
        Step.IDLE: {},
        Step.MATCHING: {cmd.WAIT_TIMER: TIMEOUTS[Step.MATCHING]},
        Step.LOOKUP: {cmd.WAIT_TIMER: TIMEOUTS[Step.LOOKUP]},
        Step.PRINT: {cmd.WAIT_TIMER: TIMEOUTS[Step.PRINT]},  # the job is in flight
        Step.THANKS: {cmd.THANKS_TIMER: TIMEOUTS[Step.THANKS]},
        Step.RATE_REASON: {cmd.IDLE_TIMER: TIMEOUTS[Step.RATE]},  # the rating's own time
    }.get(step, {cmd.IDLE_TIMER: TIMEOUTS.get(step, 0.0)})
    assert started(out) == expected
    cancelled = {c.name for c in of(out, cmd.CancelTimer)}
    assert {cmd.IDLE_TIMER, cmd.WAIT_TIMER} - set(expected) <= cancelled


@pytest.mark.parametrize("step", [*WAITS_ON_RESIDENT, "print_failed"])
def test_idle_timeout_in_every_step_that_waits_on_the_resident(
    flow: SessionFlow, step: Step | str
) -> None:
    if step == "print_failed":
        reach(flow, Step.PRINT)
        out = flow.handle(ev.PrintFailed("paper_out"))
        assert started(out) == {cmd.IDLE_TIMER: TIMEOUTS[Step.PRINT]}
        step = Step.PRINT
    else:
        reach(flow, Step(step))
    out = flow.handle(ev.TimerExpired(cmd.IDLE_TIMER))
    assert flow.step is step
    assert screen(out).view.more_time is True
    assert started(out) == {cmd.MORE_TIME_TIMER: 30.0}
    assert flow.handle(ev.TimerExpired(cmd.IDLE_TIMER)) == []  # asked once
    out = flow.handle(ev.MoreTimeAnswered(True))
    assert flow.step is step and screen(out).view.more_time is False
    assert started(out) == {cmd.IDLE_TIMER: TIMEOUTS[step]}
    flow.handle(ev.TimerExpired(cmd.IDLE_TIMER))
    out = flow.handle(ev.TimerExpired(cmd.MORE_TIME_TIMER))
    assert flow.step is Step.IDLE
    assert of(out, cmd.WipeSession) and flow.session.resident is None


@pytest.mark.parametrize("step", [Step.MATCHING, Step.LOOKUP, Step.PRINT])
def test_no_more_time_question_while_the_machine_works(flow: SessionFlow, step: Step) -> None:
    reach(flow, step)
    assert flow.handle(ev.TimerExpired(cmd.IDLE_TIMER)) == []
    assert flow.handle(ev.Touched()) == []  # a touch does not start the resident's timer
    assert flow.step is step and not flow.view().more_time


@pytest.mark.parametrize("step", [s for s in Step if s not in (Step.MATCHING, Step.LOOKUP)])
def test_a_stale_wait_timer_is_ignored(flow: SessionFlow, step: Step) -> None:
    reach(flow, step)
    if step is Step.PRINT:
        flow.handle(ev.PrintFailed("offline"))  # the resident's turn now
    assert flow.handle(ev.TimerExpired(cmd.WAIT_TIMER)) == []
    assert flow.step is step


def test_a_lost_match_is_recorded_as_pending(flow: SessionFlow) -> None:
    reach(flow, Step.MATCHING)
    out = flow.handle(ev.TimerExpired(cmd.WAIT_TIMER))
    assert flow.step is Step.MATCHING
    record = of(out, cmd.RecordCase)[0]
    assert (record.outcome, record.reason) == (Outcome.PENDING, "match_timeout")
    assert started(out) == {cmd.WAIT_TIMER: TIMEOUTS[Step.MATCHING]}  # now for the record
    assert flow.handle(ev.MatchDone(Outcome.VERIFIED)) == []  # too late: already decided
    out = flow.handle(ev.CaseRecorded(RecordedCase("c9")))
    assert flow.step is Step.RESULT
    assert screen(out).view.outcome == "pending"
    assert cmd.WAIT_TIMER in {c.name for c in of(out, cmd.CancelTimer)}


def test_a_lost_record_calls_staff_and_coming_back_records_again(flow: SessionFlow) -> None:
    reach(flow, Step.MATCHING)
    out = flow.handle(ev.MatchDone(Outcome.VERIFIED, match=MatchEvidence(distance=0.3)))
    assert started(out) == {cmd.WAIT_TIMER: TIMEOUTS[Step.MATCHING]}  # restarted for the record
    out = flow.handle(ev.TimerExpired(cmd.WAIT_TIMER))
    assert flow.step is Step.HELP
    assert of(out, cmd.CallStaff)[0].reason == "store_failed"
    assert flow.view().help_reason == "store_failed"
    out = flow.handle(ev.HelpDismissed())
    assert flow.step is Step.MATCHING
    record = of(out, cmd.RecordCase)[0]
    assert (record.outcome, record.match.distance) == (Outcome.VERIFIED, 0.3)
    flow.handle(ev.CaseRecorded(RecordedCase("c10")))
    assert flow.step is Step.RESULT and flow.session.case_id == "c10"


def test_a_record_that_lands_after_staff_were_called_is_not_made_twice(flow: SessionFlow) -> None:
    reach(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(Outcome.VERIFIED))
    flow.handle(ev.TimerExpired(cmd.WAIT_TIMER))
    assert flow.handle(ev.CaseRecorded(RecordedCase("late-1", CERTIFICATE))) == []
    assert flow.step is Step.HELP
    out = flow.handle(ev.HelpDismissed())
    assert flow.step is Step.RESULT and not of(out, cmd.RecordCase)
    assert flow.session.case_id == "late-1"
    job = of(flow.handle(ev.Continue()), cmd.PrintReceipt)[0]  # its certificate came too
    assert (job.case_id, job.certificate) == ("late-1", CERTIFICATE)


def test_a_store_failure_then_help_dismissed_records_again(flow: SessionFlow) -> None:
    reach(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(Outcome.NOT_VERIFIED, reason="face_mismatch"))
    flow.handle(ev.CaseRecordFailed("disk full"))
    out = flow.handle(ev.HelpDismissed())
    assert flow.step is Step.MATCHING
    assert of(out, cmd.RecordCase)[0].reason == "face_mismatch"


def test_a_lost_lookup_calls_staff_and_coming_back_asks_again(flow: SessionFlow) -> None:
    reach(flow, Step.LOOKUP)
    out = flow.handle(ev.TimerExpired(cmd.WAIT_TIMER))
    assert flow.step is Step.HELP
    assert of(out, cmd.CallStaff)[0].reason == "lookup_failed"
    assert flow.handle(ev.LookupDone(Outcome.VERIFIED)) == []  # late answer, in help
    out = flow.handle(ev.HelpDismissed())
    assert flow.step is Step.LOOKUP
    assert of(out, cmd.Lookup)[0].service is Service.REPRINT
    assert started(out) == {cmd.WAIT_TIMER: TIMEOUTS[Step.LOOKUP]}


@pytest.mark.parametrize("service", [Service.REPRINT, Service.QUERY])
def test_a_failed_lookup_calls_staff_and_says_nothing_about_the_check(
    flow: SessionFlow, service: Service
) -> None:
    to_step(flow, Step.CONFIRM_IDENTITY, service)
    flow.handle(ev.Confirmed(True))
    assert flow.step is Step.LOOKUP
    out = flow.handle(ev.LookupFailed("PrintStoreBroken"))
    assert flow.step is Step.HELP
    assert of(out, cmd.CallStaff)[0].reason == "lookup_failed"
    view = screen(out).view
    assert view.help_reason == "lookup_failed" and view.outcome is None
    assert not of(out, cmd.PrintReceipt) and not of(out, cmd.PlayPrompt)[0].prompt_id.startswith(
        "result."
    )
    out = flow.handle(ev.HelpDismissed())  # asks the records again
    assert flow.step is Step.LOOKUP and of(out, cmd.Lookup)


def test_a_print_job_without_answer_is_a_print_failure(flow: SessionFlow) -> None:
    reach(flow, Step.PRINT)
    out = flow.handle(ev.TimerExpired(cmd.WAIT_TIMER))
    assert flow.step is Step.PRINT
    assert screen(out).view.print_failed == "no_answer"
    assert of(out, cmd.CallStaff)[0].reason == "printer_no_answer"
    assert started(out) == {cmd.IDLE_TIMER: TIMEOUTS[Step.PRINT]}  # the resident's turn
    out = flow.handle(ev.Retry())
    assert of(out, cmd.PrintReceipt) and started(out) == {cmd.WAIT_TIMER: TIMEOUTS[Step.PRINT]}
    flow.handle(ev.PrintDone())
    assert flow.step is Step.RATE


def test_a_print_that_lands_after_giving_up_on_it_goes_on(flow: SessionFlow) -> None:
    reach(flow, Step.PRINT)
    flow.handle(ev.TimerExpired(cmd.WAIT_TIMER))
    assert flow.handle(ev.PrintFailed("offline")) == []  # the job's own late failure: known
    flow.handle(ev.PrintDone())  # it did print after all
    assert flow.step is Step.RATE


def test_time_limits_come_from_the_config() -> None:
    flow = SessionFlow(FlowConfig({**DEFAULT_TIMEOUTS_S, Step.CONSENT: 12.0}, 7.0))
    reach(flow, Step.CONSENT)
    assert flow.handle(ev.Touched()) == [cmd.StartTimer(cmd.IDLE_TIMER, 12.0)]
    out = flow.handle(ev.TimerExpired(cmd.IDLE_TIMER))
    assert started(out) == {cmd.MORE_TIME_TIMER: 7.0}


# -- devices: faults are remembered until recovered -------------------------------------------
def test_a_reader_fault_at_the_welcome_screen_meets_the_resident_at_the_card_step(
    flow: SessionFlow,
) -> None:
    out = flow.handle(ev.DeviceFailed("card_reader", "no reader"))
    assert flow.step is Step.IDLE
    assert [c.reason for c in of(out, cmd.CallStaff)] == ["card_reader_fault"]
    assert flow.handle(ev.DeviceFailed("card_reader", "no reader")) == []  # told once
    out = flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    assert flow.step is Step.DEVICE_FAULT
    assert not of(out, cmd.StartCardReader)
    assert screen(out).view.fault_device == "card_reader"
    assert of(out, cmd.CallStaff)  # someone is waiting now
    out = flow.handle(ev.DeviceRecovered("card_reader"))
    assert flow.step is Step.READ_CARD and of(out, cmd.StartCardReader)
    assert flow.view().fault_device == ""


def test_a_recovery_before_the_resident_arrives_clears_the_fault(flow: SessionFlow) -> None:
    out = flow.handle(ev.DeviceFailed("camera", "unplugged"))
    assert screen(out).view.faults == ("camera",)  # the welcome screen warns
    out = flow.handle(ev.DeviceRecovered("camera"))
    assert screen(out).view.faults == () and not of(out, cmd.CallStaff)
    reach(flow, Step.FACE_CAPTURE)  # asserts the step: no fault on the way


def test_a_camera_fault_met_at_the_face_step_and_retry(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    flow.handle(ev.DeviceFailed("camera", "unplugged"))
    assert flow.step is Step.CONSENT  # not in use yet
    out = flow.handle(ev.ConsentAnswered(True))
    assert flow.step is Step.DEVICE_FAULT and not of(out, cmd.StartFaceCapture)
    out = flow.handle(ev.Retry())  # try the camera anyway
    assert flow.step is Step.FACE_CAPTURE
    assert of(out, cmd.StartFaceCapture)[0].attempt == 1
    flow.handle(ev.DeviceRecovered("camera"))
    assert flow.step is Step.FACE_CAPTURE and "camera" not in flow.faults


def test_retry_after_a_camera_fault_mid_capture_does_not_cost_an_attempt(
    flow: SessionFlow,
) -> None:
    to_step(flow, Step.FACE_CAPTURE)
    out = flow.handle(ev.DeviceFailed("camera", "stalled"))
    assert flow.step is Step.DEVICE_FAULT and of(out, cmd.StopFaceCapture)
    out = flow.handle(ev.Retry())
    assert flow.step is Step.FACE_CAPTURE
    assert of(out, cmd.StartFaceCapture)[0].attempt == 1
    flow.handle(ev.LivenessDone(False, reason="timeout"))
    assert flow.step is Step.FACE_CAPTURE  # still a second try (max 2)
    flow.handle(ev.DeviceFailed("camera", "stalled"))  # still faulty after all
    assert flow.step is Step.DEVICE_FAULT
    flow.handle(ev.Continue())
    assert flow.step is Step.IDLE and flow.session.resident is None


def test_face_models_that_cannot_load_are_a_device_fault_never_a_failed_check(
    flow: SessionFlow,
) -> None:
    everything: list[cmd.Command] = []
    # The face thread reports the failure at start-up, while the welcome screen is up.
    everything += flow.handle(ev.DeviceFailed("face_models", "cannot load face models"))
    assert [c.reason for c in of(everything, cmd.CallStaff)] == ["face_models_fault"]
    to_step(flow, Step.CONSENT)
    everything += flow.handle(ev.ConsentAnswered(True))
    assert flow.step is Step.DEVICE_FAULT and flow.view().fault_device == "face_models"
    assert not of(everything, cmd.StartFaceCapture)  # no check is tried without the models
    everything += flow.handle(ev.Retry())  # try anyway: the face thread loads them again
    assert flow.step is Step.FACE_CAPTURE and of(everything, cmd.StartFaceCapture)
    everything += flow.handle(ev.DeviceFailed("face_models", "cannot load face models"))
    assert flow.step is Step.DEVICE_FAULT  # still broken: back to the fault, not a retry
    assert flow.session.capture_attempts == 0  # the machine's failure costs no attempt
    everything += flow.handle(ev.Continue())
    assert flow.step is Step.IDLE
    assert not of(everything, cmd.RecordCase)  # nothing recorded against the resident


def test_face_models_loaded_on_a_retry_go_on_with_the_check(flow: SessionFlow) -> None:
    flow.handle(ev.DeviceFailed("face_models", "out of memory"))
    to_step(flow, Step.CONSENT)
    flow.handle(ev.ConsentAnswered(True))
    flow.handle(ev.Retry())
    out = flow.handle(ev.DeviceRecovered("face_models"))  # loaded this time
    assert flow.step is Step.FACE_CAPTURE and "face_models" not in flow.faults and out == []


def test_a_card_read_proves_the_reader_works(flow: SessionFlow) -> None:
    to_step(flow, Step.READ_CARD)
    flow.handle(ev.DeviceFailed("card_reader"))
    flow.handle(ev.Retry())
    flow.handle(ev.CardRead(RESIDENT))
    assert "card_reader" not in flow.faults
    flow.handle(ev.Confirmed(False))
    assert flow.step is Step.READ_CARD


def test_a_printer_fault_known_at_the_welcome_screen_is_shown_and_staff_called(
    flow: SessionFlow,
) -> None:
    out = flow.handle(ev.DeviceFailed("printer", "paper_out"))  # the watcher, between jobs
    assert flow.step is Step.IDLE
    assert [c.reason for c in of(out, cmd.CallStaff)] == ["printer_fault"]
    assert screen(out).view.faults == ("printer",)
    assert flow.handle(ev.DeviceFailed("printer", "paper_out")) == []  # said once
    out = flow.handle(ev.DeviceRecovered("printer"))  # paper loaded
    assert screen(out).view.faults == ()


def test_a_printer_known_faulty_still_gets_the_job_so_it_is_kept(flow: SessionFlow) -> None:
    flow.handle(ev.DeviceFailed("printer", "paper_out"))
    reach(flow, Step.RESULT)
    out = flow.handle(ev.Continue())
    assert flow.step is Step.PRINT and of(out, cmd.PrintReceipt)[0].case_id == "c1"
    out = flow.handle(ev.PrintFailed("paper_out"))  # the printer bridge kept the job
    assert screen(out).view.print_failed == "paper_out"
    assert [c.reason for c in of(out, cmd.CallStaff)] == ["printer_paper_out"]
    out = flow.handle(ev.Retry())
    assert of(out, cmd.PrintReceipt)
    flow.handle(ev.PrintDone())  # paper loaded meanwhile
    assert flow.step is Step.RATE and "printer" not in flow.faults


def test_going_on_without_the_paper_still_rates_the_visit(flow: SessionFlow) -> None:
    flow.handle(ev.DeviceFailed("printer", "offline"))
    reach(flow, Step.RESULT)
    flow.handle(ev.Continue())
    flow.handle(ev.PrintFailed("offline"))
    flow.handle(ev.Continue())  # 先不打印: the job is kept, 补打 prints it later
    assert flow.step is Step.RATE
    assert flow.session.case_id == "c1"


def test_a_printer_fault_while_a_job_is_in_flight_waits_for_the_jobs_answer(
    flow: SessionFlow,
) -> None:
    reach(flow, Step.PRINT)
    flow.handle(ev.DeviceFailed("printer", "offline"))
    assert flow.step is Step.PRINT
    flow.handle(ev.PrintFailed("offline"))
    assert flow.view().print_failed == "offline"


def test_a_device_that_recovers_while_in_help_is_not_shown_as_faulty(flow: SessionFlow) -> None:
    to_step(flow, Step.READ_CARD)
    flow.handle(ev.DeviceFailed("card_reader"))
    flow.handle(ev.HelpRequested())
    assert flow.step is Step.HELP
    flow.handle(ev.DeviceRecovered("card_reader"))
    assert flow.step is Step.HELP
    out = flow.handle(ev.HelpDismissed())
    assert flow.step is Step.READ_CARD and of(out, cmd.StartCardReader)


def test_a_fault_while_in_help_meets_the_resident_on_return(flow: SessionFlow) -> None:
    to_step(flow, Step.READ_CARD)
    flow.handle(ev.HelpRequested())
    flow.handle(ev.DeviceFailed("card_reader"))
    assert flow.step is Step.HELP
    flow.handle(ev.HelpDismissed())
    assert flow.step is Step.DEVICE_FAULT


def test_faults_outlive_the_visit(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    flow.handle(ev.DeviceFailed("camera"))
    end_visit(flow)
    to_step(flow, Step.CONSENT)
    flow.handle(ev.ConsentAnswered(True))
    assert flow.step is Step.DEVICE_FAULT


# -- the card ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "step", [Step.READ_CARD, Step.CONFIRM_IDENTITY, Step.FACE_CAPTURE, Step.RESULT, Step.RATE]
)
def test_lifting_the_card_changes_nothing_before_the_visit_ends(
    flow: SessionFlow, step: Step
) -> None:
    reach(flow, step)
    view = flow.view()
    out = flow.handle(ev.CardRemoved())
    assert flow.step is step and flow.view() == view
    assert not of(out, cmd.ShowScreen) and not of(out, cmd.PlayPrompt)
    if step is Step.READ_CARD:  # the resident is there: the idle timer restarts
        assert started(out) == {cmd.IDLE_TIMER: TIMEOUTS[Step.READ_CARD]}


def test_a_card_left_on_the_reader_is_reminded_on_the_thanks_screen(flow: SessionFlow) -> None:
    out = reach(flow, Step.THANKS)
    assert of(out, cmd.StartCardReader)  # the reader reports a card still lying there
    assert flow.view().card_left is False
    out = flow.handle(ev.CardRead(RESIDENT))
    assert flow.step is Step.THANKS
    assert screen(out).view.card_left is True
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == ["card.take_back"]
    assert started(out) == {cmd.THANKS_TIMER: TIMEOUTS[Step.THANKS]}  # full time to take it
    assert flow.handle(ev.CardRead(RESIDENT)) == []  # reminded once
    assert flow.session.resident is RESIDENT  # nothing new kept from the second read
    out = flow.handle(ev.CardRemoved())
    assert screen(out).view.card_left is False and not of(out, cmd.PlayPrompt)
    out = flow.handle(ev.TimerExpired(cmd.THANKS_TIMER))
    assert flow.step is Step.IDLE
    assert of(out, cmd.StopCardReader) and of(out, cmd.WipeSession)


def test_no_reminder_when_the_card_was_taken(flow: SessionFlow) -> None:
    reach(flow, Step.THANKS)
    assert flow.handle(ev.CardRemoved()) == []
    out = flow.handle(ev.Continue())
    assert flow.step is Step.IDLE and of(out, cmd.StopCardReader)


# -- the result is said, not only shown ------------------------------------------------------
@pytest.mark.parametrize("outcome", [Outcome.VERIFIED, Outcome.NOT_VERIFIED, Outcome.PENDING])
def test_the_result_prompt_says_the_outcome(flow: SessionFlow, outcome: Outcome) -> None:
    reach(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(outcome))
    out = flow.handle(ev.CaseRecorded(RecordedCase("c5")))
    assert flow.step is Step.RESULT
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == [f"result.{outcome}"]


def test_a_query_with_nothing_on_record_says_so_and_offers_the_check(flow: SessionFlow) -> None:
    to_step(flow, Step.CONFIRM_IDENTITY, Service.QUERY)
    flow.handle(ev.Confirmed(True))
    out = flow.handle(ev.LookupDone(Outcome.NOT_FOUND))  # the link was down: this terminal's
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == ["query.none_here"]


def test_a_query_found_verified_says_so(flow: SessionFlow) -> None:
    to_step(flow, Step.CONFIRM_IDENTITY, Service.QUERY)
    flow.handle(ev.Confirmed(True))
    out = flow.handle(ev.LookupDone(Outcome.VERIFIED, valid_until="2027-11-30"))
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == ["query.verified"]


# -- help from anywhere ----------------------------------------------------------------------
@pytest.mark.parametrize("step", [Step.PRINT, Step.LOOKUP])
def test_help_while_printing_or_looking_up_calls_staff_without_leaving(
    flow: SessionFlow, step: Step
) -> None:
    reach(flow, step)
    out = flow.handle(ev.HelpRequested())
    assert flow.step is step
    assert [c.reason for c in of(out, cmd.CallStaff)] == ["resident"]
    assert screen(out).view.staff_called is True
    assert not of(out, cmd.PrintReceipt) and not of(out, cmd.Lookup)  # the job is not redone
    if step is Step.PRINT:
        flow.handle(ev.PrintDone())
        assert flow.step is Step.RATE
    else:
        flow.handle(ev.LookupDone(Outcome.VERIFIED, job_id="old-2"))
        assert flow.step is Step.PRINT


def test_help_after_a_failed_print_stays_on_the_print_choice(flow: SessionFlow) -> None:
    reach(flow, Step.PRINT)
    flow.handle(ev.PrintFailed("paper_out"))
    out = flow.handle(ev.HelpRequested())
    assert flow.step is Step.PRINT and of(out, cmd.CallStaff)
    flow.handle(ev.Continue())
    assert flow.step is Step.RATE


def test_coming_back_from_help_after_declining_consent_asks_again(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    flow.handle(ev.ConsentAnswered(False))
    assert flow.step is Step.HELP and flow.view().help_reason == "consent_declined"
    out = flow.handle(ev.HelpDismissed())
    assert flow.step is Step.CONSENT
    assert flow.view().help_reason == "" and not of(out, cmd.RecordCase)
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == ["screen.consent"]
    flow.handle(ev.ConsentAnswered(True))
    assert flow.step is Step.FACE_CAPTURE


def test_every_prompt_the_flow_adds_has_a_text_in_every_locale() -> None:
    from kiosk.flow.machine import RECEIPT_OF_OUTCOME
    from kiosk.voice.prompts import PROMPTS_BY_LOCALE

    ids = {f"result.{outcome}" for outcome in RECEIPT_OF_OUTCOME} | {"card.take_back"}
    ids |= {"face.hold", "face.presentation_attack"}  # kiosk.qt.face_bridge, _prompt_of
    for locale, (_voice, texts) in PROMPTS_BY_LOCALE.items():
        assert ids <= set(texts), locale
