"""Certificate verification on the platform, and the page a phone shows after scanning the QR.

`contract.certificates.verify_token` checks the signature; the platform adds what only it
knows: whose key it is (the key must belong to the terminal the token names), whether the
key was replaced or revoked, whether the platform holds the case that carries the
certificate, and the service point's name. The page is a plain Chinese document at phone
width: 养老金资格认证, 通过, 2026年12月4日 16:16.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from central.cases import token_digest
from central.db import KeyRecord, PlatformDB
from contract.certificates import CHINA_TZ, verify_token
from contract.wire import MAX_CLOCK_SKEW_S

RETIRED_KEY_GRACE_S = MAX_CLOCK_SKEW_S  # a kiosk clock may run this far ahead
SERVICE_TITLES = {"pension": "养老金资格认证"}
OUTCOME_TITLES = {"pass": "通过", "fail": "未通过", "pending": "待审核"}


class _Keys(Mapping[str, Ed25519PublicKey]):
    """The terminals' keys, looked up one at a time (a token names one key)."""

    def __init__(self, db: PlatformDB) -> None:
        self.db = db
        self.records: dict[str, KeyRecord] = {}

    def __getitem__(self, key_id: str) -> Ed25519PublicKey:
        record = self.db.key_record(key_id) if len(key_id) <= 64 else None
        if record is None:
            raise KeyError(key_id)
        self.records[key_id] = record
        return record.public_key

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def _local(when: dt.datetime) -> str:
    when = when.astimezone(CHINA_TZ)
    return f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}"


def verify_certificate(token: str, db: PlatformDB) -> dict[str, Any]:
    """{"valid", "reason", "problem", "fields", "recorded_at", "service_point"}; a bad token
    comes back as not valid with a reason, never as an error."""
    keys = _Keys(db)
    result = verify_token(token, keys)
    answer: dict[str, Any] = {
        "valid": result.valid,
        "reason": result.reason,
        "problem": "" if result.valid else ("expired" if result.fields else "invalid"),
        "fields": dict(result.fields),
        "recorded_at": None,
        "service_point": "",
    }
    if not result.fields:
        if "unknown key id" in result.reason:
            answer["problem"] = "unknown_key"
        return answer
    fields = result.fields
    record = keys.records[fields["key_id"]]
    if record.terminal_id != fields["terminal_id"]:
        # Signed with a registered key, but that key is another terminal's.
        return {
            **answer,
            "valid": False,
            "reason": "signed with a key that does not belong to the terminal it names",
            "problem": "wrong_terminal",
        }
    recorded = db.certificate_recorded(token_digest(token))
    recorded_at = recorded[1] if recorded and recorded[0] == record.terminal_id else None
    answer["recorded_at"] = recorded_at.isoformat() if recorded_at else None
    answer["service_point"] = db.service_point(record.terminal_id)
    issued = dt.datetime.fromisoformat(fields["verified_at"])
    if record.revoked_at is not None and not (recorded_at and recorded_at < record.revoked_at):
        answer.update(
            valid=False,
            problem="revoked",
            reason=f"the terminal's keys were revoked on {record.revoked_at:%Y-%m-%d %H:%M} "
            "UTC and the platform holds no record of this certificate from before",
        )
    elif record.retired_at is not None and issued > record.retired_at + dt.timedelta(
        seconds=RETIRED_KEY_GRACE_S
    ):
        answer.update(
            valid=False,
            problem="replaced",
            reason=f"signed with a key the terminal replaced on "
            f"{record.retired_at:%Y-%m-%d %H:%M} UTC, after that date",
        )
    return answer


