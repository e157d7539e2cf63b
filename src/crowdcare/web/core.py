"""What every console page shares: templates, who is signed in, CSRF, refusals as pages."""
from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare import actions
from crowdcare.api.deps import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_CSRF,
    Principal,
    get_session,
    principal_from_session,
)
from crowdcare.domain import Role
from crowdcare.store import models as m
from crowdcare.store.search import highlight as _highlight
from crowdcare.store.types import utcnow

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
CSRF_KEY = SESSION_CSRF
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No signed-in staff session: go to /login (htmx: HX-Redirect)."""


class Refused(Exception):
    """A page-level refusal rendered as a page: 403 for roles and CSRF, 404 for anything of
    another workspace (as invisible as a missing row)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_KEY)
    if not token:
        token = request.session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's token: a form field, or the
    X-CSRF-Token header htmx sends (hx-headers on <body>)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get(CSRF_FIELD)
    expected = request.session.get(CSRF_KEY)
    if not expected or not sent or not hmac.compare_digest(str(sent), str(expected)):
        raise Refused(403, "This form has expired or did not come from the console "
                           "(CSRF check failed). Reload the page and try again.")


def console_user(request: Request, session: Session = Depends(get_session)) -> Principal:
    principal = principal_from_session(session, request)
    if principal is None:
        raise LoginRequired()
    if not principal.is_staff:
        if request.path_params:   # a conversation, a message... by id: as if it did not exist
            raise Refused(404, "No such page.")
        raise Refused(403, "The agent console is for staff. Community advocates answer public "
                           "mentions in the advocate portal, at /community.")
    return principal


def admin_user(principal: Principal = Depends(console_user)) -> Principal:
    if principal.role != Role.admin:
        raise Refused(403, "Only an admin can open the workspace settings.")
    return principal


def owned(session: Session, model, row_id: int, principal: Principal, what: str = "page"):
    try:
        return actions.owned(session, model, row_id, principal.workspace_id, what)
    except actions.NotFound:
        raise Refused(404, f"No such {what}.") from None


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status: int = 200, principal: Principal | None = None,
           session: Session | None = None) -> HTMLResponse:
    ctx: dict[str, Any] = {"csrf": csrf_token(request), "me": principal,
                           "flash": request.session.pop("flash", None)}
    if principal is not None and session is not None:
        ctx["workspace"] = session.get(m.Workspace, principal.workspace_id)
        ctx["me_agent"] = session.get(m.Agent, principal.agent_id)
        # the live feed resumes from what this page was rendered with: an event committed
        # between the render and the socket's connect is sent, not lost
        ctx["live_from"] = session.scalar(select(func.coalesce(func.max(m.Event.id), 0))
                                          .where(m.Event.workspace_id == principal.workspace_id))
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


class Attempt:
    """A console form's work, from its checks to its commit. Inside `with Attempt(...) as it:`
    an ActionError rolls the session back and flashes its reason (with `prefix`); leaving the
    block otherwise commits and flashes `it.done`, when set. `it.response` goes back to `url`
    either way; `it.failed` says which way it went, for a handler that answers otherwise on one
    side (another page on success, the form again; no `url`: it answers both itself).

    Two refinements, for the handlers that need them: `inline`, a function from the refusal to
    the answer that shows it in the page (an htmx fragment): the refusal is then not flashed
    and `it.response` is that answer; `not_found=True`: a NotFound is not flashed but refused
    as a 404 page with its reason (what the person may not see is as if it did not exist)."""

    def __init__(self, request: Request, session: Session, url: str | None = None,
                 prefix: str = "", inline: Callable[[actions.ActionError], Response] | None = None,
                 not_found: bool = False):
        self.request, self.session, self.url, self.prefix = request, session, url, prefix
        self.inline, self.not_found = inline, not_found
        self.done: str | None = None
        self.failed: actions.ActionError | None = None

    def __enter__(self) -> Attempt:
        return self

    def __exit__(self, kind, exc, _tb) -> bool:
        if exc is None:
            self.session.commit()
            if self.done:
                flash(self.request, self.done)
            return False
        if not isinstance(exc, actions.ActionError):
            return False
        if self.not_found and isinstance(exc, actions.NotFound):
            raise Refused(404, exc.reason) from None
        self.session.rollback()
        self.failed = exc
        if self.inline is None:
            flash(self.request, f"{self.prefix}{exc.reason}", "error")
        return True

    @property
    def response(self) -> Response:
        if self.failed is not None and self.inline is not None:
            return self.inline(self.failed)
        return back(self.url)


