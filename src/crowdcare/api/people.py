"""Agents and teams."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare.actions import Invalid, NotFound, people, serialize
from crowdcare.api.deps import Principal, admin, current, get_session, owned, staff
from crowdcare.api.numbers import Int64
from crowdcare.domain import Role
from crowdcare.store import models as m

router = APIRouter(prefix="/api/v1", tags=["agents and teams"])


@router.get("/agents")
def list_agents(principal: Principal = Depends(staff),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    rows = session.scalars(select(m.Agent).where(m.Agent.workspace_id == principal.workspace_id)
                           .order_by(m.Agent.id)).all()
    return {"items": [serialize.agent(a) for a in rows]}


class AgentIn(BaseModel):
    email: str = Field(max_length=320)
    name: str | None = Field(None, max_length=200)
    role: Literal["admin", "agent", "advocate"] = "agent"
    password: str | None = Field(None, min_length=8, max_length=200)


@router.post("/agents", status_code=201)
def add_agent(body: AgentIn, principal: Principal = Depends(admin),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    email = people.check_add_agent(session, body.email, body.role,
                                     principal.workspace_id)
    workspace = session.get(m.Workspace, principal.workspace_id)
    return serialize.agent(people.do_add_agent(session, workspace, email, body.role, body.name,
                                               body.password))


class AgentPatch(BaseModel):
    """Left out: unchanged. A field typed without `| None` refuses null with 422 (pydantic
    does not validate the None default, only what is sent); one with it clears."""
    name: str = Field(None, min_length=1, max_length=200)
    role: Literal["admin", "agent", "advocate"] = None
    active: bool = None


@router.patch("/agents/{agent_id}")
def update_agent(agent_id: Int64, body: AgentPatch, principal: Principal = Depends(admin),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """Deactivating an agent ends their sessions (reactivating them does not bring them back)."""
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    people.check_update_agent(session, principal.agent_id, agent, body.name, body.role, None,
                              body.active)
    return serialize.agent(people.do_update_agent(session, agent, body.name, body.role, None,
                                                  body.active))


@router.post("/agents/{agent_id}/sign-out")
def sign_out_everywhere(agent_id: Int64, principal: Principal = Depends(admin),
                        session: Session = Depends(get_session)) -> dict[str, Any]:
    """Ends every console session of the agent (their API tokens stay: revoke those apart)."""
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    people.do_end_sessions(session, agent)
    return serialize.agent(agent)


# --- API tokens: an admin sees and revokes the workspace's; everyone else their own ---------------

def _token(row: m.ApiToken) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "agent_id": row.agent_id,
            "created_at": row.created_at, "last_used_at": row.last_used_at,
            "expires_at": row.expires_at, "revoked": row.revoked}


@router.get("/tokens", tags=["API tokens"])
def list_tokens(principal: Principal = Depends(current),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    mine = None if principal.role == Role.admin else principal.agent_id
    return {"items": [_token(t) for t in people.tokens(session, principal.workspace_id, mine)]}


class TokenIn(BaseModel):
    name: str = Field("api", min_length=1, max_length=100)
    expires_in_days: float | None = Field(None, gt=0, le=people.MAX_TOKEN_DAYS,
                                          description="none: until revoked")
    agent_id: int | None = Field(None, description="an admin may make one for another agent")


@router.post("/tokens", status_code=201, tags=["API tokens"])
def create_token(body: TokenIn, principal: Principal = Depends(current),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """The token is in this answer only: it is stored as a hash."""
    agent_id = body.agent_id if body.agent_id is not None else principal.agent_id
    if agent_id != principal.agent_id and principal.role != Role.admin:
        raise HTTPException(403, "only an admin makes tokens for another agent")
    agent = owned(session, m.Agent, agent_id, principal, "agent")
    expires = people.check_token(body.name, body.expires_in_days)
    token = people.do_create_token(session, agent, body.name, expires)
    return {**_token(people.token_row(session, token)), "token": token}


@router.post("/tokens/{token_id}/revoke", tags=["API tokens"])
def revoke_token(token_id: Int64, principal: Principal = Depends(current),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    row = people.check_revoke_token(session, principal.workspace_id, token_id)
    if row.agent_id != principal.agent_id and principal.role != Role.admin:
        raise NotFound(f"token {token_id} not found")
    return _token(people.do_revoke_token(session, row))


@router.get("/teams")
def list_teams(principal: Principal = Depends(staff),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    rows = session.scalars(select(m.Team).where(m.Team.workspace_id == principal.workspace_id)
                           .order_by(m.Team.id)).all()
    return {"items": [serialize.team(t) for t in rows]}


class TeamIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    members: list[int] = Field(default_factory=list, description="agent ids")


def _members(session: Session, principal: Principal, ids: list[int]) -> list[m.Agent]:
    agents = [session.get(m.Agent, i) for i in ids]
    missing = [i for i, a in zip(ids, agents, strict=True)
               if a is None or a.workspace_id != principal.workspace_id]
    if missing:
        raise Invalid(f"agents {missing} do not exist in this workspace", field="members")
    return agents


@router.post("/teams", status_code=201)
def create_team(body: TeamIn, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    name = people.check_team(session, principal.workspace_id, body.name)
    members = _members(session, principal, body.members)
    return serialize.team(people.do_create_team(session, principal.workspace_id, name, members))


class MembersIn(BaseModel):
    members: list[int]


@router.put("/teams/{team_id}/members")
def set_members(team_id: Int64, body: MembersIn, principal: Principal = Depends(admin),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    team = owned(session, m.Team, team_id, principal, "team")
    team.members = _members(session, principal, body.members)
    return serialize.team(team)
