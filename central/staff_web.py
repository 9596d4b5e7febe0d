"""The review site for platform staff (`/staff/...`): server-rendered HTML that works
without JavaScript; a small same-origin script adds single-key shortcuts.

Closed by default: every page but the login form needs a session (`central.staff`), and an
account with a one-time password is sent to change it first. Every POST carries the
session's CSRF token in the form and, when the browser sends one, an `Origin` of this site;
the login form has a token of its own (double-submit cookie); `Sec-Fetch-Site`, when sent,
must be same-origin. Pages carry a strict CSP
(scripts, styles and images from this origin only), `Cache-Control: no-store`, and cookies
are HttpOnly and SameSite=Strict (Secure over https). Views of personal data (a case, its
photos, a field shown in full) and every decision are written to the audit log.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from importlib import resources
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import anyio
import sqlalchemy as sa
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from central import audit, decision_store, i18n, ratings, staff, staff_calls
from central.db import PlatformDB
from central.decision_store import Awaiting
from central.ratelimit import RateLimiter
from central.security import client_address
from central.staff_pages import FIELDS, FILTERS, case_page_context, filter_query, render
from central.staff_pages import full_value as has_field
from central.tables import case_checks, reference_faces
from contract.decisions import MAX_NOTE_CHARS, REJECTION_REASONS, DecidedBy, Reason, Verdict

COOKIE = "kc_staff"
LOGIN_COOKIE = "kc_login"
LANG_COOKIE = "kc_lang"
STAFF_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
FORM_BYTES = 16 * 1024
DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
MESSAGES = {
    "verified": "已决定：{verdict}。",
    "not_verified": "已决定：{verdict}。",
    "taken": "这件认证已经被别人处理了。",
    "done": "待审核的认证都处理完了。",
    "password": "新密码已保存。",
    "closed": "回访已办结。",
}
PASSWORD_PROBLEMS = {
    "old": "当前密码不对。",
    "same": "新密码不能和旧密码相同。",
    "length": "新密码需要 12 到 128 个字符。",
    "guessable": "新密码太容易猜到：不要包含用户名，多用几种字符。",
    "again": "两次输入的新密码不一样。",
}
ASSETS = {
    "staff.css": "text/css; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
}
Text = Annotated[str | None, Query(max_length=64)]


class Redirect(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class Refused(Exception):
    def __init__(self, status: int, title: str, text: str, back: str = "/staff/queue") -> None:
        super().__init__(title)
        self.status, self.title, self.text, self.back = status, title, text, back


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "zh")
    return lang if lang in i18n.LANGUAGES else "zh"


def page(request: Request, name: str, session: Any, status: int = 200, **context: Any) -> Response:
    html = render(name, lang=lang_of(request), session=session, **context)
    return HTMLResponse(html, status_code=status, headers=_private_headers())


def _private_headers() -> dict[str, str]:
    # same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on the
    # site's own form posts, and the origin check below needs the real one.
    return {
        "Content-Security-Policy": STAFF_CSP,
        "Cache-Control": "no-store",
        "Referrer-Policy": "same-origin",
    }


def _set_cookie(response: Response, request: Request, name: str, value: str, path: str) -> None:
    response.set_cookie(
        name, value, path=path, httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=_private_headers())


async def read_form(request: Request) -> dict[str, str]:
    """A urlencoded form (bounded by the route's body limit), from this site only."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    fetched_from = request.headers.get("sec-fetch-site")
    if (fetched_from is not None and fetched_from != "same-origin") or (
        origin is not None and origin != own
    ):
        raise _csrf_refused()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise _csrf_refused()
    body = await request.body()
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=40))
    except (UnicodeDecodeError, ValueError):
        raise _csrf_refused() from None


def _csrf_refused(back: str = "/staff/queue") -> Refused:
    return Refused(
        403, "请求被拒绝", "这个页面已过期或不是从本站提交的。请返回，刷新后再试。", back
    )


async def checked_form(request: Request, session: staff.Session) -> dict[str, str]:
    form = await read_form(request)
    if not secrets.compare_digest(form.get("csrf", "").encode(), session.csrf.encode()):
        raise _csrf_refused()
    return form


def _filters(source: Callable[[str], str | None]) -> dict[str, str | None]:
    filters = {name: (source(name) or "").strip()[:64] or None for name in FILTERS}
    if filters["day"] and not DAY.match(filters["day"]):
        filters["day"] = None
    return filters


async def current_session(request: Request) -> staff.Session:
    """The caller's staff session; to the login page without one, to the password page
    while the one-time password is unchanged."""
    db: PlatformDB = request.app.state.db
    session = await anyio.to_thread.run_sync(staff.session_of, db, request.cookies.get(COOKIE))
    if session is None:
        raise Redirect("/staff/login")
    if session.must_change and request.url.path not in ("/staff/password", "/staff/logout"):
        raise Redirect("/staff/password")
    return session


