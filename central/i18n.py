"""The staff site's words: written in plain Chinese, with one English translation for each.

Templates and code say `_("待审核")`; with English chosen, `translate` looks the Chinese up
in `EN` (a test checks that every text the site uses has an English entry). Codes the site
shows (why a case awaits review, decision reasons, liveness actions, audit actions) are
turned into Chinese words here first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

LANGUAGES = ("zh", "en")

REVIEW_REASON_TEXT = {
    "assisted": "工作人员帮办",
    "liveness_not_passed": "活体检测未通过",
    "no_face": "没有现场照片",
    "no_identity": "没有身份证号",
    "no_reference": "平台没有参考照片",
    "reference_unusable": "参考照片无法使用",
    "face_unusable": "现场照片中找不到人脸",
    "borderline": "比对结果接近阈值",
    "face_mismatch": "人脸比对不一致",
    "match_failed": "自动比对出错",
}
DECISION_REASON_TEXT = {
    "face_match": "人脸比对一致",
    "reviewer_approved": "审核人员确认",
    "face_mismatch": "不是持证人本人",
    "face_unusable": "照片无法判断（太暗、模糊）",
    "presentation_attack": "使用照片、屏幕或视频冒充",
    "identity_unconfirmed": "无法确认身份，需上门核实",
    "documents_needed": "需携带材料到窗口办理",
    "not_enrolled": "不在养老金发放名册中",
}
VERDICT_TEXT = {"verified": "通过", "not_verified": "不通过"}
ACTION_TEXT = {
    "blink": "眨眼",
    "mouth_open": "张嘴",
    "turn_left": "向左转头",
    "turn_right": "向右转头",
    "nod": "点头",
}
SCORE_TEXT = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
RATING_REASON_TEXT = {
    "waited_long": "等待时间长",
    "hard_to_use": "操作太难",
    "not_done": "事情没办成",
    "staff_attitude": "工作人员态度不好",
    "other": "其他",
}
SERVICE_TEXT = {"pension_check": "养老金资格认证"}
# 呼叫工作人员: why a kiosk called staff (its reason codes), and how the call ended.
STAFF_CALL_REASON_TEXT = {
    "resident": "居民按了呼叫",
    "consent_declined": "不拍照，请工作人员帮办",
    "card_unreadable": "多次读不出卡",
    "store_failed": "终端不能保存记录",
    "lookup_failed": "终端查不到记录",
    "card_reader_fault": "读卡器故障",
    "camera_fault": "摄像头故障",
    "face_models_fault": "人脸识别故障",
    "printer_fault": "打印机故障",
    "printer_paper_out": "打印机缺纸",
    "printer_cover_open": "打印机盖子开着",
    "printer_offline": "打印机没有连接",
    "printer_no_answer": "打印机没有响应",
    "printer_error": "打印机出错",
}
STAFF_CALL_OUTCOME_TEXT = {
    "open": "等待中",
    "answered": "已应答",
    "cancelled": "居民取消",
    "timed_out": "无人应答",
}
AUDIT_TEXT = {
    "login": "登录",
    "login_failed": "登录失败",
    "locked_out": "账户锁定",
    "logout": "退出",
    "password_changed": "修改密码",
    "view_case": "查看认证",
    "view_face": "查看现场照片",
    "view_reference": "查看参考照片",
    "reveal_field": "显示完整信息",
    "decide": "作出决定",
    "close_followup": "办结回访",
    "view_audit": "查看审计日志",
    "export_audit": "导出审计日志",
    "residents_import": "导入居民名单",
}

EN = {
    # layout and navigation
    "审核": "Review",
    "养老金资格认证平台": "Pension check platform",
    "待审核": "Awaiting review",
    "好差评": "Ratings",
    "回访": "Follow-ups",
    "审计日志": "Audit log",
    "修改密码": "Change password",
    "退出": "Log out",
    "返回": "Back",
    # login and password
    "登录": "Log in",
    "用户名": "User name",
    "密码": "Password",
    "连续输错密码 5 次，账户将被锁定 15 分钟。": (
        "After 5 wrong passwords in a row the account is locked for 15 minutes."
    ),
    "用户名或密码不对，或账户已被锁定。请稍后再试，或请管理员帮助。": (
        "Wrong user name or password, or the account is locked. Try again later or ask an "
        "administrator."
    ),
    "尝试次数过多，请稍后再试。": "Too many attempts: please try again later.",
    "这是一次性密码，请先设置您自己的密码再开始工作。": (
        "This is a one-time password: set your own password before you start."
    ),
    "当前密码": "Current password",
    "新密码（至少 12 个字符）": "New password (at least 12 characters)",
    "再输入一次新密码": "New password again",
    "保存新密码": "Save the new password",
    "新密码已保存。": "The new password is saved.",
    "当前密码不对。": "The current password is wrong.",
    "两次输入的新密码不一样。": "The two new passwords differ.",
    "新密码不能和旧密码相同。": "The new password must differ from the old one.",
    "新密码需要 12 到 128 个字符。": "A new password has 12 to 128 characters.",
    "新密码太容易猜到：不要包含用户名，多用几种字符。": (
        "The new password is too easy to guess: leave out the user name, use more kinds "
        "of characters."
    ),
    "请求被拒绝": "Request refused",
    "这个页面已过期或不是从本站提交的。请返回，刷新后再试。": (
        "This page expired or was not sent from this site. Go back, reload and try again."
    ),
    "没有权限": "Not allowed",
    "只有管理员可以查看。": "Only administrators may see this.",
    "找不到": "Not found",
    "这件认证不在待审核队列中（可能已被别人处理）。": (
        "This check is not awaiting review (someone may have decided it)."
    ),
    # queue
    "共 {n} 件": "{n} in all",
    "服务网点": "Service point",
    "全部": "All",
    "（未登记）": "(not registered)",
    "终端": "Terminal",
    "收到日期": "Received on",
    "筛选": "Filter",
    "开始审核（从最早的一件）": "Start reviewing (oldest first)",
    "收到时间": "Received",
    "待审原因": "Why it awaits review",
    "测试": "test",
    "没有待审核的认证。": "No checks await review.",
    "待审核的认证都处理完了。": "Every check awaiting review is decided.",
    "我最近的决定": "My latest decisions",
    "时间": "Time",
    "结果": "Result",
    "原因": "Reason",
    "备注": "Note",
    # case
    "测试数据": "test data",
    "现场照片": "Live photo",
    "没有现场照片": "No live photo",
    "参考照片": "Reference photo",
    "平台没有此人的参考照片": "The platform has no reference photo of this person",
    "姓名": "Name",
    "身份证号": "ID number",
    "性别": "Sex",
    "男": "male",
    "女": "female",
    "出生日期": "Date of birth",
    "证件": "Card",
    "身份证": "ID card",
    "社会保障卡": "Social security card",
    "比对距离": "Match distance",
    "{distance}（阈值 {threshold}）": "{distance} (threshold {threshold})",
    "终端比对 {distance}（阈值 {threshold}）": (
        "terminal's match {distance} (threshold {threshold})"
    ),
    "未比对": "not matched",
    "活体检测": "Liveness",
    "通过": "Passed",
    "未通过": "Not passed",
    "重做 {n} 次": "restarted {n} times",
    "动作": "Actions",
    "{action}：{result}，第 {at} 秒": "{action}: {result} at {at} s",
    "帮办人员": "Assisted by",
    "无": "none",
    "认证时间": "Checked",
    "显示全部": "Show in full",
    "不通过的原因": "Reason for refusing",
    "备注（可不填）": "Note (optional)",
    "不通过": "Refuse",
    "跳过": "Skip",
    (
        "快捷键：Y 通过；数字键选择原因，X 不通过；N 写备注（Esc 离开）；J 跳过。"
        "不用脚本时按 Alt 加同一个字母。"
    ): (
        "Keys: Y approves; a digit picks a reason and X refuses; N writes a note (Esc "
        "leaves it); J skips. Without the script, press Alt with the same letter."
    ),
    "已决定：{verdict}。": "Decided: {verdict}.",
    "这件认证已经被别人处理了。": "Someone else decided this check already.",
    "不通过时请选择原因。": "Pick a reason to refuse.",
    # ratings and follow-ups
    "月份": "Month",
    "包括测试数据": "Include test data",
    "事项": "Service",
    "评价数": "Ratings",
    "平均分": "Average",
    "满意率": "Satisfied",
    "差评": "Poor",
    "还没有评价。": "No ratings yet.",
    "待回访 {n} 件": "{n} to follow up",
    "评价时间": "Rated",
    "评价": "Rating",
    "回访记录": "Follow-up note",
    "办结": "Close",
    "没有待回访的差评。": "No poor rating awaits a follow-up.",
    "已办结": "Closed",
    "办结时间": "Closed at",
    "办结人": "Closed by",
    "回访已办结。": "The follow-up is closed.",
    "请写下回访记录。": "Write the follow-up note.",
    # staff calls
    "呼叫工作人员": "Staff calls",
    "各服务网点": "Per service point",
    "平均应答时间": "Average time to answer",
    "最长应答时间": "Longest time to answer",
    "正在等待的呼叫": "Open calls",
    "没有正在等待的呼叫。": "No call is waiting.",
    "最近结束的呼叫": "Recently ended calls",
    "还没有呼叫。": "No calls yet.",
    "呼叫时间": "Called at",
    "已等待": "Waiting for",
    "应答时间": "Time to answer",
    "应答人": "Answered by",
    "{s} 秒": "{s} s",
    # audit
    "导出全部（CSV）": "Export all (CSV)",
    "人员": "Who",
    "操作": "Action",
    "认证编号": "Case",
    "详情": "Details",
    "地址": "Address",
}
for table in (
    REVIEW_REASON_TEXT,
    DECISION_REASON_TEXT,
    VERDICT_TEXT,
    ACTION_TEXT,
    SCORE_TEXT,
    RATING_REASON_TEXT,
    SERVICE_TEXT,
    AUDIT_TEXT,
    STAFF_CALL_REASON_TEXT,
    STAFF_CALL_OUTCOME_TEXT,
):
    for code, chinese in table.items():
        EN.setdefault(chinese, str(code).replace("_", " ").capitalize())
EN.update(
    {
        "养老金资格认证": "Pension check",
        "居民按了呼叫": "The resident pressed call staff",
        "不拍照，请工作人员帮办": "No photo: staff to assist",
        "多次读不出卡": "The card could not be read",
        "终端不能保存记录": "The terminal cannot save records",
        "终端查不到记录": "The terminal cannot look up records",
        "读卡器故障": "Card reader fault",
        "摄像头故障": "Camera fault",
        "人脸识别故障": "Face recognition fault",
        "打印机故障": "Printer fault",
        "打印机缺纸": "Printer out of paper",
        "打印机盖子开着": "Printer cover open",
        "打印机没有连接": "Printer offline",
        "打印机没有响应": "Printer not answering",
        "打印机出错": "Printer error",
        "等待中": "Waiting",
        "已应答": "Answered",
        "居民取消": "Cancelled by the resident",
        "无人应答": "Nobody answered",
        "非常满意": "Very satisfied",
        "满意": "Satisfied",
        "基本满意": "Fairly satisfied",
        "不满意": "Dissatisfied",
        "非常不满意": "Very dissatisfied",
        "不是持证人本人": "Not the card holder",
        "照片无法判断（太暗、模糊）": "The photo cannot be judged (dark, blurred)",
        "使用照片、屏幕或视频冒充": "A photo, screen or video was shown",
        "无法确认身份，需上门核实": "Identity unconfirmed: a home visit is needed",
        "需携带材料到窗口办理": "Documents needed at the service window",
        "不在养老金发放名册中": "Not in the pension roll",
        "人脸比对一致": "Face matched",
        "审核人员确认": "Confirmed by a reviewer",
        "工作人员帮办": "Assisted by staff",
        "平台没有参考照片": "No reference photo on the platform",
        "现场照片中找不到人脸": "No face in the live photo",
        "比对结果接近阈值": "Close to the threshold",
        "人脸比对不一致": "Faces do not match",
    }
)


def translator(lang: str) -> Callable[[str], str]:
    if lang != "en":
        return lambda text: text
    return lambda text: EN.get(text, text)


def code_text(table: Mapping[Any, str], code: object) -> str:
    """The Chinese words for a code (the code itself when it is new to this release)."""
    return table.get(code, str(code) if code is not None else "")
