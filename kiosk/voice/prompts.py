"""The default prompt texts per locale, by prompt id. Rendered to WAV by `render.py` at setup.

A deployer can record any prompt (a local dialect, a familiar voice) as `<prompt-id>.wav` in
the folder named by `voice.prompts_dir`; a recorded file always wins over the rendered one.
"""

from __future__ import annotations

PROMPTS_ZH: dict[str, str] = {
    "screen.idle": "您好，欢迎使用自助服务。请点击屏幕上的大按钮，选择您要办理的事情。",
    "screen.read_card": "请把身份证或社保卡，放到屏幕下方的读卡区。放好后不要移动。",
    "card.again": "没有读到卡片。请把卡拿起来，再重新放好。",
    "card.take_back": "请取回您的卡片。",
    "screen.confirm_identity": "请核对屏幕上的姓名。是您本人，请点是我。",
    "screen.consent": (
        "需要拍一下您的脸，确认是您本人。同意请点绿色按钮。不想拍照，可以请工作人员帮您办理。"
    ),
    "screen.face_capture": "请看着屏幕，按提示做动作。",
    "face.blink": "请眨眨眼。",
    "face.mouth_open": "请张张嘴。",
    "face.turn_left": "请慢慢向左转头。",
    "face.turn_right": "请慢慢向右转头。",
    "face.nod": "请点点头。",
    "face.closer": "请靠近一点。",
    "face.farther": "请离远一点。",
    "face.dark": "光线太暗，请到亮一点的地方。",
    "face.bright": "光线太亮，请避开窗户或灯光。",
    "face.no_face": "请把脸对准屏幕上的框。",
    "face.several_faces": "请只留一个人在镜头前。",
    "face.off_centre": "请把脸移到框的中间。",
    "face.blurred": "请保持不动，看着屏幕。",
    "face.not_frontal": "请正对着屏幕。",
    "face.lost": "请把脸对准框，我们从头再来。",
    "face.changed": "请本人一个人站在屏幕前，我们从头再来。",
    "face.retry": "没有完成，请再试一次。",
    "face.hold": "请稍等。",
    "face.presentation_attack": (
        "这次认证没有通过。请您本人直接对着摄像头，不要使用照片、视频或手机。"
        "需要帮助，请找工作人员。"
    ),
    # face.retry.<liveness reason>: what went wrong and what to do (kiosk.face.liveness.Reason)
    "face.retry.timeout": "没有看到您做完动作。请再试一次，听到提示后慢慢做。",
    "face.retry.no_face": "没有看到您的脸。请正对屏幕，再试一次。",
    "face.retry.face_changed": "检测中换了人。请本人一个人站在屏幕前，再试一次。",
    "face.retry.too_many_restarts": "画面里的人总在变化。请其他人让开，再试一次。",
    "face.retry.poor_quality": "没有拍清楚您的脸。请正对屏幕，保持不动，再试一次。",
    "screen.matching": "正在核对，请稍等。",
    "screen.lookup": "正在查询，请稍等。",
    "screen.result": "结果出来了，请看屏幕。",
    "result.verified": "认证成功。请看屏幕上的结果。",
    "result.not_verified": "这次认证没有通过。请看屏幕上的原因，也可以请工作人员帮您办理。",
    "result.pending": "您的认证已经保存，会自动提交。请三个工作日后来查询结果。",
    "screen.print": "正在打印凭证，请稍等。",
    "print.failed": "打印机暂时不能打印，已经通知工作人员。您的凭证已经保存。",
    "screen.rate": "请为这次服务打个分，也可以跳过。",
    "screen.rate_reason": "请点一下哪里让您不满意，也可以跳过。",
    # 查询认证结果: the resident's standing this period (kiosk.flow.answers.query_prompt)
    "query.verified": "您今年的认证已经通过。需要凭证，请点打印凭证。",
    "query.verified_elsewhere": "您今年已经在其他地方完成认证，不用再认证了。",
    "query.pending": "您的认证还在审核，请过几天再来查询。",
    "query.none": "没有查到您今年的认证。可以现在就认证，请点现在认证。",
    "query.none_here": "网络暂时不通，本机没有您今年的认证记录。可以现在就认证。",
    "query.not_verified.face_mismatch": "您的认证还没有通过，照片比对不上。可以现在再认证一次。",
    "query.not_verified.face_unusable": "您的认证还没有通过，照片看不清。可以现在再认证一次。",
    "query.not_verified.presentation_attack": (
        "您的认证还没有通过。需要您本人对着摄像头认证，请找工作人员帮您。"
    ),
    "query.not_verified.identity_unconfirmed": (
        "您的认证还没有通过。工作人员会上门核实，或者打电话联系您。"
    ),
    "query.not_verified.documents_needed": (
        "您的认证还没有通过。请带上身份证和户口本，到社保窗口办理。"
    ),
    "query.not_verified.not_enrolled": (
        "没有查到您的养老金待遇记录。请带上身份证，到社保窗口问一问。"
    ),
    "screen.thanks": "谢谢您，再见。请拿好您的卡片和凭证。",
    "screen.help": "已经通知工作人员，请稍等。",
    "screen.device_fault": "设备暂时不能使用，已经通知工作人员。",
    # Said instead of the two above when the staff call reached nobody (kiosk.qt.controller).
    "staff.find": "请到服务窗口找工作人员，请他们到这台机器来帮您办理。",
    "staff.find_fault": "设备暂时不能使用，请到窗口找工作人员。",
    "more_time": "还需要更多时间吗？需要，请点需要。",
}

