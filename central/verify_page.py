"""Certificate verification: `contract.certificates.verify_token` against the terminals'
public keys, rendered as a small page a phone browser shows (or as JSON).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contract.certificates import verify_token
from contract.wire import MAX_CLOCK_SKEW_S

RETIRED_KEY_GRACE_S = MAX_CLOCK_SKEW_S  # a kiosk clock may run this far ahead

# What the page shows for each field of a verified certificate (masked already on paper).
LABELS = {
    "certificate_no": "证书编号",
    "service": "服务事项",
    "name": "姓名",
    "id_number": "身份证号",
    "verified_at": "认证时间",
    "valid_until": "有效期至",
    "terminal_id": "服务终端",
    "outcome": "认证结果",
}


def verify_certificate(
    token: str,
    public_keys: Mapping[str, Ed25519PublicKey],
    retired: Mapping[str, dt.datetime] | None = None,
) -> dict[str, Any]:
    """{"valid", "reason", "fields"}; bad tokens come back as not valid, never as an error.

    `retired` (key id -> when a newer key replaced it): a certificate from an old key is
    valid when it was issued before then (a small clock allowance), not after.
    """
    result = verify_token(token, public_keys)
    answer = {"valid": result.valid, "reason": result.reason, "fields": dict(result.fields)}
    retired_at = (retired or {}).get(str(result.fields.get("key_id", "")))
    if result.valid and retired_at is not None:
        issued = dt.datetime.fromisoformat(result.fields["verified_at"])
        if issued > retired_at + dt.timedelta(seconds=RETIRED_KEY_GRACE_S):
            answer["valid"] = False
            answer["reason"] = (
                f"signed with a key the terminal replaced on {retired_at:%Y-%m-%d %H:%M} UTC, "
                "after that date"
            )
    return answer


_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", sans-serif; margin: 1.5rem; font-size: 1.2rem; }}
.verdict {{ font-size: 1.8rem; font-weight: bold; color: {colour}; }}
td {{ padding: .3rem .8rem .3rem 0; vertical-align: top; }}
</style></head>
<body><p class="verdict">{verdict}</p><p>{explain}</p><table>{rows}</table></body></html>
"""


def render_verify_page(result: Mapping[str, Any]) -> str:
    if result["valid"]:
        verdict, colour = "证书有效 / Certificate valid", "#1b7f3b"
        explain = "本证书由已登记的服务终端签发，内容未被修改。"
    else:
        verdict, colour = "证书无效 / Certificate not valid", "#b00020"
        explain = "无法验证本证书，请向经办人员核实。 " + html.escape(str(result["reason"]))
    fields = result.get("fields") or {}
    rows = "".join(
        f"<tr><td>{html.escape(label)}</td><td>{html.escape(str(fields[key]))}</td></tr>"
        for key, label in LABELS.items()
        if key in fields
    )
    return _PAGE.format(title=verdict, colour=colour, verdict=verdict, explain=explain, rows=rows)
