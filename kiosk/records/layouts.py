"""The receipts the kiosk prints, as printer layouts (no Qt, no device access): the
certificate, the failure notice, the pending slip and the technician's test page.

Only masked personal data ever reaches paper: 张*英, 1101**********1239.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from contract.certificates import CHINA_TZ, CertificateOutcome, token_in, verify_link
from devices.printer.layout import Feed, KeyValue, QrCode, Receipt, Rule, Text
from kiosk.flow.model import ReceiptKind
from kiosk.records.certificate import SERVICES, Certificate

HOTLINE = "12333"  # the national social-security hotline
OUTCOME_TEXT = {
    CertificateOutcome.PASS: "通过",
    CertificateOutcome.FAIL: "未通过",
    CertificateOutcome.PENDING: "待人工审核",
}


def _when(value: dt.datetime) -> str:
    return f"{value.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"


def _date_zh(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _header(title: str, service: str) -> tuple[Text | Rule, ...]:
    return (
        Text(title, size=2, bold=True, align="center"),
        Text(SERVICES.get(service, service), align="center"),
        Rule("="),
    )


def certificate_receipt(cert: Certificate, token: str, verify_base: str = "") -> Receipt:
    """认证凭证: the fields, and a QR code anyone can verify: the platform's verify page at
    `verify_base` with the signed token in the link (the bare token without a base)."""
    return Receipt(
        kind=ReceiptKind.CERTIFICATE,
        job_id=cert.job_id,
        blocks=(
            *_header("认证凭证", cert.service),
            KeyValue("凭证编号", cert.certificate_no),
            KeyValue("姓名", cert.masked_name),
            KeyValue("证件号码", cert.masked_id_number),
            KeyValue("认证结果", OUTCOME_TEXT[cert.outcome]),
            KeyValue("认证时间", _when(cert.verified_at)),
            KeyValue("有效期至", cert.valid_until.isoformat()),
            KeyValue("服务网点", cert.service_point),
            KeyValue("终端编号", cert.terminal_id),
            Rule(),
            QrCode(verify_link(verify_base, token), caption="手机扫码核验凭证真伪"),
            Text(f"下次认证：{cert.valid_until.year}年{cert.valid_until.month}月内", bold=True),
            Text("请妥善保管本凭证。如需补打，可在本机“补打凭证”或请工作人员帮助。"),
            Feed(1),
        ),
    )


def certificate_token(receipt: Receipt) -> str:
    """The signed token a certificate receipt carries in its one QR code ('' for any other
    receipt): the certificate itself, as `certificate_receipt` printed it (in a verify link,
    or bare)."""
    if receipt.kind != ReceiptKind.CERTIFICATE:
        return ""
    codes = [block.data for block in receipt.blocks if isinstance(block, QrCode)]
    return token_in(codes[0]) if len(codes) == 1 else ""


@dataclass(frozen=True)
class FailureReason:
    what: str
    next_steps: tuple[str, ...]


_ASSISTED = "也可以请工作人员帮您办理（帮办认证）。"

# By the flow's reason: the match's (face_mismatch), the liveness check's (kiosk.face.liveness
# Reason: timeout, no_face, ...), the card's; "liveness" for a liveness failure without one.
FAILURE_REASONS: dict[str, FailureReason] = {
    "face_mismatch": FailureReason(
        "现场人脸与证件照片不一致。",
        ("摘下帽子、口罩和眼镜，正对屏幕，在光线明亮处再试一次。", _ASSISTED),
    ),
    "liveness": FailureReason(
        "没有按提示完成眨眼、转头等动作。",
        ("再试一次，听到提示后慢慢做动作。", _ASSISTED),
    ),
    "timeout": FailureReason(
        "规定的时间内没有看到您做完眨眼、转头等动作。",
        ("再试一次，听到提示后慢慢做每一个动作。", _ASSISTED),
    ),
    "no_face": FailureReason(
        "摄像头没有看到您的脸。",
        ("再试一次，正对屏幕，让脸在屏幕上的框里。", _ASSISTED),
    ),
    "face_changed": FailureReason(
        "认证过程中，镜头前换了人。",
        ("请本人一个人站在屏幕前再试一次。", _ASSISTED),
    ),
    "too_many_restarts": FailureReason(
        "认证过程中，镜头前的人多次变化（有人走过或站在旁边）。",
        ("请其他人让开，本人一个人站在屏幕前再试一次。", _ASSISTED),
    ),
    "poor_quality": FailureReason(
        "没有拍到清楚的正脸（光线太暗、太亮或脸在动）。",
        ("再试一次，正对屏幕，保持不动，站到亮一点的地方。", _ASSISTED),
    ),
    # A suspected photo, screen or video (presentation-attack detection): neutral wording, a
    # live resident may be refused too. A notice, never a certificate: no QR code.
    "presentation_attack": FailureReason(
        "没有拍到您本人直接对着摄像头的画面。",
        (
            "请您本人直接对着摄像头再办理一次，不要使用照片、视频或手机。",
            "也可以请工作人员帮您办理（帮办认证）。",
        ),
    ),
    "card_invalid": FailureReason(
        "证件信息无法核对（证件可能已过期或损坏）。",
        ("请带上有效身份证件到服务网点窗口办理。",),
    ),
    "not_enrolled": FailureReason(
        "没有查到您的参保信息。",
        ("请带上身份证到乡镇（街道）社保服务窗口咨询。",),
    ),
}


def failure_notice_receipt(
    reason: str,
    *,
    job_id: str,
    masked_name: str,
    masked_id_number: str,
    when: dt.datetime,
    service_point: str,
    terminal_id: str,
    service: str = "pension",
) -> Receipt:
    """认证未通过告知单: why, and what to do next, in plain words."""
    known = FAILURE_REASONS[reason]
    steps = tuple(Text(f"{n}. {step}") for n, step in enumerate(known.next_steps, start=1))
    return Receipt(
        kind=ReceiptKind.FAILURE_NOTICE,
        job_id=job_id,
        blocks=(
            *_header("认证未通过告知单", service),
            KeyValue("姓名", masked_name),
            KeyValue("证件号码", masked_id_number),
            KeyValue("时间", _when(when)),
            Rule(),
            Text("原因：", bold=True),
            Text(known.what),
            Text("接下来您可以：", bold=True),
            *steps,
            Rule(),
            KeyValue("服务网点", service_point),
            KeyValue("终端编号", terminal_id),
            Text(f"有疑问请拨打 {HOTLINE} 或咨询工作人员。"),
            Feed(1),
        ),
    )


def pending_slip_receipt(
    case_no: str,
    *,
    job_id: str,
    masked_name: str,
    masked_id_number: str,
    when: dt.datetime,
    check_after: dt.date,
    where: str,
    terminal_id: str,
    service: str = "pension",
) -> Receipt:
    """受理回执: the case number, and when and where to ask for the result."""
    return Receipt(
        kind=ReceiptKind.PENDING_SLIP,
        job_id=job_id,
        blocks=(
            *_header("受理回执", service),
            Text(case_no, size=2, bold=True, align="center"),
            Text("（受理编号，请保留）", align="center"),
            Rule(),
            KeyValue("姓名", masked_name),
            KeyValue("证件号码", masked_id_number),
            KeyValue("受理时间", _when(when)),
            KeyValue("终端编号", terminal_id),
            Rule(),
            Text("您的认证已受理，需要工作人员审核。", bold=True),
            Text(f"请于{_date_zh(check_after)}以后，凭本回执到{where}查询结果，或拨打 {HOTLINE}。"),
            Feed(1),
        ),
    )


def technician_test_page(
    *,
    job_id: str,
    terminal_id: str,
    service_point: str,
    when: dt.datetime,
    settings_lines: Sequence[tuple[str, str]] = (),
) -> Receipt:
    """打印测试页 for the technician: both fonts, punctuation, rulers, alignment, a QR code."""
    return Receipt(
        kind=ReceiptKind.TEST_PAGE,
        job_id=job_id,
        blocks=(
            Text("打印测试页", size=2, bold=True, align="center"),
            Text("PRINTER TEST PAGE", align="center"),
            Rule("="),
            KeyValue("终端编号", terminal_id),
            KeyValue("服务网点", service_point),
            KeyValue("时间", _when(when)),
            *(KeyValue(key, value) for key, value in settings_lines),
            Rule(),
            Text("中文：城乡居民养老保险待遇资格认证"),
            Text("标点：，。、；：？！“”（）《》——……"),
            Text("ASCII: 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz"),
            Text("居中 center", align="center"),
            Text("靠右 right", align="right"),
            Text("粗体 bold", bold=True),
            Rule("-"),
            QrCode(
                f"TEST {terminal_id} {when.astimezone(CHINA_TZ):%Y%m%d%H%M%S}",
                module_size=4,
                caption="二维码测试",
            ),
            Text("如以上内容完整清晰，打印机工作正常。", align="center"),
            Feed(1),
        ),
    )
