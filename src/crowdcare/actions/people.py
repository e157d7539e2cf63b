"""Agents (admin, agent, advocate), teams and API tokens."""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crowdcare.actions import Conflict, Invalid, NotFound, signins
from crowdcare.domain import Role
from crowdcare.settings import get_settings
from crowdcare.store import models as m
from crowdcare.store.types import utcnow


@functools.cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hasher() -> PasswordHasher:
    """argon2id at the configured cost (settings.password_hash_*)."""
    settings = get_settings()
    return _hasher(settings.password_hash_time_cost, settings.password_hash_memory_kib)


RESET_HOURS = 24   # a password reset link works this long, and once
MAX_TOKEN_DAYS = 3650


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_add_agent(session: Session, email: str, role: str, workspace_id: int) -> str:
    """The normalised email. Only this workspace's people are compared: whether the address
    has an account in another workspace is no business of this one's admins."""
    try:  # syntax only: agents of an on-premise install may live on internal domains
        email = validate_email(email.strip(), check_deliverability=False,
                               test_environment=True).normalized.lower()
    except EmailNotValidError as exc:
        raise Invalid(f"{email!r} is not an email address: {exc}", field="email") from None
    if role not in Role.__members__:
        raise Invalid(f"role must be one of {', '.join(Role)}", field="role")
    if session.scalar(select(m.Agent.id).where(m.Agent.workspace_id == workspace_id,
                                               m.Agent.email == email)):
        raise Conflict(f"an agent with email {email} already exists in this workspace",
                       field="email")
    return email


def do_add_agent(session: Session, workspace: m.Workspace, email: str, role: str,
                 name: str | None = None, password: str | None = None) -> m.Agent:
    agent = m.Agent(workspace_id=workspace.id, email=email, role=role,
                    name=name or email.split("@")[0],
                    password_hash=hasher().hash(password) if password else None)
    session.add(agent)
    session.flush()
    return agent


def do_set_password(session: Session, agent: m.Agent, password: str) -> None:
    """Also ends the agent's sessions (whoever knew the old password is out) and lifts a
    lock-out."""
    if len(password) < 8:
        raise Invalid("a password needs at least 8 characters", field="password")
    agent.password_hash = hasher().hash(password)
    do_end_sessions(session, agent)
    signins.do_lift(session, agent.email)


def do_end_sessions(session: Session, agent: m.Agent) -> None:
    """Every session cookie of the agent stops working: they carry the epoch this raises."""
    session.execute(update(m.Agent).where(m.Agent.id == agent.id)
                    .values(session_epoch=m.Agent.session_epoch + 1))
    session.refresh(agent, ["session_epoch"])


def check_token(name: str, days: float | None) -> datetime | None:
    """When a new token expires (None: until revoked)."""
    if not 1 <= len(name.strip()) <= 100:
        raise Invalid("a token's name is 1 to 100 characters", field="name")
    if days is None:
        return None
    if not 0 < days <= MAX_TOKEN_DAYS:
        raise Invalid(f"expires_in_days is more than 0 and at most {MAX_TOKEN_DAYS}",
                      field="expires_in_days")
    return utcnow() + timedelta(days=days)


def do_create_token(session: Session, agent: m.Agent, name: str = "cli",
                    expires_at: datetime | None = None) -> str:
    """Returns the token, shown once: only its hash is stored (`token_row` finds the row)."""
    token = "cc_" + secrets.token_urlsafe(32)
    row = m.ApiToken(agent_id=agent.id, token_hash=hash_token(token), name=name.strip(),
                     expires_at=expires_at)
    session.add(row)
    session.flush()
    return token


def token_row(session: Session, token: str) -> m.ApiToken | None:
    return session.scalar(select(m.ApiToken).where(m.ApiToken.token_hash == hash_token(token)))


