"""Admin pages: channel accounts, agents and teams (and their assignment settings), canned
responses, rules (routing and automation), campaigns, triage keywords and the VIP list. Every
page needs an admin of the workspace; every change goes through an action's check and do
(validation and refusals are the actions')."""
from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError, assignment, people, replies, signins, workspaces
from crowdcare.actions import campaigns as campaign_actions
from crowdcare.actions import canned as canned_actions
from crowdcare.actions import rules as rule_actions
from crowdcare.actions import triage as triage_actions
from crowdcare.api.deps import Principal, get_session
from crowdcare.api.numbers import Int64
from crowdcare.automation import assign
from crowdcare.automation.rules import ACTIONS, EVENTS, KINDS, MESSAGE_RECEIVED
from crowdcare.channels import registry
from crowdcare.settings import get_settings
from crowdcare.store import models as m
from crowdcare.store.types import utcnow
from crowdcare.web.core import (
    Attempt,
    Refused,
    admin_user,
    back,
    check_csrf,
    flash,
    owned,
    render,
)

router = APIRouter(prefix="/admin", include_in_schema=False)
MESSENGER_FIELDS = [("page_id", "Page ID", "text"), ("page_token", "Page access token", "password"),
                    ("app_secret", "App secret", "password"),
                    ("verify_token", "Webhook verify token", "password")]


def _ws(session: Session, principal: Principal) -> m.Workspace:
    return session.get(m.Workspace, principal.workspace_id)


@router.get("")
def admin_home():
    return back("/admin/channels")


# --- channels ------------------------------------------------------------------------------

def _field_kind(adapter, name: str, info) -> str:
    if name in adapter.secret_fields:
        return "secret"
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) or \
            getattr(annotation, "__origin__", None) in (dict, list):
        return "json"
    return "text"


def channel_fields(account: m.ChannelAccount) -> list[dict[str, Any]]:
    """The account's settings as form fields: secrets blank (kept unless typed), nested
    settings (a Messenger profile) as JSON."""
    adapter = registry.get(account.kind)
    if adapter is None:
        return []
    out = []
    for name, info in adapter.config_model.model_fields.items():
        kind = _field_kind(adapter, name, info)
        value = account.config.get(name)
        out.append({"name": name, "kind": kind, "label": name.replace("_", " "),
                    "set": bool(value), "value": "" if kind == "secret" else
                    json.dumps(value, indent=2, ensure_ascii=False) if kind == "json"
                    else ("" if value is None else value)})
    return out


@router.get("/channels")
def channels(request: Request, principal: Principal = Depends(admin_user),
             session: Session = Depends(get_session)):
    rows = session.scalars(select(m.ChannelAccount).where(
        m.ChannelAccount.workspace_id == principal.workspace_id).order_by(m.ChannelAccount.id)).all()
    used = dict(session.execute(select(m.Conversation.channel_account_id, func.count())
                                .where(m.Conversation.workspace_id == principal.workspace_id)
                                .group_by(m.Conversation.channel_account_id)).all())
    base = get_settings().public_url
    accounts = [{"row": r, "fields": channel_fields(r), "conversations": used.get(r.id, 0),
                 "cannot_send": replies.undeliverable(r) if r.active else None,
                 "webhook": workspaces.webhook_url(base, r)} for r in rows]
    return render(request, "admin/channels.html", {
        "accounts": accounts, "messenger": registry.get("messenger") is not None,
        "fields": MESSENGER_FIELDS, "section": "channels"}, principal=principal, session=session)


@router.post("/channels/api", dependencies=[Depends(check_csrf)])
def add_api_channel(request: Request, name: str = Form("", max_length=200),
                    callback_url: str = Form("", max_length=1000),
                    principal: Principal = Depends(admin_user),
                    session: Session = Depends(get_session)):
    with Attempt(request, session, "/admin/channels") as it:
        options = {"callback_url": callback_url.strip()} if callback_url.strip() else {}
        _, config = workspaces.check_channel("api", options)
        name = workspaces.check_channel_name(session, principal.workspace_id, name) \
            if name.strip() else None
        row = workspaces.do_add_channel(session, _ws(session, principal), "api", config, name)
        it.done = (f"API channel {row.name} added: its inbound token is "
                   f"{row.config['inbound_token']} (shown once; the shop's chat sends it as a "
                   "bearer token).")
    return it.response


