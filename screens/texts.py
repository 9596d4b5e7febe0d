"""Every resident-facing text, in plain Chinese, through Qt's translation system.

Source strings are zh_CN (the default locale, complete by construction); other locales are
translation files. Reason codes from the flow map to what happened and what to do next.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def tr(text: str) -> str:
    return QCoreApplication.translate("kiosk", text)


ACTION_TEXT = {
    "blink": "请眨眨眼",
    "mouth_open": "请张张嘴",
    "turn_left": "请慢慢向左转头",
    "turn_right": "请慢慢向右转头",
    "nod": "请点点头",
}

CARD_ERROR_TEXT = {
    "invalid_card": "这张卡的信息不完整，请换一张卡，或请工作人员帮忙。",
    "not_supported": "这张卡不是身份证或社保卡，请换一张卡。",
    "pin_required": "这张社保卡需要密码，请找工作人员帮忙。",
}
CARD_ERROR_DEFAULT = "没有读到卡片。请把卡拿起来，再重新放好。"
# On the result screen when the card read had expired (the check counts all the same).
CARD_EXPIRED_TEXT = "您的证件已过期，这次认证照常办理。请尽快换领新证件。"

# Why a check was not verified (the flow's reason: the match's, or the liveness check's,
# kiosk.face.liveness.Reason), for the result screen.
NOT_VERIFIED_TEXT = {
    "face_mismatch": "照片比对没有通过。",
    "liveness_failed": "没有完成规定的动作。",
    "timeout": "没有看到您做完规定的动作。",
    "no_face": "没有看清您的脸。",
    "face_changed": "拍摄中换了人。",
    "too_many_restarts": "拍摄中画面里的人多次变化。",
    "poor_quality": "没有拍到清楚的正脸。",
    # A suspected photo, screen or video: neutral, never an accusation (a live resident may
    # be refused too, by odd light or a screen behind them); NOT_VERIFIED_NEXT adds the staff.
    "presentation_attack": "请您本人直接对着摄像头，不要使用照片、视频或手机。",
}

# The face capture's retry screen: what happened and what to do, by liveness reason.
LIVENESS_RETRY_TEXT = {
    "timeout": "没有看到您做完动作。请听提示，慢慢做每一个动作。",
    "no_face": "没有看到您的脸。请正对屏幕，让脸在框里。",
    "face_changed": "检测中换了人。请本人一个人站在屏幕前。",
    "too_many_restarts": "画面里的人总在变化。请其他人让开，本人一个人站在屏幕前。",
    "poor_quality": "没有拍到清楚的正脸。请正对屏幕，保持不动，站到亮一点的地方。",
}
LIVENESS_RETRY_DEFAULT = "请正对屏幕，按提示慢慢做动作。"
NOT_VERIFIED_NEXT = "请联系工作人员帮您办理，或带上身份证到社保经办机构办理。"

HELP_TEXT = {
    "consent_declined": "工作人员会帮您办理，不用拍照。请稍等。",
    "card_unreadable": "多次没有读到卡片，工作人员马上过来帮您。",
    "store_failed": "终端暂时不能保存记录，这次认证没有保存。工作人员马上过来帮您办理。",
    "lookup_failed": "终端暂时查不到认证记录。工作人员马上过来帮您。",
    "resident": "工作人员马上过来帮您，请稍等。",
}
# When a staff call reached nobody (no chime could ring, no hook ran): where staff are, and
# the help screen's words by reason without "staff are coming".
FIND_STAFF = "请到窗口找工作人员。"
FIND_STAFF_HELP = {
    "consent_declined": "工作人员可以帮您办理，不用拍照。请到服务窗口找工作人员。",
    "card_unreadable": "多次没有读到卡片。请到服务窗口找工作人员帮您。",
    "store_failed": "终端暂时不能保存记录，这次认证没有保存。请到服务窗口找工作人员帮您办理。",
    "lookup_failed": "终端暂时查不到认证记录。请到服务窗口找工作人员。",
    "resident": "请到服务窗口找工作人员，请他们到这台机器来帮您办理。",
}

# The card reader's state (devices.card_reader ReaderState) on the place-your-card screen.
READER_STATE_TEXT = {
    "ready": "读卡器准备好了",
    "card_present": "正在读卡，请不要移动卡片",
    "no_reader": "读卡器没有连接，请联系工作人员",
    "service_down": "读卡器没有连接，请联系工作人员",
    "error": "读卡器没有连接，请联系工作人员",
}
READER_DOWN_STATES = frozenset({"no_reader", "service_down", "error"})

FAULT_TEXT = {
    "card_reader": "读卡器暂时不能使用。",
    "camera": "摄像头暂时不能使用。",
    "face_models": "人脸识别暂时不能使用。",
    "printer": "打印机暂时不能使用。",
}

# The welcome screen, when a device is known to be faulty before anyone starts; the most
# serious first (the screen says only the first that applies).
WELCOME_FAULT_TEXT = {
    "card_reader": "读卡器暂时不能使用，请找工作人员帮忙。",
    "camera": "摄像头暂时不能使用，养老金资格认证请找工作人员帮忙。",
    "face_models": "人脸识别暂时不能使用，养老金资格认证请找工作人员帮忙。",
    "printer": "打印机暂时不能打印。可以照常办理，凭证会保存，可以稍后补打。",
}

PRINT_FAILED_TEXT = {
    "paper_out": "打印机没有纸了。",
    "cover_open": "打印机的盖子开着。",
    "offline": "打印机没有连接。",
}

# Face capture guidance by code (kiosk.face quality Guidance and liveness Restart codes).
GUIDANCE_TEXT = {
    "no_face": "请把脸对准屏幕上的框。",
    "several_faces": "请只留一个人在镜头前，其他人请稍微让开。",
    "too_small": "请再靠近屏幕一点。",
    "too_close": "请稍微往后退一点。",
    "off_centre": "请把脸移到框的中间。",
    "too_dark": "光线太暗了，请工作人员开灯，或站到亮一点的地方。",
    "too_bright": "光线太亮了，请避开窗户或灯光直射。",
    "blurred": "请保持不动，看着屏幕。",
    "not_frontal": "请正对着屏幕看。",
    "face_lost": "请把脸对准屏幕上的框，我们从头再来。",
    "face_changed": "请本人一个人站在屏幕前，我们从头再来。",
}

PIN_WRONG = "密码不对，请再输一次"
PIN_LOCKED = "密码错误次数太多，请 {n} 分钟后再试"

# Score and words of the five rating faces (the faces are drawn: screens/pictures.py).
RATINGS = [
    (1, "很不满意"),
    (2, "不满意"),
    (3, "一般"),
    (4, "满意"),
    (5, "很满意"),
]

# 查询认证结果, refused: why (a contract.decisions.Reason code, in plain words) and what to do
# next. Never "失败": the check is not over, there is a way on.
REFUSAL_TEXT = {
    "face_mismatch": (
        "照片比对没有对上，还不能确认是您本人。",
        "可以现在再认证一次，也可以请工作人员帮您。",
    ),
    "face_unusable": (
        "拍到的照片看不清楚，没办法核对。",
        "可以现在再认证一次，请站到亮一点的地方，正对屏幕。",
    ),
    "presentation_attack": (
        "认证需要您本人直接对着摄像头。",
        "请找工作人员帮您办理。",
    ),
    "identity_unconfirmed": (
        "还需要工作人员核实您的身份。",
        "工作人员会上门核实，或者打电话联系您，请保持电话畅通。也可以到社保窗口办理。",
    ),
    "documents_needed": (
        "还需要您补交材料。",
        "请带上身份证和户口本，到社保经办窗口办理。",
    ),
    "not_enrolled": (
        "没有查到您的养老金待遇记录。",
        "请带上身份证，到社保经办窗口问一问。",
    ),
}
REFUSAL_DEFAULT = ("这次认证还没有通过。", "请联系工作人员帮您办理。")

# Who verified a resident, when not a kiosk (contract: the standing's `channel`).
CHANNEL_TEXT = {
    "window": "社保服务窗口",
    "home_visit": "工作人员上门认证时",
    "mobile_app": "手机上",
    "other": "其他地方",
}

# After a poor rating: what went wrong (contract.ratings.RATING_REASONS), one pictogram each.
RATING_REASON_TEXT = {
    "waited_long": "等太久",
    "hard_to_use": "太难用",
    "not_done": "没办成",
    "staff_attitude": "态度差",
    "other": "其他",
}