def tokens(session: Session, workspace_id: int, agent_id: int | None = None) -> list[m.ApiToken]:
    """A workspace's tokens (or one agent's), newest first; revoked ones included."""
    query = (select(m.ApiToken).join(m.Agent).where(m.Agent.workspace_id == workspace_id)
             .order_by(m.ApiToken.id.desc()))
    if agent_id is not None:
        query = query.where(m.ApiToken.agent_id == agent_id)
    return list(session.scalars(query))


def check_revoke_token(session: Session, workspace_id: int, token_id: int) -> m.ApiToken:
    row = session.get(m.ApiToken, token_id)
    if row is None or row.agent.workspace_id != workspace_id:
        raise NotFound(f"token {token_id} not found")
    return row


def do_revoke_token(session: Session, row: m.ApiToken) -> m.ApiToken:
    row.revoked = True   # kept, so the list says when it was last used
    session.flush()
    return row


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


# --- an admin edits people ----------------------------------------------------------------------

def check_update_agent(session: Session, me_id: int, agent: m.Agent, name: str | None,
                       role: str | None, team_ids: list[int] | None,
                       active: bool | None = None) -> None:
    if name is not None and not (1 <= len(name.strip()) <= 200):
        raise Invalid("a name is 1 to 200 characters", field="name")
    if role is not None and role not in Role.__members__:
        raise Invalid(f"role must be one of {', '.join(Role)}", field="role")
    if agent.id == me_id and ((role is not None and role != agent.role) or active is False):
        raise Conflict("you cannot change your own role or deactivate yourself: another admin "
                       "can", field="role")
    losing_admin = agent.role == Role.admin and agent.active and (
        (role is not None and role != Role.admin) or active is False)
    if losing_admin and not session.scalar(select(func.count()).select_from(m.Agent).where(
            m.Agent.workspace_id == agent.workspace_id, m.Agent.role == Role.admin,
            m.Agent.active.is_(True), m.Agent.id != agent.id)):
        raise Conflict("the workspace needs at least one active admin", field="role")
    if team_ids:
        found = set(session.scalars(select(m.Team.id).where(
            m.Team.workspace_id == agent.workspace_id, m.Team.id.in_(team_ids))))
        if found != set(team_ids):
            raise Invalid("a team is not in this workspace", field="teams")


def do_update_agent(session: Session, agent: m.Agent, name: str | None, role: str | None,
                    team_ids: list[int] | None, active: bool | None = None) -> m.Agent:
    """Takes effect at once: every request re-reads the agent (a deactivated agent's session
    is refused on its next request)."""
    if name is not None:
        agent.name = name.strip()
    if role is not None:
        agent.role = role
    if active is not None:
        if not active:   # reactivating the agent later must not bring old cookies back
            do_end_sessions(session, agent)
        agent.active = active
    if team_ids is not None:
        agent.teams = list(session.scalars(select(m.Team).where(m.Team.id.in_(team_ids))))
    session.flush()
    return agent


def _reset_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().signing_key(), salt="crowdcare.password-reset")


def _fingerprint(agent: m.Agent) -> str:
    """Changes with the password: a link stops working once it has been used."""
    return hashlib.sha256(f"{agent.id}:{agent.password_hash or ''}".encode()).hexdigest()[:20]


def reset_token(agent: m.Agent) -> str:
    return _reset_signer().dumps({"a": agent.id, "f": _fingerprint(agent)})


def check_reset(session: Session, token: str) -> m.Agent:
    try:
        data = _reset_signer().loads(token, max_age=RESET_HOURS * 3600)
    except BadSignature:   # expired, tampered or not ours
        raise Invalid(f"this reset link is not valid or is older than {RESET_HOURS} hours: "
                      "ask an admin for a new one") from None
    agent = session.get(m.Agent, data.get("a")) if isinstance(data, dict) else None
    if agent is None or not agent.active or data.get("f") != _fingerprint(agent):
        raise Invalid("this reset link was used already (or the account is inactive): ask an "
                      "admin for a new one")
    return agent
