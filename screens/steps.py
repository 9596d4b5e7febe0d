"""What each step's screen says and offers, as a function of the flow's view."""

from __future__ import annotations

from dataclasses import replace

from kiosk.flow import events as ev
from kiosk.flow.model import Outcome, Service
from kiosk.flow.view import StepView
from screens.answers import query_result
from screens.base import Action, Spec
from screens.texts import (
    ACTION_TEXT,
    CARD_ERROR_DEFAULT,
    CARD_ERROR_TEXT,
    CARD_EXPIRED_TEXT,
    FAULT_TEXT,
    FIND_STAFF,
    FIND_STAFF_HELP,
    GUIDANCE_TEXT,
    HELP_TEXT,
    LIVENESS_RETRY_DEFAULT,
    LIVENESS_RETRY_TEXT,
    NOT_VERIFIED_NEXT,
    NOT_VERIFIED_TEXT,
    PRINT_FAILED_TEXT,
    READER_DOWN_STATES,
    READER_STATE_TEXT,
    WELCOME_FAULT_TEXT,
    tr,
)

View = StepView


def idle(view: View) -> Spec:
    # The most serious known fault only (the table's order): one line, and staff know them all.
    worst = next((d for d in WELCOME_FAULT_TEXT if d in view.faults), "")
    return Spec(
        title=tr("您好，欢迎使用自助服务"),
        body=tr("请点击您要办理的事情"),
        status=tr(WELCOME_FAULT_TEXT[worst]) if worst else "",
        status_tone="warning" if worst else "",
        actions=[
            Action(
                tr("养老金资格认证"),
                "service_pension_check",
                lambda: ev.ServiceChosen(Service.PENSION_CHECK),
                "primary",
            ),
            Action(
                tr("补打认证凭证"), "service_reprint", lambda: ev.ServiceChosen(Service.REPRINT)
            ),
            Action(tr("查询认证结果"), "service_query", lambda: ev.ServiceChosen(Service.QUERY)),
        ],
    )


def read_card(view: View) -> Spec:
    if view.card_error:
        body = tr(CARD_ERROR_TEXT.get(view.card_error, CARD_ERROR_DEFAULT))
    elif view.wrong_card:
        body = tr("请放上您本人的身份证或社保卡。")
    else:
        body = tr("放好后请不要移动，听到提示再拿开。")
    state = view.around.reader_state
    return Spec(
        title=tr("请把身份证或社保卡放到读卡区"),
        body=body,
        status=tr(READER_STATE_TEXT[state]) if state in READER_STATE_TEXT else "",
        status_tone="warning" if state in READER_DOWN_STATES else "ok",
    )


def confirm_identity(view: View) -> Spec:
    return Spec(
        title=tr("请核对您的信息"),
        emphasis=f"{view.masked_name}\n{view.masked_id_number}",
        body=tr("是您本人吗？"),
        actions=[
            Action(tr("是我"), "confirm_yes", lambda: ev.Confirmed(True), "primary"),
            Action(tr("不是我"), "confirm_no", lambda: ev.Confirmed(False)),
        ],
    )


def consent(_view: View) -> Spec:
    return Spec(
        title=tr("需要拍一下您的脸"),
        body=tr(
            "为了确认是您本人，摄像头会拍摄您的脸，和证件照片比对。"
            "照片只用于这次认证，上传后就从本机删除。"
            "不想拍照，可以请工作人员帮您办理。"
        ),
        actions=[
            Action(
                tr("同意，开始拍照"), "consent_yes", lambda: ev.ConsentAnswered(True), "primary"
            ),
            Action(tr("不拍照，请工作人员办理"), "consent_no", lambda: ev.ConsentAnswered(False)),
        ],
    )


def face_capture(view: View) -> Spec:
    if view.liveness_failed:
        why = LIVENESS_RETRY_TEXT.get(view.liveness_failed, LIVENESS_RETRY_DEFAULT)
        return Spec(
            title=tr("没有完成，请再试一次"),
            body=tr(why),
            tone="warning",
            actions=[Action(tr("再试一次"), "face_retry", ev.Retry, "primary")],
        )
    action = view.face.action
    if action:
        title = tr(ACTION_TEXT.get(action, "请看着屏幕"))
    else:  # the random pause before the next action's prompt, or the best frame is wanted
        title = tr("请看着屏幕，稍等") if view.face.holding else tr("请看着屏幕")
    code = view.face.guidance_code
    return Spec(title=title, body=tr(GUIDANCE_TEXT[code]) if code in GUIDANCE_TEXT else "")


def _staff_line(view: View) -> str:
    """What a screen says of the staff call: told (a chime rings, the hook ran) or where to
    find them; nothing when no call was asked for."""
    if not view.staff_called:
        return ""
    return tr("已通知工作人员。") if view.around.staff_notified else tr(FIND_STAFF)


def matching(view: View) -> Spec:
    title = tr("正在核对，请稍等")
    return Spec(title=title, body=_staff_line(view), staff_called=view.staff_called)