Staff = Annotated[staff.Session, Depends(current_session)]


def staff_routes(app: FastAPI, db: PlatformDB) -> None:  # noqa: PLR0915 - one route per page
    limiter: RateLimiter = app.state.limiter
    assets = {
        name: resources.files("central").joinpath("static", name).read_bytes() for name in ASSETS
    }

    @app.exception_handler(Redirect)
    def redirect(request: Request, exc: Redirect) -> Response:
        return _see_other(exc.url)

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> Response:
        _ = i18n.translator(lang_of(request))
        return page(
            request, "refused.html", None, exc.status,
            title=_(exc.title), text=_(exc.text), back=exc.back,
        )  # fmt: skip

    def audited(request: Request, session: staff.Session, action: str, **fields: Any) -> None:
        audit.record(db, actor=session.user, action=action, address=client_address(request),
                     **fields)  # fmt: skip

    # --- getting in -----------------------------------------------------------------------

    @app.get("/staff", include_in_schema=False)
    def home() -> Response:
        return _see_other("/staff/queue")

    @app.get("/staff/static/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name not in assets:
            return Response(status_code=404)
        return Response(
            assets[name], media_type=ASSETS[name], headers={"Cache-Control": "no-cache"}
        )

    @app.get("/staff/lang/{code}", include_in_schema=False)
    def language(request: Request, code: str) -> Response:
        response = _see_other("/staff/queue")
        if code in i18n.LANGUAGES:
            _set_cookie(response, request, LANG_COOKIE, code, "/staff")
        return response

    def login_page(request: Request, status: int = 200, problem: str = "") -> Response:
        token = secrets.token_urlsafe(24)
        _ = i18n.translator(lang_of(request))
        response = page(request, "login.html", None, status, login_csrf=token, problem=_(problem))
        _set_cookie(response, request, LOGIN_COOKIE, token, "/staff/login")
        return response

    @app.get("/staff/login", include_in_schema=False)
    def login_form(request: Request) -> Response:
        return login_page(request)

    @app.post("/staff/login", include_in_schema=False, max_body_size=FORM_BYTES)
    async def login(request: Request) -> Response:
        form = await read_form(request)
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(
            expected.encode(), form.get("login_csrf", "").encode()
        ):
            raise _csrf_refused()
        address = client_address(request)
        if await anyio.to_thread.run_sync(limiter.spend, "staff-login", address):
            return login_page(request, 429, "尝试次数过多，请稍后再试。")
        name = form.get("name", "").strip().lower()[:64]
        try:
            session, token = await anyio.to_thread.run_sync(
                staff.login, db, name, form.get("password", "")[:256], address
            )
        except staff.LoginRefused:
            return login_page(
                request, 401, "用户名或密码不对，或账户已被锁定。请稍后再试，或请管理员帮助。"
            )
        response = _see_other("/staff/password" if session.must_change else "/staff/queue")
        _set_cookie(response, request, COOKIE, token, "/staff")
        response.delete_cookie(LOGIN_COOKIE, path="/staff/login")
        return response

    @app.get("/staff/password", include_in_schema=False)
    def password_form(request: Request, session: Staff) -> Response:
        return page(request, "password.html", session)

    @app.post("/staff/password", include_in_schema=False, max_body_size=FORM_BYTES)
    async def password(request: Request, session: Staff) -> Response:
        form = await checked_form(request, session)
        new = form.get("new", "")
        try:
            if new != form.get("again", ""):
                raise staff.StaffError("again")
            _fresh, token = await anyio.to_thread.run_sync(
                staff.change_password, db, session, form.get("old", ""), new,
                client_address(request),
            )  # fmt: skip
        except staff.StaffError as exc:
            _ = i18n.translator(lang_of(request))
            problem = _(PASSWORD_PROBLEMS.get(str(exc), PASSWORD_PROBLEMS["length"]))
            return page(request, "password.html", session, 400, problem=problem)
        response = _see_other("/staff/queue?m=password")
        _set_cookie(response, request, COOKIE, token, "/staff")
        return response

    @app.post("/staff/logout", include_in_schema=False, max_body_size=FORM_BYTES)
    async def logout(request: Request, session: Staff) -> Response:
        await checked_form(request, session)
        await anyio.to_thread.run_sync(staff.logout, db, session, client_address(request))
        response = _see_other("/staff/login")
        response.delete_cookie(COOKIE, path="/staff")
        return response

    # --- the review queue -----------------------------------------------------------------

    def message(request: Request, code: str | None) -> str:
        _ = i18n.translator(lang_of(request))
        if code not in MESSAGES:
            return ""
        verdict = _(i18n.VERDICT_TEXT.get(str(code), ""))
        return _(MESSAGES[str(code)]).format(verdict=verdict)

    @app.get("/staff/queue", include_in_schema=False)
    def queue(
        request: Request,
        session: Staff,
        service_point: Text = None,
        terminal: Text = None,
        day: Text = None,
        m: Text = None,
    ) -> Response:
        filters = _filters({"service_point": service_point, "terminal": terminal, "day": day}.get)
        points, terminals = decision_store.queue_filters(db)
        cases = decision_store.review_queue(
            db,
            service_point=filters["service_point"],
            terminal_id=filters["terminal"],
            day=filters["day"],
        )
        return page(
            request, "queue.html", session, message=message(request, m), cases=cases,
            points=points, terminals=terminals, filters=filters,
            filter_query=filter_query(filters),
            mine=decision_store.recent_decisions(db, session.user),
        )  # fmt: skip

    @app.get("/staff/next", include_in_schema=False)
    def next_case(
        request: Request,
        session: Staff,
        service_point: Text = None,
        terminal: Text = None,
        day: Text = None,
        skip: Text = None,
        m: Text = None,
    ) -> Response:
        filters = _filters({"service_point": service_point, "terminal": terminal, "day": day}.get)
        claimed = decision_store.claim_for_review(
            db, session.user, service_point=filters["service_point"],
            terminal_id=filters["terminal"], day=filters["day"], skip=skip,
        )  # fmt: skip
        query = filter_query(filters)
        if claimed is None:
            return _see_other(f"/staff/queue?{urlencode({'m': m or 'done'})}&{query}")
        target = urlencode({"t": claimed[0], "c": claimed[1], **({"m": m} if m else {})})
        return _see_other(f"/staff/case?{target}&{query}")

    def awaiting(t: str | None, c: str | None) -> Awaiting:
        found = decision_store.awaiting_review(db, t or "", c or "")
        if found is None:
            raise Refused(404, "找不到", "这件认证不在待审核队列中（可能已被别人处理）。")
        return found

    def case_page(
        request: Request, session: staff.Session, case: Awaiting, filters: dict[str, str | None],
        revealed: set[str], status: int = 200, **extra: Any,
    ) -> Response:  # fmt: skip
        context = case_page_context(db, case, revealed, lang_of(request))
        return page(
            request, "case.html", session, status, filters=filters,
            filter_query=filter_query(filters), **context, **extra,
        )  # fmt: skip

    @app.get("/staff/case", include_in_schema=False)
    def case_view(
        request: Request,
        session: Staff,
        t: Text = None,
        c: Text = None,
        service_point: Text = None,
        terminal: Text = None,
        day: Text = None,
        m: Text = None,
    ) -> Response:
        case = awaiting(t, c)
        filters = _filters({"service_point": service_point, "terminal": terminal, "day": day}.get)
        audited(request, session, "view_case", terminal_id=case.terminal_id, case_id=case.case_id)
        return case_page(request, session, case, filters, set(), message=message(request, m))

    @app.get("/staff/case/face.jpg", include_in_schema=False)
    def case_face(request: Request, session: Staff, t: Text = None, c: Text = None) -> Response:
        case = awaiting(t, c)
        data = db.attachment(case.terminal_id, case.case_id, "face.jpg")
        if data is None:
            return Response(status_code=404, headers=_private_headers())
        audited(request, session, "view_face", terminal_id=case.terminal_id, case_id=case.case_id)
        return Response(data, media_type="image/jpeg", headers=_private_headers())

    @app.get("/staff/case/reference.jpg", include_in_schema=False)
    def case_reference(
        request: Request, session: Staff, t: Text = None, c: Text = None
    ) -> Response:
        case = awaiting(t, c)
        rows = db.rows(
            sa.select(reference_faces.c.jpeg)
            .join(case_checks, case_checks.c.id_number == reference_faces.c.id_number)
            .where(
                case_checks.c.terminal_id == case.terminal_id,
                case_checks.c.case_id == case.case_id,
            )
        )
        if not rows:
            return Response(status_code=404, headers=_private_headers())
        audited(request, session, "view_reference", terminal_id=case.terminal_id,
                case_id=case.case_id)  # fmt: skip
        return Response(bytes(rows[0][0]), media_type="image/jpeg", headers=_private_headers())

    def form_filters(form: dict[str, str]) -> dict[str, str | None]:
        return _filters(lambda name: form.get(f"f_{name}"))

    @app.post("/staff/case/reveal", include_in_schema=False, max_body_size=FORM_BYTES)
    async def reveal(request: Request, session: Staff, t: Text = None, c: Text = None) -> Response:
        form = await checked_form(request, session)
        case = awaiting(t, c)
        field = form.get("field", "")
        revealed = {field} if field in FIELDS and has_field(db, case, field) else set()
        if revealed:
            audited(request, session, "reveal_field", terminal_id=case.terminal_id,
                    case_id=case.case_id, detail={"field": field})  # fmt: skip
        return case_page(request, session, case, form_filters(form), revealed)

    @app.post("/staff/case/decide", include_in_schema=False, max_body_size=FORM_BYTES)
    async def decide(request: Request, session: Staff, t: Text = None, c: Text = None) -> Response:
        form = await checked_form(request, session)
        filters = form_filters(form)
        query = filter_query(filters)
        verdict = form.get("verdict", "")
        note = form.get("note", "").strip()[:MAX_NOTE_CHARS]
        if verdict == Verdict.VERIFIED:
            reason = Reason.REVIEWER_APPROVED
        elif verdict == Verdict.NOT_VERIFIED and form.get("reason") in REJECTION_REASONS:
            reason = Reason(form["reason"])
        else:
            _ = i18n.translator(lang_of(request))
            return case_page(request, session, awaiting(t, c), filters, set(), 400,
                             problem=_("不通过时请选择原因。"))  # fmt: skip
        try:
            await anyio.to_thread.run_sync(
                lambda: decision_store.decide(
                    db, terminal_id=t or "", case_id=c or "", verdict=Verdict(verdict),
                    reason=reason, decided_by=DecidedBy.REVIEW,
                    awaiting=decision_store.AWAITING_REVIEW, actor=session.user,
                    reviewer=session.user, note=note, address=client_address(request),
                )
            )  # fmt: skip
        except (decision_store.NotAwaiting, decision_store.UnknownCase):
            return _see_other(f"/staff/next?m=taken&{query}")
        return _see_other(f"/staff/next?m={verdict}&{query}")

    # --- ratings, follow-ups, audit -----------------------------------------------------------

    @app.get("/staff/ratings", include_in_schema=False)
    def ratings_page(
        request: Request, session: Staff, month: Text = None, test: Text = None
    ) -> Response:
        month = month if month and MONTH.match(month) else None
        rows = ratings.summary(db, month, test=bool(test))
        return page(request, "ratings.html", session, rows=rows, month=month,
                    with_test=bool(test))  # fmt: skip

    @app.get("/staff/calls", include_in_schema=False)
    def calls_page(request: Request, session: Staff, test: Text = None) -> Response:
        """Staff calls: open and ended calls per service point, with the time to answer."""
        points = staff_calls.per_service_point(db, bool(test))
        return page(
            request, "calls.html", session, points=points, waiting_s=staff_calls.waiting_s,
            open=staff_calls.calls(db, open_only=True),
            ended=staff_calls.calls(db, open_only=False), with_test=bool(test),
        )  # fmt: skip

    @app.get("/staff/followups", include_in_schema=False)
    def followups(request: Request, session: Staff, m: Text = None) -> Response:
        return page(
            request, "followups.html", session, message=message(request, m),
            open=ratings.open_followups(db), closed=ratings.closed_followups(db),
            max_note=MAX_NOTE_CHARS,
        )  # fmt: skip

    @app.post(
        "/staff/followups/{followup_id}/close", include_in_schema=False, max_body_size=FORM_BYTES
    )
    async def close_followup(request: Request, session: Staff, followup_id: int) -> Response:
        form = await checked_form(request, session)
        try:
            await anyio.to_thread.run_sync(
                ratings.close_followup, db, followup_id, form.get("note", ""), session.user,
                client_address(request),
            )  # fmt: skip
        except ratings.FollowupError:
            raise Refused(400, "请求被拒绝", "请写下回访记录。", "/staff/followups") from None
        return _see_other("/staff/followups?m=closed")

    def admin_only(session: staff.Session) -> None:
        if not session.admin:
            raise Refused(403, "没有权限", "只有管理员可以查看。")

    @app.get("/staff/audit", include_in_schema=False)
    def audit_page(request: Request, session: Staff) -> Response:
        admin_only(session)
        audited(request, session, "view_audit")
        return page(request, "audit.html", session, entries=audit.latest(db))

    @app.get("/staff/audit.csv", include_in_schema=False)
    def audit_export(request: Request, session: Staff) -> Response:
        admin_only(session)
        audited(request, session, "export_audit")
        return StreamingResponse(
            audit.export_csv(db),
            media_type="text/csv; charset=utf-8",
            headers={
                **_private_headers(),
                "Content-Disposition": 'attachment; filename="kiosk-central-audit.csv"',
            },
        )
