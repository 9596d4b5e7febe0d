"""The session flow without a screen: assert the next step and the commands, as Electrum
tests its wizard. Every transition, timeout and fault path."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kiosk.flow import FlowConfig, Outcome, Service, SessionFlow, Step
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev


@dataclass(frozen=True)
class FakeResident:
    masked_name: str = "张*英"
    masked_id_number: str = "1101**********1239"


RESIDENT = FakeResident()


def kinds(commands: list[cmd.Command]) -> list[type]:
    return [type(c) for c in commands]


def of(commands: list[cmd.Command], kind: type) -> list:
    return [c for c in commands if isinstance(c, kind)]


def screen(commands: list[cmd.Command]) -> cmd.ShowScreen:
    shown = of(commands, cmd.ShowScreen)
    assert shown, f"no screen shown in {kinds(commands)}"
    return shown[-1]


@pytest.fixture
def flow() -> SessionFlow:
    f = SessionFlow(FlowConfig(max_card_attempts=3, max_capture_attempts=2))
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


def test_start_shows_welcome() -> None:
    flow = SessionFlow()
    out = flow.start()
    assert screen(out).step is Step.IDLE
    assert flow.step is Step.IDLE


def test_happy_path_verified_to_welcome(flow: SessionFlow) -> None:
    out = flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    assert flow.step is Step.READ_CARD
    assert of(out, cmd.StartCardReader)
    assert screen(out).view["step_no"] == 1 and screen(out).view["step_total"] == 5
    assert of(out, cmd.PlayPrompt)[0].prompt_id == "screen.read_card"
    assert of(out, cmd.StartTimer)[0].name == cmd.IDLE_TIMER

    out = flow.handle(ev.CardRead(RESIDENT))
    assert flow.step is Step.CONFIRM_IDENTITY
    assert of(out, cmd.StopCardReader)
    assert screen(out).view["masked_name"] == "张*英"

    out = flow.handle(ev.Confirmed(True))
    assert flow.step is Step.CONSENT

    out = flow.handle(ev.ConsentAnswered(True))
    assert flow.step is Step.FACE_CAPTURE
    assert of(out, cmd.StartFaceCapture)[0].attempt == 1

    out = flow.handle(ev.FaceProgress({"action": "blink", "prompt_id": "face.blink"}))
    assert flow.step is Step.FACE_CAPTURE
    assert screen(out).view["action"] == "blink"
    assert of(out, cmd.PlayPrompt)[0].prompt_id == "face.blink"

    out = flow.handle(ev.LivenessDone(True, evidence={"best_frame": "x"}))
    assert flow.step is Step.MATCHING
    assert of(out, cmd.StopFaceCapture)
    assert of(out, cmd.StartMatching)[0].evidence == {"best_frame": "x"}
    assert of(out, cmd.CancelTimer)  # no "more time?" while the machine works

    out = flow.handle(ev.MatchDone(Outcome.VERIFIED, details={"distance": 0.3}))
    assert flow.step is Step.MATCHING
    record = of(out, cmd.RecordCase)[0]
    assert record.outcome is Outcome.VERIFIED
    assert record.details == {"distance": 0.3, "liveness": {"best_frame": "x"}}

    out = flow.handle(ev.CaseRecorded("case-1"))
    assert flow.step is Step.RESULT
    assert screen(out).view["outcome"] == "verified"

    out = flow.handle(ev.Continue())
    assert flow.step is Step.PRINT
    job = of(out, cmd.PrintReceipt)[0]
    assert (job.kind, job.case_id) == ("certificate", "case-1")

    out = flow.handle(ev.PrintDone())
    assert flow.step is Step.RATE
    out = flow.handle(ev.Rated(5))
    assert flow.step is Step.THANKS
    assert any(t.name == cmd.THANKS_TIMER for t in of(out, cmd.StartTimer))
    out = flow.handle(ev.TimerExpired(cmd.THANKS_TIMER))
    assert flow.step is Step.IDLE
    assert of(out, cmd.WipeSession)
    assert flow.session.resident is None and flow.session.case_id == ""


@pytest.mark.parametrize(
    ("outcome", "receipt"),
    [(Outcome.NOT_VERIFIED, "failure_notice"), (Outcome.PENDING, "pending_slip")],
)
def test_other_outcomes_print_their_receipt(
    flow: SessionFlow, outcome: Outcome, receipt: str
) -> None:
    to_step(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(outcome, reason="face_mismatch"))
    flow.handle(ev.CaseRecorded("c2"))
    assert flow.view()["outcome"] == str(outcome)
    out = flow.handle(ev.Continue())
    assert of(out, cmd.PrintReceipt)[0].kind == receipt
    assert of(out, cmd.PrintReceipt)[0].reason == "face_mismatch"


def test_card_read_failure_retries_then_calls_staff(flow: SessionFlow) -> None:
    flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    out = flow.handle(ev.CardReadFailed("torn_read"))
    assert flow.step is Step.READ_CARD
    assert screen(out).view["card_error"] == "torn_read"
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
    assert screen(out).view["wrong_card"] is True


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
    flow.handle(ev.CaseRecorded("c3"))
    assert flow.step is Step.RESULT
    assert flow.view()["assisted"] is True


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
    out = flow.handle(ev.LivenessDone(False, reason="action_timeout"))
    assert flow.step is Step.FACE_CAPTURE
    assert of(out, cmd.StopFaceCapture)
    assert screen(out).view["liveness_failed"] == "action_timeout"
    assert flow.handle(ev.LivenessDone(False, reason="again")) == []  # stale result ignored
    out = flow.handle(ev.Retry())
    assert of(out, cmd.StartFaceCapture)[0].attempt == 2
    out = flow.handle(ev.LivenessDone(False, reason="action_timeout"))
    assert flow.step is Step.MATCHING
    record = of(out, cmd.RecordCase)[0]
    assert (record.outcome, record.reason) == (Outcome.NOT_VERIFIED, "action_timeout")


def test_record_failure_asks_staff_and_loses_nothing_silently(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(Outcome.VERIFIED))
    out = flow.handle(ev.CaseRecordFailed("disk full"))
    assert flow.step is Step.HELP
    assert of(out, cmd.CallStaff)[0].reason == "store_failed"
    assert flow.view()["record_error"] == "disk full"


def test_print_failure_keeps_job_and_allows_retry_or_continue(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(Outcome.VERIFIED))
    flow.handle(ev.CaseRecorded("c4"))
    flow.handle(ev.Continue())
    out = flow.handle(ev.PrintFailed("paper_out"))
    assert flow.step is Step.PRINT
    assert screen(out).view["print_failed"] == "paper_out"
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
    assert screen(out).view["more_time"] is True
    assert of(out, cmd.PlayPrompt)[0].prompt_id == "more_time"
    assert of(out, cmd.StartTimer)[0].name == cmd.MORE_TIME_TIMER
    out = flow.handle(ev.MoreTimeAnswered(True))
    assert flow.step is Step.CONSENT
    assert screen(out).view["more_time"] is False
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
    assert screen(out).view["staff_called"] is True


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
    assert flow.handle(ev.DeviceFailed("printer")) == []  # not this step's device
    out = flow.handle(ev.DeviceFailed(device, "unplugged"))
    assert flow.step is Step.DEVICE_FAULT
    assert of(out, stop)
    assert of(out, cmd.CallStaff)[0].reason == f"{device}_fault"
    assert screen(out).view["fault_device"] == device
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


def test_cancel_from_anywhere_wipes(flow: SessionFlow) -> None:
    to_step(flow, Step.FACE_CAPTURE)
    out = flow.handle(ev.Cancel())
    assert flow.step is Step.IDLE
    assert of(out, cmd.WipeSession) and of(out, cmd.StopFaceCapture)


def test_events_in_the_wrong_step_are_ignored(flow: SessionFlow) -> None:
    assert flow.handle(ev.CardRead(RESIDENT)) == []
    assert flow.handle(ev.MatchDone(Outcome.VERIFIED)) == []
    assert flow.handle(ev.PrintDone()) == []
    assert flow.handle(ev.CaseRecorded("x")) == []
    assert flow.step is Step.IDLE


def test_reprint_service(flow: SessionFlow) -> None:
    to_step(flow, Step.CONFIRM_IDENTITY, Service.REPRINT)
    out = flow.handle(ev.Confirmed(True))
    assert flow.step is Step.LOOKUP
    assert of(out, cmd.Lookup)[0].service is Service.REPRINT
    out = flow.handle(ev.LookupDone(Outcome.VERIFIED, {"case_id": "old-1"}))
    assert flow.step is Step.PRINT
    job = of(out, cmd.PrintReceipt)[0]
    assert (job.kind, job.case_id) == ("reprint", "old-1")


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
    out = flow.handle(ev.LookupDone(Outcome.VERIFIED, {"valid_until": "2027-11-30"}))
    assert flow.step is Step.RESULT
    assert screen(out).view["valid_until"] == "2027-11-30"
    out = flow.handle(ev.Continue())
    assert flow.step is Step.RATE and not of(out, cmd.PrintReceipt)


def test_rating_can_be_skipped(flow: SessionFlow) -> None:
    to_step(flow, Step.MATCHING)
    flow.handle(ev.MatchDone(Outcome.VERIFIED))
    flow.handle(ev.CaseRecorded("c"))
    flow.handle(ev.Continue())
    flow.handle(ev.PrintDone())
    flow.handle(ev.Rated(None))
    assert flow.step is Step.THANKS
    flow.handle(ev.Continue())
    assert flow.step is Step.IDLE


def test_view_never_holds_the_full_identity(flow: SessionFlow) -> None:
    to_step(flow, Step.CONFIRM_IDENTITY)
    view = flow.view()
    assert "resident" not in view
    assert view["masked_id_number"] == "1101**********1239"


def test_a_touch_on_the_welcome_screen_greets_once_per_visit(flow: SessionFlow) -> None:
    out = flow.handle(ev.Touched())
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == ["screen.idle"]
    assert flow.handle(ev.Touched()) == []  # not again while the same person is there
    flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))
    assert not of(flow.handle(ev.Touched()), cmd.PlayPrompt)  # only the welcome greets
    flow.handle(ev.Cancel())
    out = flow.handle(ev.Touched())
    assert [c.prompt_id for c in of(out, cmd.PlayPrompt)] == ["screen.idle"]