def lookup(view: View) -> Spec:
    title = tr("正在查询，请稍等")
    return Spec(title=title, body=_staff_line(view), staff_called=view.staff_called)


def result(view: View) -> Spec:
    spec = _result(view)
    if view.card_expired:  # decided as usual (kiosk.flow.machine); the card needs renewing
        return replace(spec, status=tr(CARD_EXPIRED_TEXT), status_tone="warning")
    return spec


def _result(view: View) -> Spec:
    if view.service is Service.QUERY:
        return query_result(view)  # the standing this period, and what to do next
    outcome = view.outcome
    printing = view.service is Service.PENSION_CHECK
    next_text = tr("打印凭证") if printing else tr("继续")
    go_on = [Action(next_text, "result_continue", ev.Continue, "primary")]
    if outcome is Outcome.VERIFIED:
        until = view.valid_until
        return Spec(
            title=tr("认证成功"),
            emphasis=tr("有效期至 {date}").format(date=until) if until else "",
            body=tr("明年同一时间再来认证。"),
            actions=go_on,
        )
    if outcome is Outcome.PENDING:
        return Spec(title=tr("认证已受理"), body=_pending_body(view), actions=go_on)
    if outcome is Outcome.NOT_FOUND:
        return Spec(
            title=tr("没有找到您的认证记录"),
            body=tr("请先办理养老金资格认证，或请工作人员帮忙。"),
            actions=go_on,
            tone="warning",
        )
    reason = tr(NOT_VERIFIED_TEXT.get(view.reason, "认证没有通过。"))
    return Spec(
        title=tr("认证没有通过"),
        body=f"{reason}{tr(NOT_VERIFIED_NEXT)}",
        actions=go_on,
        tone="warning",
    )


def _pending_body(view: View) -> str:
    """Why it is not decided yet, and when and where to ask (as the pending slip says)."""
    if view.reason == "platform_unreachable":
        why = tr("网络暂时不通，您的认证已经保存，联网后会自动提交。")
    else:
        why = tr("您的认证已经保存，需要工作人员审核。")
    when, where = view.around.check_after, view.around.service_point
    if when and where:
        return why + tr("请在 {date} 以后，到{place}查询结果。").format(date=when, place=where)
    return why + tr("请过几天再来查询结果。")


def print_(view: View) -> Spec:
    failed = view.print_failed
    if failed:
        what = tr(PRINT_FAILED_TEXT.get(failed, "打印机暂时不能打印。"))
        return Spec(
            title=tr("请联系工作人员"),
            body=what + tr("您的凭证已经保存，可以稍后补打。"),
            tone="warning",
            actions=[
                Action(tr("再试一次"), "print_retry", ev.Retry, "primary"),
                Action(tr("先不打印"), "print_skip", ev.Continue),
            ],
        )
    return Spec(title=tr("正在打印凭证，请稍等"), body=tr("凭证从打印口出来后，请拿好。"))


def rate(_view: View) -> Spec:
    return Spec(
        title=tr("请为这次服务评价"),
        actions=[Action(tr("跳过"), "rate_skip", lambda: ev.Rated(None))],
    )


def thanks(view: View) -> Spec:
    done = [Action(tr("完成"), "thanks_done", ev.Continue, "primary")]
    if view.card_left:
        # The card still lies on the reader (the voice says so too): the reminder is the title.
        return Spec(
            title=tr("请取回您的卡片"),
            body=tr("您的卡片还在读卡区上，请拿走。谢谢您，再见。"),
            tone="warning",
            actions=done,
        )
    return Spec(title=tr("谢谢您，再见"), body=tr("请拿好您的卡片和凭证。"), actions=done)


def help_(view: View) -> Spec:
    reason = view.help_reason or "resident"
    if view.around.staff_notified:  # the chime rings, or the deployer's hook ran
        title, body = tr("已通知工作人员"), tr(HELP_TEXT.get(reason, HELP_TEXT["resident"]))
    else:  # nothing reached staff: never claim it did
        title = tr("请找工作人员帮忙")
        body = tr(FIND_STAFF_HELP.get(reason, FIND_STAFF_HELP["resident"]))
    return Spec(
        title=title,
        body=body,
        staff_called=True,
        actions=[
            Action(tr("我不需要帮助了"), "help_dismiss", ev.HelpDismissed, "primary"),
        ],
    )


def device_fault(view: View) -> Spec:
    what = tr(FAULT_TEXT.get(view.fault_device, "设备暂时不能使用。"))
    return Spec(
        title=tr("请联系工作人员"),
        body=what + (tr("已经通知工作人员。") if view.around.staff_notified else tr(FIND_STAFF)),
        tone="warning",
        staff_called=True,  # so no "call staff" button: that is done
        actions=[
            Action(tr("再试一次"), "fault_retry", ev.Retry, "primary"),
            Action(tr("结束"), "fault_end", ev.Continue),
        ],
    )
