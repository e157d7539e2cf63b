"""Agents (admin, agent, advocate), teams and API tokens."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid
from crowdcare.domain import Role
from crowdcare.store import models as m

hasher = PasswordHasher()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_add_agent(session: Session, email: str, role: str) -> str:
    try:  # syntax only: agents of an on-premise install may live on internal domains
        email = validate_email(email.strip(), check_deliverability=False,
                               test_environment=True).normalized.lower()
    except EmailNotValidError as exc:
        raise Invalid(f"{email!r} is not an email address: {exc}", field="email") from None
    if role not in Role.__members__:
        raise Invalid(f"role must be one of {', '.join(Role)}", field="role")
    if session.scalar(select(m.Agent.id).where(m.Agent.email == email)):
        raise Conflict(f"an agent with email {email} already exists", field="email")
    return email


def do_add_agent(session: Session, workspace: m.Workspace, email: str, role: str,
                 name: str | None = None, password: str | None = None) -> m.Agent:
    agent = m.Agent(workspace_id=workspace.id, email=email, role=role,
                    name=name or email.split("@")[0],
                    password_hash=hasher.hash(password) if password else None)
    session.add(agent)
    session.flush()
    return agent


def do_set_password(session: Session, agent: m.Agent, password: str) -> None:
    if len(password) < 8:
        raise Invalid("a password needs at least 8 characters", field="password")
    agent.password_hash = hasher.hash(password)
    agent.failed_logins = 0
    agent.locked_until = None


def do_create_token(session: Session, agent: m.Agent, name: str = "cli") -> str:
    """Returns the token once; only its hash is stored."""
    token = "cc_" + secrets.token_urlsafe(32)
    session.add(m.ApiToken(agent_id=agent.id, token_hash=hash_token(token), name=name))
    session.flush()
    return token


def check_team(session: Session, workspace_id: int, name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("a team needs a name", field="name")
    if session.scalar(select(m.Team.id).where(m.Team.workspace_id == workspace_id,
                                              m.Team.name == name)):
        raise Conflict(f"team {name!r} already exists", field="name")
    return name


def do_create_team(session: Session, workspace_id: int, name: str,
                   members: list[m.Agent] = ()) -> m.Team:
    team = m.Team(workspace_id=workspace_id, name=name, members=list(members))
    session.add(team)
    session.flush()
    return team