def install_handlers(app) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = f"/login?next={quote(target)}"
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        if is_htmx(request):
            return HTMLResponse(f'<div class="flash error">{_escape(exc.message)}</div>',
                                status_code=exc.status)
        return templates.TemplateResponse(
            request, "refused.html", {"status": exc.status, "message": exc.message,
                                      "csrf": csrf_token(request), "me": None},
            status_code=exc.status)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _ago(value) -> str:
    if value is None:
        return ""
    seconds = (utcnow() - value).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _when(value) -> str:
    """"01 Dec 09:05" (strftime's "%d %b %H:%M" in the C locale): formatted by hand, a list
    shows one per row and strftime cost three times as much."""
    if not value:
        return ""
    return f"{value.day:02d} {MONTHS[value.month - 1]} {value.hour:02d}:{value.minute:02d}"


def _initials(name: str | None) -> str:
    parts = [p for p in (name or "?").split() if p[0].isalnum()] or ["?"]
    return "".join(p[0] for p in parts[:2]).upper()


def _prio(value: int | None) -> str:
    from crowdcare.automation.sla import band

    return band(value)


def _time_left(due, state: str | None = None, left_minutes: int | None = None) -> str:
    """An SLA's time left as agents read it: "32m left", "2d 4h left", "overdue 1h 5m",
    "paused (40m left)"."""
    from datetime import datetime

    from crowdcare.store.types import utcnow

    def span(minutes: float) -> str:
        minutes = int(minutes)
        d, h, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
        return f"{d}d {h}h" if d else f"{h}h {mins}m" if h else f"{mins}m"

    if state == "paused":
        return f"paused ({span(left_minutes)} left)" if left_minutes is not None else "paused"
    if state == "met":
        return "met"
    if due is None:
        return ""
    due = datetime.fromisoformat(due) if isinstance(due, str) else due
    seconds = (due - utcnow()).total_seconds()
    return f"overdue {span(-seconds / 60)}" if seconds < 0 else f"{span(seconds / 60)} left"


def _ticking(due, state: str | None = None) -> Markup:
    """The data the console's clock needs to tick a time left between live events
    (console.js): the due time and this render's server time, both ISO UTC, so a browser
    whose clock is off still counts from the server's now. Only clocks that run tick."""
    from datetime import UTC, datetime

    if due is None or state not in ("active", "at_risk", "breached"):
        return Markup("")

    def iso(value: datetime) -> str:
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    due = datetime.fromisoformat(due) if isinstance(due, str) else due
    return Markup(' data-due="{}" data-now="{}"').format(iso(due), iso(utcnow()))


def _link_orders(text: str | None, orders: dict) -> Markup:
    """Message text, escaped, with the workspace's order numbers in it as links."""
    from crowdcare.domain.orders import candidates

    text = text or ""
    out, last = [], 0
    for start, end, key in candidates(text) if orders else ():
        order = orders.get(key)
        if order is None:
            continue
        out += [escape(text[last:start]), Markup(
            f'<a class="order-link" href="/orders/{order.id}" data-order="{order.id}">')
            + escape(text[start:end]) + Markup("</a>")]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


LINK_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_IGNORED = re.compile(r"[\x00-\x20\x7f]")   # what browsers drop from a URL before reading it


def safe_url(value: str | None) -> str | None:
    """A URL from outside (a customer, a platform) as a link target, or None: only absolute
    http(s) and mailto, never javascript:, data:, vbscript:... in any spelling."""
    url = _IGNORED.sub("", value or "")
    scheme = _SCHEME.match(url)
    return url if scheme and scheme.group(1).lower() in LINK_SCHEMES else None


def _link(value: str | None, text: str | None = None) -> Markup:
    """The one way a template links to an outside URL: a safe one opens in a new tab without
    a referrer; any other is shown as text."""
    url = safe_url(value)
    if url is None:
        return escape(text or value or "")
    return Markup('<a href="{}" target="_blank" rel="noopener noreferrer nofollow">{}</a>'
                  ).format(url, text or value)


templates.env.filters.update(ago=_ago, when=_when, initials=_initials, prio=_prio,
                             time_left=_time_left, ticking=_ticking,
                             link_orders=_link_orders, highlight=_highlight, link=_link)
