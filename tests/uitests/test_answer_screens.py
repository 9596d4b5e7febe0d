"""查询认证结果's answers and the poor rating's reasons on the real kiosk window (offscreen, real
widgets, both orientations): what each says, which buttons it offers, what a press sends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from contract.decisions import REJECTION_REASONS
from contract.ratings import RATING_REASONS
from kiosk.flow import events as ev
from kiosk.flow.model import RETRYABLE_REFUSALS, Step
from screens.states import STATES, reason_states
from screens.texts import CHANNEL_TEXT, REFUSAL_TEXT
from screens.window import KioskWindow

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


@pytest.fixture(params=list(SIZES))
def window(request: pytest.FixtureRequest, qtbot: QtBot) -> Iterator[KioskWindow]:
    win = KioskWindow()
    qtbot.addWidget(win)
    win.setFixedSize(*SIZES[request.param])
    win.show()
    qtbot.waitExposed(win)
    yield win


def shown(win: KioskWindow, state: str) -> str:
    step, view = {**STATES, **reason_states()}[state]
    win.show_step(step, view)
    labels = win.current_screen().labels()
    return "".join(lbl.text() for lbl in labels if lbl.isVisible()).replace("\n", "")


def buttons(win: KioskWindow) -> dict[str, QPushButton]:
    """The screen's own visible buttons (the footer's aside)."""
    found = win.current_screen().findChildren(QPushButton)
    footer = {"back", "replay", "call_staff", "more_time_yes", "more_time_no"}
    return {b.objectName(): b for b in found if b.isVisible() and b.objectName() not in footer}


def press(qtbot: QtBot, win: KioskWindow, name: str) -> object:
    sent: list[object] = []
    win.intent.connect(sent.append)
    qtbot.mouseClick(buttons(win)[name], Qt.MouseButton.LeftButton)
    win.intent.disconnect(sent.append)
    return next(e for e in sent if not isinstance(e, ev.Touched))


def test_approved_offers_the_certificate_now(qtbot: QtBot, window: KioskWindow) -> None:
    text = shown(window, "query_verified")
    assert "认证成功" in text and "有效期至 2027-01-31" in text
    assert set(buttons(window)) == {"query_print", "query_decline"}
    assert isinstance(press(qtbot, window, "query_print"), ev.Continue)
    assert isinstance(press(qtbot, window, "query_decline"), ev.Decline)


@pytest.mark.parametrize("channel", list(CHANNEL_TEXT))
def test_verified_elsewhere_says_where_and_prints_nothing(
    window: KioskWindow, channel: str
) -> None:
    text = shown(window, f"query_verified_{channel}")
    assert "今年已经认证过了" in text and CHANNEL_TEXT[channel] in text
    assert "不用再认证" in text and "有效期至 2027-01-31" in text
    assert set(buttons(window)) == {"result_continue"}


@pytest.mark.parametrize("reason", [str(r) for r in REJECTION_REASONS])
def test_each_refusal_says_why_and_what_next_in_plain_words(
    qtbot: QtBot, window: KioskWindow, reason: str
) -> None:
    text = shown(window, f"query_not_verified_{reason}")
    why, what_next = REFUSAL_TEXT[reason]
    assert why in text and what_next in text
    assert "失败" not in text and "认证还没有通过" in text
    if reason in RETRYABLE_REFUSALS:
        assert set(buttons(window)) == {"query_check_now", "query_decline"}
        assert isinstance(press(qtbot, window, "query_check_now"), ev.StartCheck)
    else:
        assert set(buttons(window)) == {"result_continue"}


def test_the_refusal_words_name_a_way_on() -> None:
    ways = ("工作人员", "窗口", "再认证", "上门")
    for why, what_next in REFUSAL_TEXT.values():
        assert any(way in what_next for way in ways), what_next
        assert "失败" not in why + what_next


def test_pending_says_when_and_where_to_ask_again(window: KioskWindow) -> None:
    text = shown(window, "query_pending")
    assert "还在审核中" in text
    assert "请在 2026-11-27 以后，到示范村便民服务站查询结果。" in text
    assert set(buttons(window)) == {"result_continue"}


def test_no_check_this_period_offers_it_now(qtbot: QtBot, window: KioskWindow) -> None:
    text = shown(window, "query_none")
    assert "今年还没有认证" in text and "可以现在就办理认证" in text
    assert isinstance(press(qtbot, window, "query_check_now"), ev.StartCheck)
    step, view = STATES["query_none"]
    window.show_step(step, replace(view, answered_by="terminal"))
    assert "网络暂时不通" in "".join(lbl.text() for lbl in window.current_screen().labels())


def test_a_poor_rating_offers_big_pictograms_and_skip(qtbot: QtBot, window: KioskWindow) -> None:
    text = shown(window, "rate_reason")
    assert "哪里让您不满意" in text
    offered = buttons(window)
    assert set(offered) == {f"why_{r}" for r in RATING_REASONS} | {"rate_reason_skip"}
    for reason in RATING_REASONS:
        button = offered[f"why_{reason}"]
        assert button.height() >= 120 and button.width() >= 120  # a big target
        words = button.findChild(QLabel)
        assert words is not None and words.text()
        assert press(qtbot, window, f"why_{reason}") == ev.RatingReasonChosen(reason)
    assert press(qtbot, window, "rate_reason_skip") == ev.RatingReasonChosen(None)
    assert window.current_screen() is window.screens[Step.RATE_REASON]