def public_answer(result: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON answer (API and ?format=json)."""
    return {k: result[k] for k in ("valid", "reason", "fields", "recorded_at", "service_point")}


# --- the page ----------------------------------------------------------------------------

STYLE = """
body { margin: 0; padding: 16px; background: #fff; color: #1a1a1a;
  font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
  font-size: 18px; line-height: 1.6; }
h1 { font-size: 26px; margin: 0 0 4px; }
.ok { color: #1b6e35; }
.bad { color: #b00020; }
p { margin: 8px 0; }
dl { margin: 16px 0; border-top: 1px solid #d0d0d0; }
.row { display: flex; flex-wrap: wrap; column-gap: 12px; padding: 8px 0;
  border-bottom: 1px solid #d0d0d0; }
dt { flex: 0 0 auto; min-width: 5em; color: #555; white-space: nowrap; }
dd { flex: 1 1 10em; margin: 0; font-weight: bold; overflow-wrap: anywhere; }
.todo { background: #fff4f4; border-left: 4px solid #b00020; padding: 8px 12px; }
.note { color: #555; font-size: 16px; }
"""

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>{style}</style></head>
<body><main><h1 class="{tone}">{title}</h1>{lead}{rows}{after}</main></body></html>
"""

_PROBLEMS = {
    "expired": "本证书已过有效期。",
    "revoked": "签发本证书的服务终端已被停用，平台没有在停用前收到本次认证的记录。",
    "replaced": "本证书由已更换的终端密钥在更换之后签发。",
    "wrong_terminal": "本证书的签名与它所写的服务终端不符。",
    "unknown_key": "本证书不是由已登记的服务终端签发的。",
    "invalid": "本证书的内容无法核对：可能被修改、不完整或不是本系统的证书。",
}
WHAT_TO_DO = (
    "请不要凭本证书办理业务。请本人携带身份证或社会保障卡，到就近的便民服务站或社保经办机构"
    "重新认证；有疑问请拨打 12333 咨询。"
)


def _row(label: str, value: str) -> str:
    return f'<div class="row"><dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd></div>'


def _rows(result: Mapping[str, Any]) -> str:
    """The certificate's fields: for a valid or an expired one (a token refused for its key
    may be a forgery, whose text is not repeated as if it were a certificate)."""
    fields = result.get("fields") or {}
    if not fields or not (result["valid"] or result.get("problem") == "expired"):
        return ""
    rows = [
        ("认证事项", SERVICE_TITLES.get(fields["service"], f"其他事项（{fields['service']}）")),
        ("认证结果", OUTCOME_TITLES.get(fields["outcome"], fields["outcome"])),
        ("姓名", fields["name"]),
        ("身份证号", fields["id_number"]),
        ("认证时间", _local(dt.datetime.fromisoformat(fields["verified_at"]))),
        ("有效期至", _day(fields["valid_until"])),
        ("服务网点", result.get("service_point") or "（平台未登记网点名称）"),
        ("服务终端", fields["terminal_id"]),
        ("证书编号", fields["certificate_no"]),
    ]
    return "<dl>" + "".join(_row(label, value) for label, value in rows) + "</dl>"


def _day(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def _record_line(result: Mapping[str, Any]) -> str:
    if not result.get("fields") or result.get("problem") not in ("", "expired"):
        return ""
    recorded = result.get("recorded_at")
    if recorded:
        when = _local(dt.datetime.fromisoformat(recorded))
        return f"<p>平台已于{when}收到本次认证的记录。</p>"
    return (
        '<p class="note">平台尚未收到本次认证的记录：服务终端可能还没有联网上传，'
        "证书的签名本身有效。</p>"
    )


def render_verify_page(result: Mapping[str, Any]) -> str:
    if result["valid"]:
        title, tone = "证书有效", "ok"
        lead = "<p>本证书由已登记的服务终端签发，内容没有被修改。</p>" + _record_line(result)
        after = ""
    else:
        title, tone = "证书无效", "bad"
        problem = _PROBLEMS.get(str(result.get("problem")), _PROBLEMS["invalid"])
        lead = f"<p>{problem}</p>" + _record_line(result)
        after = f'<p class="todo">{WHAT_TO_DO}</p>'
    return _PAGE.format(
        title=title, tone=tone, lead=lead, rows=_rows(result), after=after, style=STYLE
    )
