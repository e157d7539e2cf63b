"""Admin pages: channel accounts, agents and teams, canned responses, campaigns, triage
keywords and the VIP list. Every page needs an admin of the workspace."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, people, workspaces
from crowdcare.actions import campaigns as campaign_actions
from crowdcare.actions import triage as triage_actions
from crowdcare.api.deps import Principal, get_session
from crowdcare.channels import registry
from crowdcare.store import models as m
from crowdcare.web.core import admin_user, back, check_csrf, flash, owned, render

router = APIRouter(prefix="/admin", include_in_schema=False)
MESSENGER_FIELDS = [("page_id", "Page ID", "text"), ("page_token", "Page access token", "password"),
                    ("app_secret", "App secret", "password"),
                    ("verify_token", "Webhook verify token", "password")]


def _ws(session: Session, principal: Principal) -> m.Workspace:
    return session.get(m.Workspace, principal.workspace_id)


def _fail(request: Request, exc: ActionError, session: Session, url: str):
    session.rollback()
    flash(request, exc.reason, "error")
    return back(url)


@router.get("")
def admin_home():
    return back("/admin/channels")


# --- channels ------------------------------------------------------------------------------

@router.get("/channels")
def channels(request: Request, principal: Principal = Depends(admin_user),
             session: Session = Depends(get_session)):
    rows = session.scalars(select(m.ChannelAccount).where(
        m.ChannelAccount.workspace_id == principal.workspace_id).order_by(m.ChannelAccount.id)).all()
    from crowdcare.settings import get_settings

    base = get_settings().public_url
    accounts = [{"row": r, "config": workspaces.public_config(r) if registry.get(r.kind) else {},
                 "webhook": workspaces.webhook_url(base, r)} for r in rows]
    return render(request, "admin/channels.html", {
        "accounts": accounts, "messenger": registry.get("messenger") is not None,
        "fields": MESSENGER_FIELDS, "section": "channels"}, principal=principal, session=session)


@router.post("/channels/messenger", dependencies=[Depends(check_csrf)])
def connect_messenger(request: Request, name: str = Form("", max_length=200),
                      page_id: str = Form(..., max_length=100),
                      page_token: str = Form(..., max_length=1000),
                      app_secret: str = Form(..., max_length=200),
                      verify_token: str = Form(..., max_length=200),
                      principal: Principal = Depends(admin_user),
                      session: Session = Depends(get_session)):
    if registry.get("messenger") is None:
        flash(request, "The Messenger channel is not installed in this version.", "error")
        return back("/admin/channels")
    try:
        _, config = workspaces.check_channel("messenger", {
            "page_id": page_id.strip(), "page_token": page_token.strip(),
            "app_secret": app_secret.strip(), "verify_token": verify_token.strip()})
        row = workspaces.do_add_channel(session, _ws(session, principal), "messenger", config,
                                        name.strip() or None)
        session.commit()
    except ActionError as exc:
        return _fail(request, exc, session, "/admin/channels")
    flash(request, f"Messenger page connected as channel {row.id}. Point the app's webhook at "
                   "the URL shown below.")
    return back("/admin/channels")


# --- agents and teams -------------------------------------------------------------------------

@router.get("/agents")
def agents(request: Request, principal: Principal = Depends(admin_user),
           session: Session = Depends(get_session)):
    rows = session.scalars(select(m.Agent).where(
        m.Agent.workspace_id == principal.workspace_id).order_by(m.Agent.role, m.Agent.name)).all()
    teams = session.scalars(select(m.Team).where(
        m.Team.workspace_id == principal.workspace_id).order_by(m.Team.name)).all()
    return render(request, "admin/agents.html", {"agents": rows, "teams": teams,
                                                  "section": "agents"},
                  principal=principal, session=session)


@router.post("/agents", dependencies=[Depends(check_csrf)])
def add_agent(request: Request, email: str = Form(..., max_length=320),
              name: str = Form("", max_length=200), role: str = Form("agent"),
              password: str = Form("", max_length=1000),
              principal: Principal = Depends(admin_user), session: Session = Depends(get_session)):
    try:
        if password and len(password) < 8:
            raise ActionError("a password needs at least 8 characters", status=422)
        email = people.check_add_agent(session, email, role)
        agent = people.do_add_agent(session, _ws(session, principal), email, role,
                                    name.strip() or None, password or None)
        session.commit()
    except ActionError as exc:
        return _fail(request, exc, session, "/admin/agents")
    flash(request, f"{agent.name} added as {agent.role}.")
    return back("/admin/agents")


@router.post("/teams", dependencies=[Depends(check_csrf)])
def add_team(request: Request, name: str = Form(..., max_length=100),
             principal: Principal = Depends(admin_user), session: Session = Depends(get_session)):
    try:
        name = people.check_team(session, principal.workspace_id, name)
        people.do_create_team(session, principal.workspace_id, name)
        session.commit()
    except ActionError as exc:
        return _fail(request, exc, session, "/admin/agents")
    flash(request, f"Team {name} created.")
    return back("/admin/agents")


@router.post("/teams/{team_id}/members", dependencies=[Depends(check_csrf)])
def team_member(team_id: int, request: Request, agent_id: int = Form(...),
                remove: str = Form(""), principal: Principal = Depends(admin_user),
                session: Session = Depends(get_session)):
    team = owned(session, m.Team, team_id, principal, "team")
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    if remove:
        if agent in team.members:
            team.members.remove(agent)
    elif agent not in team.members:
        team.members.append(agent)
    session.commit()
    return back("/admin/agents")


# --- canned responses --------------------------------------------------------------------------

@router.get("/canned")
def canned(request: Request, principal: Principal = Depends(admin_user),
           session: Session = Depends(get_session)):
    rows = session.scalars(select(m.CannedResponse).where(
        m.CannedResponse.workspace_id == principal.workspace_id)
        .order_by(m.CannedResponse.shortcut)).all()
    return render(request, "admin/canned.html", {"rows": rows, "section": "canned"},
                  principal=principal, session=session)


@router.post("/canned", dependencies=[Depends(check_csrf)])
def add_canned(request: Request, shortcut: str = Form(..., max_length=50),
               title: str = Form(..., max_length=200), body: str = Form(..., max_length=5000),
               principal: Principal = Depends(admin_user), session: Session = Depends(get_session)):
    shortcut = shortcut.strip().lower().lstrip("/")
    if not shortcut or not title.strip() or not body.strip():
        flash(request, "A canned response needs a shortcut, a title and a body.", "error")
        return back("/admin/canned")
    if session.scalar(select(m.CannedResponse.id).where(
            m.CannedResponse.workspace_id == principal.workspace_id,
            m.CannedResponse.shortcut == shortcut)):
        flash(request, f"/{shortcut} already exists.", "error")
        return back("/admin/canned")
    session.add(m.CannedResponse(workspace_id=principal.workspace_id, shortcut=shortcut,
                                 title=title.strip(), body=body.strip()))
    session.commit()
    flash(request, f"Canned response /{shortcut} saved.")
    return back("/admin/canned")


@router.post("/canned/{canned_id}/delete", dependencies=[Depends(check_csrf)])
def delete_canned(canned_id: int, request: Request, principal: Principal = Depends(admin_user),
                  session: Session = Depends(get_session)):
    row = owned(session, m.CannedResponse, canned_id, principal, "canned response")
    session.delete(row)
    session.commit()
    flash(request, f"/{row.shortcut} deleted.")
    return back("/admin/canned")


# --- campaigns --------------------------------------------------------------------------------

@router.get("/campaigns")
def campaigns(request: Request, principal: Principal = Depends(admin_user),
              session: Session = Depends(get_session)):
    rows = session.scalars(select(m.Campaign).where(
        m.Campaign.workspace_id == principal.workspace_id).order_by(m.Campaign.id.desc())).all()
    # a workspace without a channel that makes links has none
    links = {row.id: campaign_actions.workspace_link(session, row) for row in rows}
    return render(request, "admin/campaigns.html", {
        "rows": rows, "links": links,
        "section": "campaigns"}, principal=principal, session=session)


@router.post("/campaigns", dependencies=[Depends(check_csrf)])
def add_campaign(request: Request, ref: str = Form(..., max_length=100),
                 name: str = Form(..., max_length=200), greeting: str = Form(..., max_length=2000),
                 principal: Principal = Depends(admin_user), session: Session = Depends(get_session)):
    data = {"ref": ref.strip(), "name": name.strip(), "greeting": greeting.strip()}
    try:
        checked = campaign_actions.check_create(session, principal.workspace_id, data)
        campaign_actions.do_create(session, principal.workspace_id, checked)
        session.commit()
    except ActionError as exc:
        return _fail(request, exc, session, "/admin/campaigns")
    except (TypeError, AttributeError):
        session.rollback()
        flash(request, "Campaigns could not be created from the console in this version; use "
                       "the API.", "error")
        return back("/admin/campaigns")
    flash(request, f"Campaign {data['name']} created.")
    return back("/admin/campaigns")


# --- triage keywords and VIPs ------------------------------------------------------------------

KEYWORD_KINDS = ("service", "noise", "technical", "legal")


@router.get("/triage")
def triage_settings(request: Request, principal: Principal = Depends(admin_user),
                    session: Session = Depends(get_session)):
    s = _ws(session, principal).settings or {}
    return render(request, "admin/triage.html", {
        "kinds": KEYWORD_KINDS, "keywords": s.get("keywords", {}),
        "vips": s.get("vip_handles", []), "section": "triage"},
        principal=principal, session=session)


@router.post("/triage", dependencies=[Depends(check_csrf)])
async def save_triage(request: Request, principal: Principal = Depends(admin_user),
                      session: Session = Depends(get_session)):
    form = await request.form()

    def words(text: str) -> list[str]:
        return [w.strip() for w in text.replace(",", "\n").splitlines() if w.strip()]

    keywords = {k: words(str(form.get(f"kw_{k}", ""))) for k in KEYWORD_KINDS}
    vips = words(str(form.get("vip_handles", "")))
    ws = _ws(session, principal)
    try:
        changes = triage_actions.check_settings(keywords, vips)
        triage_actions.do_settings(session, ws, changes)
        session.commit()
    except ActionError as exc:
        return _fail(request, exc, session, "/admin/triage")
    flash(request, "Triage keywords and VIP list saved; new messages use them now.")
    return back("/admin/triage")
