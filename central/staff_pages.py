"""The review site's pages: Jinja2 templates (escaped by default) and what they show.

Personal data on a page is masked (`contract.masking`) unless the reviewer asked to see a
field in full, which the route audits. Times are shown in China time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jinja2
import sqlalchemy as sa

from central import i18n
from central.decision_store import Awaiting
from central.tables import case_attachments, cases, reference_faces
from contract.certificates import CHINA_TZ
from contract.decisions import MAX_NOTE_CHARS, REJECTION_REASONS
from contract.masking import mask_id_number, mask_name

if TYPE_CHECKING:
    from central.db import PlatformDB
    from central.staff import Session

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("central", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
FIELDS = ("name", "id_number", "birth_date")
FILTERS = ("service_point", "terminal", "day")


def local(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return f"{when.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"


def case_query(case: Any) -> str:
    return urlencode({"t": case.terminal_id, "c": case.case_id})


def filter_query(filters: Mapping[str, str | None]) -> str:
    return urlencode({k: v for k, v in filters.items() if v})


def render(
    name: str, *, lang: str, session: Session | None, message: str = "", problem: str = "",
    **context: Any,
) -> str:  # fmt: skip
    _ = i18n.translator(lang)

    def coded(table: Mapping[Any, str]) -> Any:
        return lambda code: _(i18n.code_text(table, code))

    return ENV.get_template(name).render(
        _=_,
        lang=lang,
        session=session,
        message=message,
        problem=problem,
        local=local,
        case_query=case_query,
        reason_text=coded(i18n.REVIEW_REASON_TEXT),
        decision_reason_text=coded(i18n.DECISION_REASON_TEXT),
        verdict_text=coded(i18n.VERDICT_TEXT),
        score_text=coded(i18n.SCORE_TEXT),
        rating_reason_text=coded(i18n.RATING_REASON_TEXT),
        service_text=coded(i18n.SERVICE_TEXT),
        action_text=coded(i18n.AUDIT_TEXT),
        call_reason_text=coded(i18n.STAFF_CALL_REASON_TEXT),
        call_outcome_text=coded(i18n.STAFF_CALL_OUTCOME_TEXT),
        seconds=lambda s: "" if s is None else _("{s} 秒").format(s=f"{s:.0f}"),
        **context,
    )


def case_page_context(
    db: PlatformDB, case: Awaiting, revealed: set[str], lang: str
) -> dict[str, Any]:
    """What the case page shows: masked card data (fields in `revealed` in full), the
    liveness evidence, the distance, which photos there are."""
    _ = i18n.translator(lang)
    faces = (
        sa.select(sa.func.count())
        .select_from(case_attachments)
        .where(
            case_attachments.c.terminal_id == cases.c.terminal_id,
            case_attachments.c.case_id == cases.c.case_id,
            case_attachments.c.name == "face.jpg",
        )
        .scalar_subquery()
    )
    rows = db.rows(sa.select(cases.c.envelope, faces).where(_the_case(case)))
    payload = json.loads(rows[0][0])["payload"]
    resident = payload.get("resident") or {}
    id_number = str(resident.get("id_number") or "")
    has_reference = bool(
        id_number
        and db.rows(
            sa.select(reference_faces.c.id_number).where(reference_faces.c.id_number == id_number)
        )
    )
    return {
        "case": case,
        "resident": _resident(resident, revealed, _),
        "revealed": revealed,
        "liveness": _liveness(payload.get("liveness"), _),
        "distance": _distance(case, payload.get("match"), _),
        "assisted_by": payload.get("assisted_by"),
        "has_face": bool(rows[0][1]),
        "has_reference": has_reference,
        "rejection_reasons": [str(r) for r in REJECTION_REASONS],
        "max_note": MAX_NOTE_CHARS,
    }


def _resident(resident: Mapping[str, Any], revealed: set[str], _: Any) -> dict[str, str]:
    name = str(resident.get("name") or "")
    number = str(resident.get("id_number") or "")
    born = str(resident.get("birth_date") or "")
    kind = {"id_card": "身份证", "social_security": "社会保障卡"}.get(
        str(resident.get("card_kind")), str(resident.get("card_kind") or "")
    )
    return {
        "name": name if "name" in revealed else mask_name(name),
        "id_number": number if "id_number" in revealed else mask_id_number(number),
        "birth_date": born if "birth_date" in revealed else (born[:4] + "-**-**" if born else ""),
        "sex": _({"1": "男", "2": "女"}.get(str(resident.get("sex")), "")),
        "card_kind": _(kind) if kind else "",
    }


def _liveness(liveness: Any, _: Any) -> dict[str, Any]:
    if not isinstance(liveness, Mapping):
        return {"summary": _("无"), "actions": []}
    summary = _("通过") if liveness.get("passed") else _("未通过")
    if liveness.get("restarts"):
        summary += "，" + _("重做 {n} 次").format(n=liveness["restarts"])
    actions = []
    for action in liveness.get("actions") or []:
        if not isinstance(action, Mapping):
            continue
        actions.append(
            _("{action}：{result}，第 {at} 秒").format(
                action=_(i18n.code_text(i18n.ACTION_TEXT, action.get("action"))),
                result=_("通过") if action.get("passed") else _("未通过"),
                at=action.get("at_s", "?"),
            )
        )
    return {"summary": summary, "actions": actions}


def _distance(case: Awaiting, terminal_match: Any, _: Any) -> str:
    if case.distance is not None and case.threshold is not None:
        return _("{distance}（阈值 {threshold}）").format(
            distance=f"{case.distance:.3f}", threshold=f"{case.threshold:.2f}"
        )
    if isinstance(terminal_match, Mapping) and terminal_match.get("distance") is not None:
        return _("终端比对 {distance}（阈值 {threshold}）").format(
            distance=terminal_match.get("distance"), threshold=terminal_match.get("threshold")
        )
    return _("未比对")


def full_value(db: PlatformDB, case: Awaiting, field: str) -> bool:
    """Whether the case holds `field` at all (a reveal of nothing is not audited)."""
    rows = db.rows(sa.select(cases.c.envelope).where(_the_case(case)))
    resident = json.loads(rows[0][0])["payload"].get("resident") or {}
    return field in FIELDS and bool(resident.get(field))


def _the_case(case: Awaiting) -> sa.ColumnElement[bool]:
    return sa.and_(cases.c.terminal_id == case.terminal_id, cases.c.case_id == case.case_id)