@router.post("/channels/{account_id:int}", dependencies=[Depends(check_csrf)])
async def edit_channel(account_id: Int64, request: Request,
                       principal: Principal = Depends(admin_user),
                       session: Session = Depends(get_session)):
    """Name and settings; a secret left blank keeps its value; JSON settings are parsed."""
    account = owned(session, m.ChannelAccount, account_id, principal, "channel")
    form = await request.form()
    with Attempt(request, session, "/admin/channels") as it:
        options: dict[str, Any] = {}
        for field in channel_fields(account):
            raw = form.get(f"cfg_{field['name']}")
            if raw is None:
                continue
            raw = str(raw).strip()
            if field["kind"] == "json":
                try:
                    options[field["name"]] = json.loads(raw) if raw else {}
                except ValueError as exc:
                    raise ActionError(f"{field['label']}: not valid JSON ({exc})",
                                      status=422) from None
            else:
                options[field["name"]] = raw or None
        name = str(form.get("name", "")) if "name" in form else None
        name, config = workspaces.check_update_channel(session, account, name, options)
        workspaces.do_update_channel(session, account, name, config)
        it.done = f"Channel {account.name} saved."
    return it.response


@router.post("/channels/{account_id:int}/active", dependencies=[Depends(check_csrf)])
def channel_active(account_id: Int64, request: Request, active: str = Form(...),
                   principal: Principal = Depends(admin_user),
                   session: Session = Depends(get_session)):
    account = owned(session, m.ChannelAccount, account_id, principal, "channel")
    on = active in ("1", "true", "on")
    workspaces.do_set_active(session, account, on)
    session.commit()
    what = "enabled" if on else "disabled: its webhooks are refused and nothing is sent on it"
    flash(request, f"Channel {account.name} {what}.")
    return back("/admin/channels")


@router.post("/channels/{account_id:int}/delete", dependencies=[Depends(check_csrf)])
def delete_channel(account_id: Int64, request: Request, principal: Principal = Depends(admin_user),
                   session: Session = Depends(get_session)):
    account = owned(session, m.ChannelAccount, account_id, principal, "channel")
    with Attempt(request, session, "/admin/channels") as it:
        workspaces.check_delete_channel(session, account)
        workspaces.do_delete_channel(session, account)
        it.done = f"Channel {account.name} deleted."
    return it.response


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
    with Attempt(request, session, "/admin/channels") as it:
        _, config = workspaces.check_channel("messenger", {
            "page_id": page_id.strip(), "page_token": page_token.strip(),
            "app_secret": app_secret.strip(), "verify_token": verify_token.strip()})
        name = workspaces.check_channel_name(session, principal.workspace_id, name) \
            if name.strip() else None
        row = workspaces.do_add_channel(session, _ws(session, principal), "messenger", config,
                                        name)
        it.done = (f"Messenger page connected as channel {row.id}. Point the app's webhook at "
                   "the URL shown below.")
    return it.response


# --- agents and teams -------------------------------------------------------------------------

@router.get("/agents")
def agents(request: Request, principal: Principal = Depends(admin_user),
           session: Session = Depends(get_session)):
    rows = session.scalars(select(m.Agent).where(
        m.Agent.workspace_id == principal.workspace_id).order_by(m.Agent.role, m.Agent.name)).all()
    teams = session.scalars(select(m.Team).where(
        m.Team.workspace_id == principal.workspace_id).order_by(m.Team.name)).all()
    return render(request, "admin/agents.html", {
        "agents": rows, "teams": teams, "section": "agents",
        "locked": signins.locked(session, [a.email for a in rows]),
        "tokens": people.tokens(session, principal.workspace_id), "now": utcnow(),
        "load": assign.open_load(session, [a.id for a in rows]),
        "availability": assignment.AVAILABILITY},
        principal=principal, session=session)


def _names(raw: str) -> list[str]:
    return [part for part in (p.strip() for p in raw.replace(" ", ",").split(",")) if part]


@router.post("/agents/{agent_id:int}/routing", dependencies=[Depends(check_csrf)])
def agent_routing(agent_id: Int64, request: Request, capacity: str = Form("", max_length=10),
                  availability: str = Form("online", max_length=20),
                  languages: str = Form("", max_length=1000),
                  intents: str = Form("", max_length=1000),
                  principal: Principal = Depends(admin_user),
                  session: Session = Depends(get_session)):
    """Capacity (blank: no limit), availability and skills, for automatic assignment."""
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    try:
        limit = int(capacity) if capacity.strip() else None
    except ValueError:
        flash(request, "capacity is a number of open tickets (blank: no limit)", "error")
        return back("/admin/agents")
    with Attempt(request, session, "/admin/agents") as it:
        changes = assignment.check_routing(limit, availability, _names(languages),
                                           _names(intents))
        assignment.do_routing(session, agent, changes)
        it.done = f"{agent.name}: assignment settings saved."
    return it.response


