"""The inbox: views with counts, search, filters, paging, bulk assign/tag/solve."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, tickets
from crowdcare.api.deps import Principal, get_session
from crowdcare.domain import Route
from crowdcare.store import models as m
from crowdcare.store import queries, search
from crowdcare.web.core import Attempt, back, check_csrf, console_user, flash, is_htmx, render

router = APIRouter(include_in_schema=False)
PAGE = 50
VIEWS = [("mine", "Mine"), ("unassigned", "Unassigned"), ("teams", "My teams"),
         ("all", "All open"), ("escalations", "Escalations"), ("at_risk", "At risk")]
AT_RISK = ("at_risk", "breached")   # the SLA states the At risk view lists, nearest due first


@dataclass
class InboxQuery:
    view: str = "all"
    channel: str | None = None
    language: str | None = None
    route: str | None = None
    status: str = "open"
    q: str | None = None
    sort: str = "priority"
    page: int = 1

    def params(self, **override) -> str:
        data = {**self.__dict__, **override}
        return urlencode({k: v for k, v in data.items()
                          if v not in (None, "") and not (k == "page" and v == 1)})


def my_team_ids(session: Session, principal: Principal) -> list[int]:
    return list(session.scalars(select(m.team_members.c.team_id)
                                .where(m.team_members.c.agent_id == principal.agent_id)))


def view_filter(session: Session, principal: Principal, view: str) -> queries.ConversationFilter:
    f = queries.ConversationFilter()
    if view == "mine":
        f.assignee_id = principal.agent_id
    elif view == "unassigned":
        f.unassigned = True
    elif view == "teams":
        f.team_ids = my_team_ids(session, principal)
    elif view == "escalations":
        f.route = Route.escalation
    elif view == "at_risk":
        f.sla_states = AT_RISK
    return f


def counts(session: Session, principal: Principal) -> dict:
    """Open conversations per view, per channel and per language: one pass over the open
    conversations, grouped by account and language with each view summed alongside (seven
    counting queries read 10,000 rows seven times)."""
    C = m.Conversation
    teams = my_team_ids(session, principal)

    def share(condition):
        return func.sum(case((condition, 1), else_=0))

    rows = session.execute(
        select(C.channel_account_id, C.language, func.count(),
               share(C.assignee_id == principal.agent_id), share(C.assignee_id.is_(None)),
               share(C.team_id.in_(teams)) if teams else literal(0),
               share(C.route == Route.escalation), share(C.sla_state.in_(AT_RISK)))
        .where(C.workspace_id == principal.workspace_id, C.status == "open")
        .group_by(C.channel_account_id, C.language)).all()
    kinds = dict(session.execute(select(m.ChannelAccount.id, m.ChannelAccount.kind).where(
        m.ChannelAccount.workspace_id == principal.workspace_id)).all())
    out = {key: sum(r[i] or 0 for r in rows) for i, key in
           enumerate(("all", "mine", "unassigned", "teams", "escalations", "at_risk"),
                     start=2)}
    channels: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    for account_id, language, n, *_ in rows:
        channels[kinds.get(account_id, "?")] += n
        if language is not None:
            languages[language] += n
    out["channels"] = sorted(channels.items())
    out["languages"] = sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    return out


def load(session: Session, principal: Principal, iq: InboxQuery):
    f = view_filter(session, principal, iq.view)
    f.status = None if iq.status == "all" else iq.status
    f.channel, f.language, f.q, f.sort = iq.channel, iq.language, iq.q, iq.sort
    if iq.view == "at_risk" and iq.sort == "priority":
        f.sort = "due"
    if iq.route:
        f.route = iq.route
    f.limit, f.offset = PAGE, (iq.page - 1) * PAGE
    if f.team_ids == []:
        return [], 0
    return queries.inbox_rows(session, principal.workspace_id, f)


def inbox_query(view: str = Query("all",
                                  pattern="^(mine|unassigned|teams|all|escalations|at_risk)$"),
                channel: str | None = Query(None, max_length=40),
                language: str | None = Query(None, max_length=10),
                route: str | None = Query(None, max_length=20),
                status: str = Query("open", pattern="^(open|closed|all)$"),
                q: str | None = Query(None, max_length=200),
                sort: str = Query("priority", pattern="^(priority|recent)$"),
                page: int = Query(1, ge=1, le=10000)) -> InboxQuery:
    return InboxQuery(view, channel or None, language or None, route or None, status,
                      (q or "").strip() or None, sort, page)


def _agents(session: Session, principal: Principal):
    agents = session.scalars(select(m.Agent).where(
        m.Agent.workspace_id == principal.workspace_id, m.Agent.active.is_(True),
        m.Agent.role != "advocate").order_by(m.Agent.name)).all()
    teams = session.scalars(select(m.Team).where(
        m.Team.workspace_id == principal.workspace_id).order_by(m.Team.name)).all()
    return agents, teams


@router.get("/")
def root():
    return back("/inbox")


@router.get("/inbox")
def inbox(request: Request, iq: InboxQuery = Depends(inbox_query),
          principal: Principal = Depends(console_user), session: Session = Depends(get_session)):
    rows, total = load(session, principal, iq)
    agents, teams = _agents(session, principal)
    ctx = {"rows": rows, "total": total, "iq": iq, "page_size": PAGE, "views": VIEWS,
           "agents": {a.id: a for a in agents}, "teams": {t.id: t for t in teams},
           "agent_list": agents, "team_list": teams, "found_in": {}}
    if iq.q and rows:   # what else matched, where the name and the message (row.hit) do not say
        rx = search.pattern(iq.q)
        ctx["found_in"] = search.found_in(session, iq.q, [
            c for c in rows if c.hit is None and not rx.search(c.customer_name or "")])
    if is_htmx(request) and request.headers.get("hx-target") == "inbox-list":
        return render(request, "_inbox_list.html", ctx, principal=principal)
    ctx["counts"] = counts(session, principal)
    return render(request, "inbox.html", ctx, principal=principal, session=session)


@router.get("/inbox/counts")
def inbox_counts(request: Request, iq: InboxQuery = Depends(inbox_query),
                 principal: Principal = Depends(console_user),
                 session: Session = Depends(get_session)):
    return render(request, "_views.html", {"counts": counts(session, principal), "iq": iq,
                                           "views": VIEWS}, principal=principal)


@router.post("/inbox/bulk", dependencies=[Depends(check_csrf)])
async def bulk(request: Request, principal: Principal = Depends(console_user),
               session: Session = Depends(get_session), action: str = Form(...),
               assignee: str = Form(""), tag: str = Form(""), back_to: str = Form("/inbox")):
    form = await request.form()
    ids = [int(v) for v in form.getlist("ids") if str(v).isdigit()][:200]
    back_to = back_to if back_to.startswith("/inbox") else "/inbox"
    if not ids:
        flash(request, "Select conversations first.", "error")
        return back(back_to)
    done = 0
    with Attempt(request, session, back_to) as it:
        for cid in ids:
            conv = session.get(m.Conversation, cid)
            if conv is None or conv.workspace_id != principal.workspace_id:
                continue   # another workspace's id: silently not there
            ticket = tickets.current(session, conv.id)
            if ticket is None:
                continue
            changes: dict = {}
            if action == "solve":
                changes["status"] = "solved"
            elif action == "assign":
                kind, _, value = assignee.partition(":")
                if kind == "agent" and value.isdigit():
                    changes["assignee_id"] = int(value)
                elif kind == "team" and value.isdigit():
                    changes["team_id"] = int(value)
                elif assignee == "none":
                    changes["assignee_id"] = None
                else:
                    raise ActionError("Choose an agent or a team.", status=422)
            elif action == "tag":
                tag = tag.strip().lower()[:40]
                if not tag:
                    raise ActionError("Type a tag.", status=422)
                changes["tags"] = sorted({*(ticket.tags or []), tag})
            else:
                raise ActionError(f"Unknown action {action!r}.", status=422)
            tickets.check_update(session, ticket, changes)
            tickets.do_update(session, ticket, changes, by=principal.name)
            done += 1
        it.done = f"{action.capitalize()}: {done} conversation{'s' if done != 1 else ''} updated."
    return it.response


@router.post("/me/availability", dependencies=[Depends(check_csrf)])
def my_availability(request: Request, availability: str = Form(..., max_length=20),
                    principal: Principal = Depends(console_user),
                    session: Session = Depends(get_session)):
    """Online (taking assigned work), away or offline: the top bar's switch."""
    from crowdcare.actions import assignment

    with Attempt(request, session, "/inbox") as it:
        changes = assignment.check_routing(availability=availability)
        assignment.do_routing(session, session.get(m.Agent, principal.agent_id), changes)
        it.done = f"You are {availability}."
    return it.response