# English, for `[terminal] locale = "en"` (visitors, staff training); same ids as above.
PROMPTS_EN: dict[str, str] = {
    "screen.idle": (
        "Hello, welcome. Please press the big button on the screen to choose what you need."
    ),
    "screen.read_card": (
        "Please place your I D card or social security card on the reader below the screen. "
        "Keep it still."
    ),
    "card.again": "The card was not read. Please lift the card and place it again.",
    "card.take_back": "Please take your card back from the reader.",
    "screen.confirm_identity": (
        "Please check the name on the screen. If it is you, press: yes, it is me."
    ),
    "screen.consent": (
        "We need a photo of your face to confirm it is you. To agree, press: agree, start. "
        "If you prefer no photo, a staff member can help you."
    ),
    "screen.face_capture": "Please look at the screen and follow the instructions.",
    "face.blink": "Please blink.",
    "face.mouth_open": "Please open your mouth.",
    "face.turn_left": "Please slowly turn your head to the left.",
    "face.turn_right": "Please slowly turn your head to the right.",
    "face.nod": "Please nod.",
    "face.closer": "Please come a little closer.",
    "face.farther": "Please move back a little.",
    "face.dark": "It is too dark. Please move to a brighter place.",
    "face.bright": "It is too bright. Please keep out of direct window or lamp light.",
    "face.no_face": "Please bring your face into the frame on the screen.",
    "face.several_faces": "Only one person in front of the camera, please.",
    "face.off_centre": "Please move your face to the middle of the frame.",
    "face.blurred": "Please keep still and look at the screen.",
    "face.not_frontal": "Please face the screen directly.",
    "face.lost": "Please bring your face into the frame. We will start again.",
    "face.changed": "Only the card holder in front of the screen, please. We will start again.",
    "face.retry": "That did not work. Please try again.",
    "face.hold": "Please wait a moment.",
    "face.presentation_attack": (
        "This check was not verified. Please face the camera yourself, "
        "without a photo, a video or a phone. If you need help, please ask a staff member."
    ),
    "face.retry.timeout": (
        "The movements were not seen in time. Please try again, slowly, after each instruction."
    ),
    "face.retry.no_face": "Your face was not seen. Please face the screen and try again.",
    "face.retry.face_changed": (
        "Someone else came in front of the camera. Only the card holder, please. Try again."
    ),
    "face.retry.too_many_restarts": (
        "The people in the picture kept changing. Please ask others to step aside. Try again."
    ),
    "face.retry.poor_quality": (
        "Your face was not clear. Please face the screen, keep still, and try again."
    ),
    "screen.matching": "Checking. Please wait.",
    "screen.lookup": "Looking it up. Please wait.",
    "screen.result": "Your result is on the screen.",
    "result.verified": "Your check is verified. The result is on the screen.",
    "result.not_verified": (
        "This check was not verified. The reason is on the screen. A staff member can help you."
    ),
    "result.pending": (
        "Your check is saved and will be sent automatically. "
        "Please ask for the result in three working days."
    ),
    "screen.print": "Printing your certificate. Please wait.",
    "print.failed": (
        "The printer cannot print right now. Staff have been told. Your certificate is saved."
    ),
    "screen.rate": "Please rate this service, or skip.",
    "screen.rate_reason": "Please press what went wrong, or skip.",
    "query.verified": ("Your check this year is verified. To get the certificate, press: print."),
    "query.verified_elsewhere": (
        "Your check this year was done elsewhere. You do not need to check again."
    ),
    "query.pending": "Your check is still being reviewed. Please ask again in a few days.",
    "query.none": "No check this year was found. You can do it now: press, check now.",
    "query.none_here": (
        "The network is down, and this terminal holds no check of yours this year. "
        "You can do it now."
    ),
    "query.not_verified.face_mismatch": (
        "Your check is not verified yet: the photos did not match. You can try again now."
    ),
    "query.not_verified.face_unusable": (
        "Your check is not verified yet: the photo was not clear. You can try again now."
    ),
    "query.not_verified.presentation_attack": (
        "Your check is not verified yet. It must be you in front of the camera. "
        "Please ask a staff member."
    ),
    "query.not_verified.identity_unconfirmed": (
        "Your check is not verified yet. Staff will visit you or call you to confirm."
    ),
    "query.not_verified.documents_needed": (
        "Your check is not verified yet. Please bring your I D card and household register "
        "to the social security window."
    ),
    "query.not_verified.not_enrolled": (
        "No pension record of yours was found. Please ask at the social security window, "
        "with your I D card."
    ),
    "screen.thanks": "Thank you, goodbye. Please take your card and your certificate.",
    "screen.help": "Staff have been told. Please wait.",
    "screen.device_fault": "This device cannot be used right now. Staff have been told.",
    "staff.find": "Please ask a staff member at the service window to come and help you here.",
    "staff.find_fault": (
        "This device cannot be used right now. Please ask a staff member at the window."
    ),
    "more_time": "Do you need more time? If so, press: yes, more time.",
}

