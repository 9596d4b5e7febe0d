"""The screens after a check: what 查询认证结果 found (the resident's standing this period and
what to do next) and, after a poor rating, what went wrong. Functions of the flow's view."""

from __future__ import annotations

from kiosk.flow import events as ev
from kiosk.flow.model import Outcome
from kiosk.flow.view import StepView
from screens.base import Action, Spec
from screens.texts import CHANNEL_TEXT, REFUSAL_DEFAULT, REFUSAL_TEXT, tr

KIOSK_CHANNELS = ("", "kiosk")


def query_result(view: StepView) -> Spec:
    """Verified (print the certificate, or where it was done), pending, refused (why, and what
    next), or none this period (the check now)."""
    outcome = view.outcome
    if outcome is Outcome.VERIFIED:
        return _verified(view)
    if outcome is Outcome.PENDING:
        return Spec(title=tr("还在审核中"), body=_pending_body(view), actions=[_go_on()])
    if outcome is Outcome.NOT_VERIFIED:
        why, what_next = REFUSAL_TEXT.get(view.reason, REFUSAL_DEFAULT)
        return Spec(
            title=tr("认证还没有通过"),
            body=tr(why) + tr(what_next),
            tone="warning",
            actions=_check_now() if view.can_check_now else [_go_on()],
        )
    if view.answered_by == "platform":
        body = tr("没有查到您今年的认证记录。可以现在就办理认证。")
    else:
        body = tr("网络暂时不通，这台机器上没有您今年的认证记录。可以现在就办理认证。")
    return Spec(title=tr("今年还没有认证"), body=body, actions=_check_now())


def _verified(view: StepView) -> Spec:
    until = tr("有效期至 {date}").format(date=view.valid_until) if view.valid_until else ""
    if view.channel not in KIOSK_CHANNELS:
        where = tr(CHANNEL_TEXT.get(view.channel, CHANNEL_TEXT["other"]))
        return Spec(
            title=tr("今年已经认证过了"),
            emphasis=until,
            body=tr("您已经在{where}完成了今年的认证，不用再认证。").format(where=where)
            + tr("这里不打印那次认证的凭证，需要凭证请到办理的地方领取。"),
            actions=[_go_on()],
        )
    if view.can_print:
        return Spec(
            title=tr("认证成功"),
            emphasis=until,
            body=tr("您今年的认证已经通过。可以现在打印认证凭证。"),
            actions=[
                Action(tr("打印凭证"), "query_print", ev.Continue, "primary"),
                Action(tr("不用打印"), "query_decline", ev.Decline),
            ],
        )
    return Spec(
        title=tr("认证成功"),
        emphasis=until,
        body=tr("您今年的认证已经通过。明年同一时间再来认证。"),
        actions=[_go_on()],
    )


def _pending_body(view: StepView) -> str:
    why = tr("您的认证还在审核，还没有结果。")
    when, where = view.around.check_after, view.around.service_point
    if when and where:
        return why + tr("请在 {date} 以后，到{place}查询结果。").format(date=when, place=where)
    return why + tr("请过几天再来查询结果。")


def _go_on() -> Action:
    return Action(tr("继续"), "result_continue", ev.Continue, "primary")


def _check_now() -> list[Action]:
    return [
        Action(tr("现在认证"), "query_check_now", ev.StartCheck, "primary"),
        Action(tr("不用了"), "query_decline", ev.Decline),
    ]


def rate_reason(_view: StepView) -> Spec:
    """The pictograms are the screen's content (screens.picture_screens.RateReasonScreen)."""
    return Spec(
        title=tr("哪里让您不满意？"),
        body=tr("点一下图片告诉我们，也可以跳过。"),
        actions=[Action(tr("跳过"), "rate_reason_skip", lambda: ev.RatingReasonChosen(None))],
    )
