"""The staff call in the flow, without a screen: opened once, rung again while open, ended
exactly once (answered by a staff PIN, cancelled by the resident, or timed out)."""

from __future__ import annotations

import pytest

from kiosk.flow import FlowConfig, Outcome, Service, SessionFlow, Step
from kiosk.flow import commands as cmd
from kiosk.flow import events as ev
from kiosk.flow.model import RecordedCase
from tests.test_flow import TIMEOUTS, kinds, of, reach, to_step


@pytest.fixture
def flow() -> SessionFlow:
    f = SessionFlow(FlowConfig(TIMEOUTS, staff_call_s=240.0))
    f.start()
    return f


def ended(out: list[cmd.Command]) -> list[tuple[str, str]]:
    return [(c.outcome, c.staff_id) for c in of(out, cmd.EndStaffCall)]


def test_the_help_button_opens_a_call_with_its_own_time(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    out = flow.handle(ev.HelpRequested())
    assert flow.step is Step.HELP
    assert [c.reason for c in of(out, cmd.CallStaff)] == ["resident"]
    assert cmd.StartTimer(cmd.STAFF_CALL_TIMER, 240.0) in out
    # The call goes out before the help screen is shown, so the screen can say it did.
    assert kinds(out).index(cmd.CallStaff) < kinds(out).index(cmd.ShowScreen)
    assert flow.staff_call.open and not ended(out)


def test_the_staff_pin_answers_the_call_and_the_resident_goes_back(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    flow.handle(ev.HelpRequested())
    out = flow.handle(ev.StaffUnlocked("0107"))
    assert ended(out) == [("answered", "0107")]
    assert cmd.CancelTimer(cmd.STAFF_CALL_TIMER) in out
    assert flow.step is Step.CONSENT and not flow.staff_call.open
    # Nothing more to end: the dismissal that follows an answer ends nothing twice.
    assert ended(flow.handle(ev.HelpRequested())) == []
    assert ended(flow.handle(ev.HelpDismissed())) == [("cancelled", "")]


def test_an_answered_assisted_check_is_recorded_after_the_answer(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    flow.handle(ev.ConsentAnswered(False))
    out = flow.handle(ev.StaffUnlocked("0107"))
    assert ended(out) == [("answered", "0107")]
    assert of(out, cmd.RecordCase)[0].assisted_by == "0107"
    assert kinds(out).index(cmd.EndStaffCall) < kinds(out).index(cmd.RecordCase)


def test_the_resident_cancels_the_call(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    flow.handle(ev.HelpRequested())
    out = flow.handle(ev.HelpDismissed())
    assert ended(out) == [("cancelled", "")]
    assert flow.step is Step.CONSENT


def test_help_from_the_welcome_screen_cancelled_ends_the_call_once(flow: SessionFlow) -> None:
    flow.handle(ev.HelpRequested())
    out = flow.handle(ev.HelpDismissed())
    assert ended(out) == [("cancelled", "")] and flow.step is Step.IDLE


def test_nobody_answering_times_the_call_out_on_the_help_screen(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    flow.handle(ev.HelpRequested())
    out = flow.handle(ev.TimerExpired(cmd.STAFF_CALL_TIMER))
    assert ended(out) == [("timed_out", "")]
    assert flow.step is Step.HELP  # the resident still sees where staff are
    assert ended(flow.handle(ev.StaffUnlocked("0107"))) == []  # ended already


def test_a_visit_that_times_out_ends_its_call_as_timed_out(flow: SessionFlow) -> None:
    to_step(flow, Step.CONSENT)
    flow.handle(ev.HelpRequested())
    flow.handle(ev.TimerExpired(cmd.IDLE_TIMER))  # "more time?"
    out = flow.handle(ev.TimerExpired(cmd.MORE_TIME_TIMER))
    assert ended(out) == [("timed_out", "")]
    assert flow.step is Step.IDLE


def test_a_visit_the_resident_ends_cancels_its_open_call(flow: SessionFlow) -> None:
    reach(flow, Step.PRINT)
    flow.handle(ev.PrintFailed("paper_out"))  # staff called, the resident stays on the step
    assert flow.staff_call.open
    flow.handle(ev.Continue())  # 先不打印
    flow.handle(ev.Rated(None))
    out = flow.handle(ev.Continue())  # 完成
    assert ended(out) == [("cancelled", "")]


def test_a_second_need_rings_the_open_call_again_without_a_second_call(
    flow: SessionFlow,
) -> None:
    out = flow.handle(ev.DeviceFailed("card_reader", "no reader"))
    assert [c.reason for c in of(out, cmd.CallStaff)] == ["card_reader_fault"]
    out = flow.handle(ev.ServiceChosen(Service.PENSION_CHECK))  # a resident meets the fault
    assert [c.reason for c in of(out, cmd.CallStaff)] == ["card_reader_fault"]
    assert flow.staff_call.reason == "card_reader_fault" and not ended(out)
    out = flow.handle(ev.Continue())  # 结束
    assert ended(out) == [("cancelled", "")]


def test_help_while_the_machine_works_calls_staff_without_leaving_the_step(
    flow: SessionFlow,
) -> None:
    reach(flow, Step.MATCHING)
    out = flow.handle(ev.HelpRequested())
    assert flow.step is Step.MATCHING and [c.reason for c in of(out, cmd.CallStaff)]
    flow.handle(ev.MatchDone(Outcome.VERIFIED))
    flow.handle(ev.CaseRecorded(RecordedCase("c1")))
    assert flow.step is Step.RESULT and flow.staff_call.open  # still waiting for staff
    flow.handle(ev.HelpRequested())  # asks again: now the PIN pad is there
    out = flow.handle(ev.StaffUnlocked("0107"))
    assert ended(out) == [("answered", "0107")]