# Face capture guidance code (kiosk.face quality Guidance, liveness Restart) -> its prompt.
GUIDANCE_PROMPTS: dict[str, str] = {
    "no_face": "face.no_face",
    "several_faces": "face.several_faces",
    "too_small": "face.closer",
    "too_close": "face.farther",
    "off_centre": "face.off_centre",
    "too_dark": "face.dark",
    "too_bright": "face.bright",
    "blurred": "face.blurred",
    "not_frontal": "face.not_frontal",
    "face_lost": "face.lost",
    "face_changed": "face.changed",
}

# The voices `[voice] voice` offers, and the Kokoro style each speaks per locale (the files are
# committed in kiosk/voice/voices/, see its NOTICE).
VOICES: dict[str, dict[str, str]] = {
    "female": {"zh_CN": "zf_xiaobei", "en": "af_heart"},
    "male": {"zh_CN": "zm_yunjian", "en": "am_michael"},
}
DEFAULT_VOICE = "female"

# locale -> (espeak-ng voice, texts); the locales `[terminal] locale` accepts. espeak-ng is the
# fallback engine where the neural voice is not installed.
PROMPTS_BY_LOCALE: dict[str, tuple[str, dict[str, str]]] = {
    "zh_CN": ("cmn-latn-pinyin", PROMPTS_ZH),
    "en": ("en-us", PROMPTS_EN),
}
