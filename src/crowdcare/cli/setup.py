"""Set-up without the web UI: workspaces, agents (password, sign-out), API tokens."""
from __future__ import annotations

import typer
from sqlalchemy import select

from crowdcare.actions import people, workspaces
from crowdcare.cli.common import JsonOpt, agent_by_email, fail, out, unit_of_work
from crowdcare.store import models as m

workspace_app = typer.Typer(no_args_is_help=True, help="Workspaces (brands).")
agent_app = typer.Typer(no_args_is_help=True, help="Agents: admins, agents and advocates.")
token_app = typer.Typer(no_args_is_help=True, help="API bearer tokens.")
WorkspaceOpt = typer.Option(None, "--workspace", "-w", help="id or slug (default: the only one)")


def register(app: typer.Typer) -> None:
    app.add_typer(workspace_app, name="workspace")
    app.add_typer(agent_app, name="agent")
    app.add_typer(token_app, name="token")


@workspace_app.command("create")
def workspace_create(name: str, as_json: bool = JsonOpt) -> None:
    with unit_of_work() as session:
        slug = workspaces.check_create(session, name)
        ws = workspaces.do_create(session, name, slug)
    out({"id": ws.id, "name": ws.name, "slug": ws.slug}, as_json,
        [f"workspace {ws.id} created: {ws.name} ({ws.slug})"])


@workspace_app.command("list")
def workspace_list(as_json: bool = JsonOpt) -> None:
    with unit_of_work() as session:
        rows = session.scalars(select(m.Workspace).order_by(m.Workspace.id)).all()
        data = [{"id": w.id, "name": w.name, "slug": w.slug} for w in rows]
    out({"items": data}, as_json, [f"{w['id']}\t{w['slug']}\t{w['name']}" for w in data])


@agent_app.command("add")
def agent_add(
    email: str,
    role: str = typer.Option("agent", "--role", help="admin | agent | advocate"),
    name: str = typer.Option(None, "--name"),
    password: str = typer.Option(None, "--password", help="for the web console (≥ 8 chars)"),
    team: list[str] = typer.Option([], "--team", help="team name; created if new; repeatable"),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    if password is not None and len(password) < 8:
        fail("a password needs at least 8 characters")
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        email = people.check_add_agent(session, email, role, ws.id)
        agent = people.do_add_agent(session, ws, email, role, name, password)
        for team_name in team:
            row = session.scalar(select(m.Team).where(m.Team.workspace_id == ws.id,
                                                      m.Team.name == team_name))
            row = row or people.do_create_team(session, ws.id, people.check_team(
                session, ws.id, team_name))
            row.members.append(agent)
        data = {"id": agent.id, "email": agent.email, "role": agent.role, "workspace_id": ws.id,
                "teams": list(team)}
    out(data, as_json, [f"agent {data['id']} added: {data['email']} ({data['role']})"])


@agent_app.command("password")
def agent_password(
    email: str,
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True,
                                 confirmation_prompt=True),
    workspace: str = WorkspaceOpt,
) -> None:
    """Set or reset an agent's console password (also lifts a lock-out and ends their
    sessions)."""
    with unit_of_work() as session:
        people.do_set_password(session, agent_by_email(session, email, workspace), password)
    typer.echo(f"password set for {email}")


@agent_app.command("sign-out")
def agent_sign_out(email: str, workspace: str = WorkspaceOpt) -> None:
    """End every console session of the agent, on every device."""
    with unit_of_work() as session:
        people.do_end_sessions(session, agent_by_email(session, email, workspace))
    typer.echo(f"{email} is signed out everywhere")


@token_app.command("create")
def token_create(
    agent: str = typer.Option(..., "--agent", help="the agent's email"),
    name: str = typer.Option("cli", "--name"),
    expires_in_days: float = typer.Option(None, "--expires-in-days",
                                          help="default: until revoked"),
    workspace: str = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    with unit_of_work() as session:
        row = agent_by_email(session, agent, workspace)
        expires = people.check_token(name, expires_in_days)
        token = people.do_create_token(session, row, name, expires)
        data = {"token": token, "id": people.token_row(session, token).id, "agent_id": row.id,
                "workspace_id": row.workspace_id, "expires_at": expires}
    out(data, as_json, [token])


@token_app.command("list")
def token_list(workspace: str = WorkspaceOpt,
               agent: str = typer.Option(None, "--agent", help="only this agent's"),
               as_json: bool = JsonOpt) -> None:
    """Tokens (never their values): who, when made, last used, expiry, revoked."""
    with unit_of_work() as session:
        ws = workspaces.find(session, workspace)
        rows = people.tokens(session, ws.id,
                             agent_by_email(session, agent, str(ws.id)).id if agent else None)
        data = [{"id": t.id, "name": t.name, "agent": t.agent.email, "created_at": t.created_at,
                 "last_used_at": t.last_used_at, "expires_at": t.expires_at,
                 "revoked": t.revoked} for t in rows]
    out({"items": data}, as_json, [
        f"{t['id']}\t{t['agent']}\t{t['name']}\t"
        f"{'revoked' if t['revoked'] else t['expires_at'] or 'no expiry'}" for t in data])


@token_app.command("revoke")
def token_revoke(token_id: int, as_json: bool = JsonOpt) -> None:
    with unit_of_work() as session:
        row = session.get(m.ApiToken, token_id)
        if row is None:
            fail(f"no token {token_id}")
        people.do_revoke_token(session, row)
    out({"id": token_id, "revoked": True}, as_json, [f"token {token_id} revoked"])
