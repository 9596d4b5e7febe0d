"""What particular screens say, rendered on the real window: the card reader's state where the
card goes, when and where to ask about a pending check, the honest record-failed text, and
the reminder of a card left on the reader."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from kiosk.flow.model import Step
from kiosk.flow.view import StepView, Surroundings
from screens.states import STATES
from screens.window import KioskWindow


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[KioskWindow]:
    win = KioskWindow()
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    yield win


@pytest.mark.parametrize(
    ("state", "text", "tone"),
    [
        ("ready", "读卡器准备好了", "ok"),
        ("card_present", "正在读卡，请不要移动卡片", "ok"),
        ("no_reader", "读卡器没有连接，请联系工作人员", "warning"),
        ("service_down", "读卡器没有连接，请联系工作人员", "warning"),
    ],
)
def test_the_card_screen_says_what_the_reader_is_doing(
    window: KioskWindow, state: str, text: str, tone: str
) -> None:
    step, view = STATES["read_card"]
    screen = window.show_step(step, replace(view, around=Surroundings(reader_state=state)))
    assert screen.status.isVisibleTo(window)
    assert screen.status.raw_text() == text
    assert screen.status.property("tone") == tone


def test_no_reader_state_yet_no_status_line(window: KioskWindow) -> None:
    step, view = STATES["read_card"]
    screen = window.show_step(step, replace(view, around=Surroundings()))
    assert not screen.status.isVisibleTo(window)
    other = window.show_step(*STATES["consent"])
    assert not other.status.isVisibleTo(window)  # only the card screen has one


def test_pending_says_when_and_where_to_ask(window: KioskWindow) -> None:
    step, view = STATES["result_pending"]
    view = replace(view, around=Surroundings("东风村便民服务站", "2026-12-01"))
    body = window.show_step(step, view).body.raw_text()
    assert body.startswith("网络暂时不通")
    assert "请在 2026-12-01 以后，到东风村便民服务站查询结果。" in body
    assisted = replace(view, reason="assisted_without_face")
    body = window.show_step(step, assisted).body.raw_text()
    assert "网络" not in body  # not a network matter: staff review it
    assert "需要工作人员审核" in body and "东风村便民服务站" in body


def test_a_failed_record_does_not_claim_anything_was_kept(window: KioskWindow) -> None:
    screen = window.show_step(Step.HELP, StepView(help_reason="store_failed"))
    body = screen.body.raw_text()
    assert "没有丢失" not in body
    assert "这次认证没有保存" in body
    assert "工作人员" in body


def test_thanks_reminds_a_card_left_on_the_reader_until_it_is_taken(window: KioskWindow) -> None:
    step, view = STATES["thanks_card_left"]
    screen = window.show_step(step, view)
    assert screen.title.raw_text() == "请取回您的卡片"
    assert screen.title.property("tone") == "warning"
    assert "还在读卡区上" in screen.body.raw_text()
    assert screen.title.font().pixelSize() >= 64  # the screen's largest text
    done = screen.findChild(QPushButton, "thanks_done")
    assert done is not None and done.isVisibleTo(window)
    # The flow's view once the card is taken back: the plain goodbye again.
    screen = window.show_step(step, replace(view, card_left=False))
    assert screen.title.raw_text() == "谢谢您，再见"
    assert screen.title.property("tone") == ""
    assert "请取回您的卡片" not in screen.body.raw_text()


@pytest.mark.parametrize("reason", ["resident", "consent_declined", "store_failed"])
def test_the_help_screen_says_staff_were_told_only_when_they_were(
    window: KioskWindow, reason: str
) -> None:
    view = StepView(help_reason=reason)
    told = window.show_step(Step.HELP, replace(view, around=Surroundings(staff_notified=True)))
    assert told.title.raw_text() == "已通知工作人员"
    untold = window.show_step(Step.HELP, view)  # no chime could ring, no hook ran
    said = untold.title.raw_text() + untold.body.raw_text()
    assert "窗口找工作人员" in said
    assert not any(claim in said for claim in ("已通知", "已经通知", "马上过来", "请稍等"))


def test_the_fault_and_waiting_screens_say_it_as_it_is(window: KioskWindow) -> None:
    told = Surroundings(staff_notified=True)
    fault = StepView(fault_device="printer")
    assert (
        "已经通知工作人员"
        in window.show_step(Step.DEVICE_FAULT, replace(fault, around=told)).body.raw_text()
    )
    body = window.show_step(Step.DEVICE_FAULT, fault).body.raw_text()
    assert "通知" not in body and "窗口找工作人员" in body
    waiting = StepView(staff_called=True)
    assert window.show_step(Step.MATCHING, replace(waiting, around=told)).body.raw_text() == (
        "已通知工作人员。"
    )
    assert window.show_step(Step.LOOKUP, waiting).body.raw_text() == "请到窗口找工作人员。"
    assert window.show_step(Step.LOOKUP, StepView()).body.raw_text() == ""  # nobody called