@router.post("/agents", dependencies=[Depends(check_csrf)])
def add_agent(request: Request, email: str = Form(..., max_length=320),
              name: str = Form("", max_length=200), role: str = Form("agent"),
              password: str = Form("", max_length=1000),
              principal: Principal = Depends(admin_user), session: Session = Depends(get_session)):
    with Attempt(request, session, "/admin/agents") as it:
        if password and len(password) < 8:
            raise ActionError("a password needs at least 8 characters", status=422)
        email = people.check_add_agent(session, email, role, principal.workspace_id)
        agent = people.do_add_agent(session, _ws(session, principal), email, role,
                                    name.strip() or None, password or None)
        it.done = f"{agent.name} added as {agent.role}."
    return it.response


@router.post("/agents/{agent_id:int}", dependencies=[Depends(check_csrf)])
async def edit_agent(agent_id: Int64, request: Request, principal: Principal = Depends(admin_user),
                     session: Session = Depends(get_session)):
    """Name, role and teams: in effect on the agent's next request."""
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    form = await request.form()
    with Attempt(request, session, "/admin/agents") as it:
        teams = [int(v) for v in form.getlist("teams") if str(v).isdigit()]
        name = str(form.get("name", "")) if "name" in form else None
        role = str(form.get("role")) if "role" in form else None
        people.check_update_agent(session, principal.agent_id, agent, name, role, teams)
        people.do_update_agent(session, agent, name, role, teams)
        it.done = f"{agent.name} saved ({agent.role})."
    return it.response


@router.post("/agents/{agent_id:int}/active", dependencies=[Depends(check_csrf)])
def agent_active(agent_id: Int64, request: Request, active: str = Form(...),
                 principal: Principal = Depends(admin_user),
                 session: Session = Depends(get_session)):
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    on = active in ("1", "true", "on")
    with Attempt(request, session, "/admin/agents") as it:
        people.check_update_agent(session, principal.agent_id, agent, None, None, None, on)
        people.do_update_agent(session, agent, None, None, None, on)
        it.done = f"{agent.name} {'reactivated' if on else 'deactivated: signed out now'}."
    return it.response


@router.post("/agents/{agent_id:int}/reset", dependencies=[Depends(check_csrf)])
def agent_reset(agent_id: Int64, request: Request, principal: Principal = Depends(admin_user),
                session: Session = Depends(get_session)):
    """A link the agent opens to set a new password (once, within a day); give it to them."""
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    if not agent.active:
        flash(request, f"{agent.name} is inactive: reactivate them first.", "error")
        return back("/admin/agents")
    link = f"{get_settings().public_url.rstrip('/')}/reset/{people.reset_token(agent)}"
    flash(request, f"Password reset link for {agent.name} (works once, for "
                   f"{people.RESET_HOURS} hours): {link}")
    return back("/admin/agents")


@router.post("/agents/{agent_id:int}/sign-out", dependencies=[Depends(check_csrf)])
def agent_sign_out(agent_id: Int64, request: Request, principal: Principal = Depends(admin_user),
                   session: Session = Depends(get_session)):
    """Sign out everywhere: every session of the agent ends (this one too, for oneself)."""
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    people.do_end_sessions(session, agent)
    session.commit()
    flash(request, f"{agent.name} is signed out everywhere.")
    return back("/admin/agents")


@router.post("/tokens", dependencies=[Depends(check_csrf)])
def add_token(request: Request, agent_id: Int64 = Form(...), name: str = Form(..., max_length=100),
              days: str = Form("", max_length=10), principal: Principal = Depends(admin_user),
              session: Session = Depends(get_session)):
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    with Attempt(request, session, "/admin/agents") as it:
        try:
            lifetime = float(days) if days.strip() else None
        except ValueError:
            raise ActionError("expiry is a number of days", status=422) from None
        token = people.do_create_token(session, agent, name, people.check_token(name, lifetime))
        it.done = f"Token {name!r} for {agent.name} (shown this once): {token}"
    return it.response


@router.post("/tokens/{token_id:int}/revoke", dependencies=[Depends(check_csrf)])
def revoke_token(token_id: Int64, request: Request, principal: Principal = Depends(admin_user),
                 session: Session = Depends(get_session)):
    try:
        row = people.check_revoke_token(session, principal.workspace_id, token_id)
    except ActionError:
        raise Refused(404, "No such token.") from None
    people.do_revoke_token(session, row)
    session.commit()
    flash(request, f"Token {row.name!r} of {row.agent.name} revoked.")
    return back("/admin/agents")


@router.post("/teams", dependencies=[Depends(check_csrf)])
def add_team(request: Request, name: str = Form(..., max_length=100),
             principal: Principal = Depends(admin_user), session: Session = Depends(get_session)):
    with Attempt(request, session, "/admin/agents") as it:
        name = people.check_team(session, principal.workspace_id, name)
        people.do_create_team(session, principal.workspace_id, name)
        it.done = f"Team {name} created."
    return it.response


@router.post("/teams/{team_id:int}/members", dependencies=[Depends(check_csrf)])
def team_member(team_id: Int64, request: Request, agent_id: Int64 = Form(...),
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
def add_canned(request: Request, shortcut: str = Form("", max_length=50),
               title: str = Form("", max_length=200), body: str = Form("", max_length=5000),
               principal: Principal = Depends(admin_user), session: Session = Depends(get_session)):
    with Attempt(request, session, "/admin/canned") as it:
        checked = canned_actions.check(session, principal.workspace_id, shortcut, title, body)
        row = canned_actions.do_save(session, principal.workspace_id, *checked)
        it.done = f"Canned response /{row.shortcut} saved."
    return it.response


@router.post("/canned/{canned_id:int}", dependencies=[Depends(check_csrf)])
def edit_canned(canned_id: Int64, request: Request, shortcut: str = Form("", max_length=50),
                title: str = Form("", max_length=200), body: str = Form("", max_length=5000),
                principal: Principal = Depends(admin_user),
                session: Session = Depends(get_session)):
    row = owned(session, m.CannedResponse, canned_id, principal, "canned response")
    with Attempt(request, session, "/admin/canned") as it:
        checked = canned_actions.check(session, principal.workspace_id, shortcut, title, body,
                                       exclude=row.id)
        canned_actions.do_save(session, principal.workspace_id, *checked, row=row)
        it.done = f"Canned response /{row.shortcut} saved."
    return it.response


@router.post("/canned/{canned_id:int}/delete", dependencies=[Depends(check_csrf)])
def delete_canned(canned_id: Int64, request: Request, principal: Principal = Depends(admin_user),
                  session: Session = Depends(get_session)):
    row = owned(session, m.CannedResponse, canned_id, principal, "canned response")
    canned_actions.do_delete(session, row)
    session.commit()
    flash(request, f"/{row.shortcut} deleted.")
    return back("/admin/canned")


# --- routing rules ------------------------------------------------------------------------------

def _rule_form(form) -> dict[str, Any]:
    """A rule from the form: its name and the when/then objects as JSON (data, as stored)."""
    data: dict[str, Any] = {"name": str(form.get("name", "")).strip(),
                            "event": str(form.get("event", "")).strip() or MESSAGE_RECEIVED}
    if not data["name"]:
        raise ActionError("a rule needs a name", status=422)
    for part in ("when", "then"):
        raw = str(form.get(part, "")).strip() or "{}"
        try:
            data[part] = json.loads(raw)
        except ValueError as exc:
            raise ActionError(f"{part}: not valid JSON ({exc})", status=422) from None
        if not isinstance(data[part], dict):
            raise ActionError(f"{part}: an object, like {{\"intent\": \"billing\"}}",
                              status=422)
    rule_actions.check_rule(data)   # automation.rules.rule_from_dict: fields, tests, actions
    return data


@router.get("/rules")
def rules(request: Request, text: str | None = Query(None, max_length=2000),
          channel: str = Query("api", max_length=40), public: str = Query(""),
          principal: Principal = Depends(admin_user), session: Session = Depends(get_session)):
    rows = session.scalars(select(m.Rule).where(
        m.Rule.workspace_id == principal.workspace_id)
        .order_by(m.Rule.position, m.Rule.id)).all()
    tried = None
    if text and text.strip():
        tried = triage_actions.try_text(session, principal.workspace_id, text.strip(),
                                        channel if channel in registry.adapters() else "api",
                                        public in ("1", "on", "true"))
    return render(request, "admin/rules.html", {
        "rows": [(r, json.dumps(r.rule.get("when", {}), indent=1, ensure_ascii=False),
                  json.dumps(r.rule.get("then", {}), indent=1, ensure_ascii=False)) for r in rows],
        "events": EVENTS, "fields": list(KINDS), "actions": ACTIONS,
        "tried": tried, "text": text or "", "channel": channel, "public": public,
        "channels": sorted(registry.adapters()), "section": "rules"},
        principal=principal, session=session)


@router.post("/rules", dependencies=[Depends(check_csrf)])
async def add_rule(request: Request, principal: Principal = Depends(admin_user),
                   session: Session = Depends(get_session)):
    form = await request.form()
    with Attempt(request, session, "/admin/rules") as it:
        data = _rule_form(form)
        rule_actions.do_create_rule(session, principal.workspace_id, data)
        it.done = f"Rule '{data['name']}' added; new messages use it now."
    return it.response


@router.post("/rules/{rule_id:int}", dependencies=[Depends(check_csrf)])
async def edit_rule(rule_id: Int64, request: Request, principal: Principal = Depends(admin_user),
                    session: Session = Depends(get_session)):
    row = owned(session, m.Rule, rule_id, principal, "rule")
    form = await request.form()
    with Attempt(request, session, "/admin/rules") as it:
        data = _rule_form(form)
        rule_actions.do_update_rule(session, row, data, enabled=form.get("enabled") == "1")
        it.done = f"Rule '{row.name}' saved."
    return it.response


@router.post("/rules/{rule_id:int}/enabled", dependencies=[Depends(check_csrf)])
def enable_rule(rule_id: Int64, request: Request, enabled: str = Form(..., max_length=1),
                principal: Principal = Depends(admin_user),
                session: Session = Depends(get_session)):
    row = owned(session, m.Rule, rule_id, principal, "rule")
    rule_actions.do_enable(session, row, enabled == "1")
    session.commit()
    flash(request, f"Rule '{row.name}' {'enabled' if row.enabled else 'disabled'}.")
    return back("/admin/rules")


@router.post("/rules/{rule_id:int}/move", dependencies=[Depends(check_csrf)])
def move_rule(rule_id: Int64, request: Request, step: Int64 = Form(..., ge=-1, le=1),
              principal: Principal = Depends(admin_user), session: Session = Depends(get_session)):
    row = owned(session, m.Rule, rule_id, principal, "rule")
    rule_actions.do_move_rule(session, row, step)
    session.commit()
    return back("/admin/rules")


@router.post("/rules/{rule_id:int}/delete", dependencies=[Depends(check_csrf)])
def delete_rule(rule_id: Int64, request: Request, principal: Principal = Depends(admin_user),
                session: Session = Depends(get_session)):
    row = owned(session, m.Rule, rule_id, principal, "rule")
    name = row.name
    rule_actions.do_delete_rule(session, row)
    session.commit()
    flash(request, f"Rule '{name}' deleted.")
    return back("/admin/rules")


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
        with Attempt(request, session, "/admin/campaigns") as it:
            checked = campaign_actions.check_create(session, principal.workspace_id, data)
            campaign_actions.do_create(session, principal.workspace_id, checked)
            it.done = f"Campaign {data['name']} created."
    except (TypeError, AttributeError):
        session.rollback()
        flash(request, "Campaigns could not be created from the console in this version; use "
                       "the API.", "error")
        return back("/admin/campaigns")
    return it.response


# --- triage keywords and VIPs ------------------------------------------------------------------

KEYWORD_KINDS = ("service", "noise", "technical", "legal")


@router.get("/triage")
def triage_settings(request: Request, principal: Principal = Depends(admin_user),
                    session: Session = Depends(get_session)):
    s = _ws(session, principal).settings or {}
    return render(request, "admin/triage.html", {
        "kinds": KEYWORD_KINDS, "keywords": s.get("keywords", {}),
        "builtin": triage_actions.builtin_words(),
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
    with Attempt(request, session, "/admin/triage") as it:
        changes = triage_actions.check_settings(keywords, vips)
        triage_actions.do_settings(session, ws, changes)
        it.done = "Triage keywords and VIP list saved; new messages use them now."
    return it.response
